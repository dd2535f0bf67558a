/**
 * Sweep planner (scheduled): resolves the accounts and regions of `config.sweep` and enqueues one
 * SQS message per account-region for the workers. Thin: discovery and sending live in adapters.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createEc2Client } from '../adapters/ec2-client.js';
import { createOrganizationsClient } from '../adapters/organizations-client.js';
import { sendMessages } from '../adapters/queue.js';
import { activeOrganizationAccounts, enabledRegions } from '../adapters/scope.js';
import { createSqsClient } from '../adapters/sqs-client.js';
import { errorAlert } from '../engine/alerts.js';
import { publishAlerts } from '../engine/pipeline.js';
import { ConfigError } from '../errors.js';
import { createRuntime } from './runtime.js';
import { SWEEP_MESSAGE_VERSION, type SweepMessage } from './sweep-message.js';

const runtime = createRuntime();
const queueUrl = process.env.SWEEP_QUEUE_URL ?? '';
// An SQS queue URL; with an endpoint override (LocalStack, the simulator) any http(s) URL.
const QUEUE_URL = runtime.endpoint
  ? /^https?:\/\/\S+$/
  : /^https:\/\/sqs\.[\w-]+\.amazonaws\.com(\.cn)?\/\d{12}\/[\w-]+(\.fifo)?$/;
if (!QUEUE_URL.test(queueUrl)) {
  throw new ConfigError('environment', [
    { path: 'SWEEP_QUEUE_URL', message: `must be an SQS queue URL, got ${JSON.stringify(queueUrl)}` },
  ]);
}
const clientOptions = { region: runtime.region, ...(runtime.endpoint ? { endpoint: runtime.endpoint } : {}) };
const sqs = createSqsClient(clientOptions);
const deps = runtime.deps({});

export async function planSweep(event: { time?: string } | undefined, context: Context) {
  runtime.bind(context);
  const { config } = runtime;
  const runId = `sweep-${event?.time ?? new Date().toISOString()}`;
  // Set here, not by the middleware's correlationIdPath: the run id is made from the schedule's
  // time (or now), it is not a field of the event.
  runtime.logger.setCorrelationId(runId);
  try {
    const regions =
      config.sweep.regions === 'all-enabled'
        ? await enabledRegions(createEc2Client(clientOptions), { counter: runtime.counter })
        : config.sweep.regions;
    const accounts =
      config.sweep.accounts === 'organization'
        ? await activeOrganizationAccounts(createOrganizationsClient(clientOptions), {
            counter: runtime.counter,
          })
        : config.sweep.accounts.length > 0
          ? config.sweep.accounts
          : [runtime.ownAccount()];
    // Each message says how many account-regions the run has: the worker that completes the run
    // sends its one digest (engine/run-digest.ts).
    const scopes = accounts.length * regions.length;
    const messages: SweepMessage[] = accounts.flatMap((account) =>
      regions.map((region) => ({ version: SWEEP_MESSAGE_VERSION, runId, account, region, scopes })),
    );
    await sendMessages(
      sqs,
      queueUrl,
      messages.map((m, i) => ({ id: String(i), body: JSON.stringify(m) })),
      { counter: runtime.counter },
    );
    runtime.logger.info('sweep planned', {
      runId,
      accounts: accounts.length,
      regions: regions.length,
      messages: messages.length,
    });
    return { runId, accounts: accounts.length, regions: regions.length, messages: messages.length };
  } catch (err) {
    // A sweep that cannot start is an alert (and a failed invocation, so the error alarm fires).
    const message = `sweep ${runId} could not be planned: ${(err as Error).message}`;
    runtime.logger.error(message, { error: err as Error });
    await publishAlerts([errorAlert({ stage: 'read', message, severity: 'high' })], deps);
    throw err;
  }
}

export const handler = middy(planSweep)
  .use(injectLambdaContext(runtime.logger, { resetKeys: true }))
  .use(logMetrics(runtime.metrics));
