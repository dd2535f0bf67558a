/**
 * Key events: PutKeyPolicy and CreateKey (EventBridge "AWS API Call via CloudTrail", source aws.kms).
 * Thin: wiring only; the work is `processEvent` in the engine.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createKmsAdapter } from '../adapters/kms.js';
import { createKmsClient } from '../adapters/kms-client.js';
import { createAccountPorts } from '../adapters/ports.js';
import { type EventOutcome, processEvent } from '../engine/pipeline.js';
import { createRuntime, sessionName } from './runtime.js';
import { cloudTrailEventId, summarizeOutcome } from './summary.js';

const runtime = createRuntime();
const kms = createAccountPorts(
  createKmsClient,
  (client) => createKmsAdapter(client, { counter: runtime.counter }),
  {
    ownAccount: () => runtime.ownAccount(),
    roleName: runtime.config.memberRoleName,
    sessionName: sessionName(process.env.AWS_LAMBDA_FUNCTION_NAME),
    sts: runtime.sts,
    ...(process.env.GUARD_AWS_ENDPOINT_URL ? { endpoint: process.env.GUARD_AWS_ENDPOINT_URL } : {}),
  },
);
const deps = runtime.deps({ kms });

export async function handleKeyEvent(
  event: unknown,
  context: Context,
): Promise<ReturnType<typeof summarizeOutcome>> {
  runtime.bind(context);
  // Correlation id = CloudTrail eventID, set before any log line of this event.
  const eventId = cloudTrailEventId(event);
  if (eventId) runtime.logger.setCorrelationId(eventId);
  const outcome: EventOutcome = await processEvent(event, 'key', deps);
  runtime.logger.info('event processed', summarizeOutcome(outcome));
  return summarizeOutcome(outcome);
}

export const handler = middy(handleKeyEvent)
  .use(injectLambdaContext(runtime.logger, { resetKeys: true }))
  .use(logMetrics(runtime.metrics, { captureColdStartMetric: true }));
