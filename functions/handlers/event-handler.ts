/**
 * The one shape of both event handlers: bind the invocation, run the pipeline for the handler's
 * trigger family, log a summary; middy adds the Lambda context and the correlation id (CloudTrail
 * eventID) to logs before the handler runs, and flushes the metrics.
 */
import { search } from '@aws-lambda-powertools/logger/correlationId';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type GuardPorts, type PipelineDeps, processEvent } from '../engine/pipeline.js';
import type { Trigger } from '../events/types.js';
import { createRuntime, type Runtime } from './runtime.js';
import { summarizeOutcome } from './summary.js';

export type EventSummary = ReturnType<typeof summarizeOutcome>;

/**
 * The correlation id of an event: the CloudTrail eventID of the record inside the EventBridge
 * envelope, or of a bare record (not the envelope's own `id`). JMESPath `||` takes the right side
 * when the left is null or empty.
 */
const CLOUDTRAIL_EVENT_ID = 'detail.eventID || eventID';

/** The runtime of an event handler: its logger can search the event for the correlation id. */
export const createEventRuntime = (): Runtime =>
  createRuntime(process.env, { correlationIdSearchFn: search });

export function createEventHandler(
  family: Trigger['family'],
  runtime: Runtime,
  ports: GuardPorts,
  extra: Pick<PipelineDeps, 'rcpsFor'> = {},
) {
  const deps = { ...runtime.deps(ports), ...extra };
  const handle = async (event: unknown, context: Context): Promise<EventSummary> => {
    runtime.bind(context);
    const summary = summarizeOutcome(await processEvent(event, family, deps));
    runtime.logger.info('event processed', summary);
    return summary;
  };
  const handler = middy(handle)
    .use(injectLambdaContext(runtime.logger, { resetKeys: true, correlationIdPath: CLOUDTRAIL_EVENT_ID }))
    .use(logMetrics(runtime.metrics, { captureColdStartMetric: true }));
  return { handle, handler };
}
