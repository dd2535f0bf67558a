/**
 * Sweep worker (SQS trigger): sweeps one account-region per message with the event pipeline,
 * publishes the per-resource alerts and one summary, writes the JSON report to S3 when
 * `sweep.reportBucket` is set, and reports partial batch failures (Powertools batch processing) so
 * only failed messages return to the queue (and, after maxReceiveCount, to the DLQ).
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createOrganizationsClient } from '../adapters/organizations-client.js';
import { putJson } from '../adapters/queue.js';
import { createRcpReader } from '../adapters/rcps.js';
import { createS3Client } from '../adapters/s3-client.js';
import { createSweepPorts } from '../adapters/sweep-ports.js';
import { summaryAlert } from '../engine/alerts.js';
import type { SweepDigest } from '../engine/digest.js';
import { digestOf } from '../engine/digest.js';
import { sweepThroughLedger } from '../engine/ledger-sweep.js';
import { publishAlerts } from '../engine/pipeline.js';
import { RateLimiter } from '../engine/rate-limit.js';
import { completeRun } from '../engine/run-digest.js';
import {
  buildReport,
  isQuietSummary,
  publishSweepAlerts,
  type ScopeSweep,
  type SweepReport,
  sweepSummaryInput,
} from '../engine/sweep-report.js';
import { SweepIncompleteError, SweepMessageError } from '../errors.js';
import { createRuntime, memberPortOptions } from './runtime.js';
import { parseSweepMessage, type SweepMessage } from './sweep-message.js';

/**
 * Stop starting resources when less than this is left of the function's time: the longest a
 * resource takes (analysis budget, read-compare-write, read-back, publishing) with room to spare.
 */
export const STOP_MARGIN_MS = 60_000;

const runtime = createRuntime();
const { config } = runtime;
const endpoint = runtime.endpoint ? { endpoint: runtime.endpoint } : {};
const limiters = new Map<string, RateLimiter>();
const limiterFor = (account: string, region: string): RateLimiter => {
  const key = `${account}:${region}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new RateLimiter(config.sweep.rateLimits);
    limiters.set(key, limiter);
  }
  return limiter;
};
const portOptions = memberPortOptions(runtime);
const deps = runtime.deps(
  createSweepPorts({
    ...portOptions,
    counter: runtime.counter,
    throttleFor: (a, r) => limiterFor(a, r).throttle,
  }),
);
let s3: ReturnType<typeof createS3Client> | undefined;
let organizations: ReturnType<typeof createOrganizationsClient> | undefined;

/**
 * `organization.rcps: "read"`: a fresh reader per message, so each account-region is judged with
 * the RCPs as they are now (its answers are cached for that sweep only).
 */
function withRcps(): typeof deps {
  if (config.organization.rcps !== 'read') return deps;
  organizations ??= createOrganizationsClient({ region: runtime.region, ...endpoint });
  return { ...deps, rcpsFor: createRcpReader(organizations, { counter: runtime.counter }) };
}

/** `reports/2026/11/24/<run id>/<account>-<region>.json`: one object per account-region of a run. */
function reportKey(runId: string, account: string, region: string, date: Date): string {
  const d = date.toISOString().slice(0, 10).replace(/-/g, '/');
  return `reports/${d}/${runId.replace(/[^\w.:-]/g, '_')}/${account}-${region}.json`;
}

/**
 * One message: one account-region swept. Throws, so the message is a batch item failure, when the
 * body is not a sweep message, when the sweep crashes, and when it stopped early.
 */
async function sweepRecord(record: SQSRecord, context: Context): Promise<void> {
  const { message, error } = parseSweepMessage(record.body);
  if (!message) {
    runtime.logger.error('not a sweep message', { messageId: record.messageId, error });
    throw new SweepMessageError(record.messageId, error ?? 'unknown');
  }
  // Per record, not per invocation: the middleware's correlationIdPath would name the batch.
  runtime.logger.setCorrelationId(`${message.runId}/${message.account}/${message.region}`);
  let swept: Awaited<ReturnType<typeof sweepAndReport>>;
  try {
    swept = await sweepAndReport(message, context);
  } catch (err) {
    // Left on the queue: retried after the visibility timeout, then dead-lettered.
    runtime.logger.error('sweep failed; message returned to the queue', {
      messageId: record.messageId,
      error: err as Error,
    });
    throw err;
  }
  const { sweep, report } = swept;
  if (sweep.scope.notStarted) {
    runtime.logger.warn('sweep stopped before the function timeout; message returned to the queue', {
      account: message.account,
      region: message.region,
      notStarted: sweep.scope.notStarted,
    });
  }
  runtime.logger.info('account-region swept', {
    account: message.account,
    region: message.region,
    resources: report.totals.resources,
    unreadable: report.totals.unreadable,
    error: sweep.scope.error,
  });
  // Incomplete: the message goes back to the queue and the account-region is swept again.
  if (sweep.scope.notStarted) {
    throw new SweepIncompleteError(message.account, message.region, sweep.scope.notStarted);
  }
}

/** Sweep the account-region, publish its alerts and summary, and write its report when configured. */
async function sweepAndReport(message: SweepMessage, context: Context) {
  const started = new Date();
  runtime.counter.reset();
  // Through the findings ledger (when FINDINGS_TABLE is set): only transitions are alerted.
  const { sweep, ledger } = await sweepThroughLedger(message.account, message.region, withRcps(), {
    concurrency: config.sweep.concurrency,
    // Published as each resource settles: a worker that times out later has reported every
    // change it made (its redelivery finds those resources compliant and would say nothing).
    publish: (alerts) => publishAlerts(alerts, deps),
    // Never start a resource (and a write) the function may not live to report.
    shouldStop: () => context.getRemainingTimeInMillis() < STOP_MARGIN_MS,
  });
  const report = buildReport({
    runId: message.runId,
    startedAt: started,
    finishedAt: new Date(),
    dryRun: config.dryRun,
    sweeps: [sweep],
    apiCalls: runtime.counter.snapshot(),
    rateLimitWaitsMs: limiterFor(message.account, message.region).waits() as Record<string, number>,
  });
  const digest =
    ledger && ledger.ledgerError === undefined ? digestOf(report, ledger.transitions) : undefined;
  await publishRunSummary(message, report, [sweep], digest);
  if (config.sweep.reportBucket) {
    s3 ??= createS3Client({ region: runtime.region, ...endpoint });
    await putJson(
      s3,
      config.sweep.reportBucket,
      reportKey(message.runId, message.account, message.region, started),
      report,
      { counter: runtime.counter },
    );
  }
  return { sweep, report };
}

/**
 * The summary: with the ledger and a planner that says how many account-regions the run has, one
 * digest for the whole run, sent by the worker that completes it; else this account-region's own.
 * If the run's digest cannot be kept, this account-region's summary goes out instead.
 */
async function publishRunSummary(
  message: SweepMessage,
  report: SweepReport,
  sweeps: ScopeSweep[],
  digest: SweepDigest | undefined,
) {
  const runs = deps.findings?.runs;
  if (!runs || !digest || message.scopes === undefined)
    return publishSweepAlerts(report, sweeps, deps, digest);
  await publishAlerts(
    sweeps.flatMap((s) => s.alerts),
    deps,
  );
  let whole: Awaited<ReturnType<typeof completeRun>>;
  try {
    whole = await completeRun(
      runs,
      message.runId,
      message.scopes,
      message.account,
      message.region,
      sweepSummaryInput(report, digest),
    );
  } catch (err) {
    runtime.logger.error("run digest not kept: sending this account-region's summary", {
      error: err as Error,
    });
    return publishSweepAlerts(report, [], deps, digest);
  }
  if (whole && !isQuietSummary(whole)) await publishAlerts([summaryAlert(whole)], deps);
}

const processor = new BatchProcessor(EventType.SQS);

export function handleSweepBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  runtime.bind(context);
  return processPartialResponse(event, sweepRecord, processor, {
    context,
    // One at a time: reserved concurrency bounds how many account-regions are swept at once; one
    // worker sweeping several at a time would share one function timeout.
    processInParallel: false,
    // A batch whose every message failed is still a partial response (all of them listed), as
    // for any other batch, not a failed invocation.
    throwOnFullBatchFailure: false,
  });
}

export const handler = middy(handleSweepBatch)
  .use(injectLambdaContext(runtime.logger, { resetKeys: true }))
  .use(logMetrics(runtime.metrics));
