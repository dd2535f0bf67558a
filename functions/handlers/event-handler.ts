/**
 * The one shape of both event handlers: bind the invocation, run the pipeline for the handler's
 * trigger family, log a summary; middy adds the Lambda context and the correlation id (CloudTrail
 * eventID) to logs before the handler runs, and flushes the metrics.
 */
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

const field = (o: unknown, key: string): unknown =>
  o !== null && typeof o === 'object' && Object.hasOwn(o, key)
    ? (o as Record<string, unknown>)[key]
    : undefined;

/** JMESPath truthiness: null, false, "" and empty arrays and objects are false. */
const truthy = (v: unknown) =>
  v !== undefined &&
  v !== null &&
  v !== false &&
  v !== '' &&
  !(Array.isArray(v) && v.length === 0) &&
  !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

/**
 * The logger's correlation-id search for the one expression this handler gives it, evaluated as
 * JMESPath would, without a JMESPath engine (22 KB of every cold start). Another expression finds
 * nothing, so a future change cannot silently log a wrong id.
 */
export function searchCorrelationId(expression: string, data: unknown): unknown {
  if (expression !== CLOUDTRAIL_EVENT_ID) return null;
  const inner = field(field(data, 'detail'), 'eventID');
  return truthy(inner) ? inner : (field(data, 'eventID') ?? null);
}

/** The runtime of an event handler: its logger can search the event for the correlation id. */
export const createEventRuntime = (): Runtime =>
  createRuntime(process.env, { correlationIdSearchFn: searchCorrelationId });

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
