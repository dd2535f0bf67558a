/**
 * Endpoint events: CreateVpcEndpoint and ModifyVpcEndpoint (EventBridge "AWS API Call via CloudTrail", source aws.ec2).
 * Thin: wiring only; the work is `processEvent` in the engine.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createEc2Adapter } from '../adapters/ec2.js';
import { createEc2Client } from '../adapters/ec2-client.js';
import { createAccountPorts } from '../adapters/ports.js';
import { type EventOutcome, processEvent } from '../engine/pipeline.js';
import { createRuntime, sessionName } from './runtime.js';
import { cloudTrailEventId, summarizeOutcome } from './summary.js';

const runtime = createRuntime();
const ec2 = createAccountPorts(
  createEc2Client,
  (client) => createEc2Adapter(client, { counter: runtime.counter }),
  {
    ownAccount: () => runtime.ownAccount(),
    roleName: runtime.config.memberRoleName,
    sessionName: sessionName(process.env.AWS_LAMBDA_FUNCTION_NAME),
    sts: runtime.sts,
    ...(process.env.GUARD_AWS_ENDPOINT_URL ? { endpoint: process.env.GUARD_AWS_ENDPOINT_URL } : {}),
  },
);
const deps = runtime.deps({ ec2 });

export async function handleEndpointEvent(
  event: unknown,
  context: Context,
): Promise<ReturnType<typeof summarizeOutcome>> {
  runtime.bind(context);
  // Correlation id = CloudTrail eventID, set before any log line of this event.
  const eventId = cloudTrailEventId(event);
  if (eventId) runtime.logger.setCorrelationId(eventId);
  const outcome: EventOutcome = await processEvent(event, 'endpoint', deps);
  runtime.logger.info('event processed', summarizeOutcome(outcome));
  return summarizeOutcome(outcome);
}

export const handler = middy(handleEndpointEvent)
  .use(injectLambdaContext(runtime.logger, { resetKeys: true }))
  .use(logMetrics(runtime.metrics, { captureColdStartMetric: true }));
