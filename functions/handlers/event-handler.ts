/**
 * The one shape of both event handlers: bind the invocation, set the correlation id (CloudTrail
 * eventID) before any log line, run the pipeline for the handler's trigger family, log a summary;
 * middy adds the Lambda context to logs and flushes the metrics.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type GuardPorts, processEvent } from '../engine/pipeline.js';
import type { Trigger } from '../events/types.js';
import type { Runtime } from './runtime.js';
import { cloudTrailEventId, summarizeOutcome } from './summary.js';

export type EventSummary = ReturnType<typeof summarizeOutcome>;

export function createEventHandler(family: Trigger['family'], runtime: Runtime, ports: GuardPorts) {
  const deps = runtime.deps(ports);
  const handle = async (event: unknown, context: Context): Promise<EventSummary> => {
    runtime.bind(context);
    const eventId = cloudTrailEventId(event);
    if (eventId) runtime.logger.setCorrelationId(eventId);
    const summary = summarizeOutcome(await processEvent(event, family, deps));
    runtime.logger.info('event processed', summary);
    return summary;
  };
  const handler = middy(handle)
    .use(injectLambdaContext(runtime.logger, { resetKeys: true }))
    .use(logMetrics(runtime.metrics, { captureColdStartMetric: true }));
  return { handle, handler };
}
