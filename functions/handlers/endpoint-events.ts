/**
 * Endpoint events: CreateVpcEndpoint and ModifyVpcEndpoint (EventBridge "AWS API Call via
 * CloudTrail", source aws.ec2). Thin: wiring only; the work is `processEvent` in the engine.
 */
import { createEc2Adapter } from '../adapters/ec2.js';
import { createEc2Client } from '../adapters/ec2-client.js';
import { createAccountPorts } from '../adapters/ports.js';
import { createEventHandler, createEventRuntime } from './event-handler.js';
import { memberPortOptions } from './runtime.js';

const runtime = createEventRuntime();
const ec2 = createAccountPorts(
  createEc2Client,
  (client) => createEc2Adapter(client, { counter: runtime.counter }),
  memberPortOptions(runtime),
);

export const { handle: handleEndpointEvent, handler } = createEventHandler('endpoint', runtime, { ec2 });
