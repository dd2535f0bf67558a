/**
 * Key events: PutKeyPolicy and CreateKey (EventBridge "AWS API Call via CloudTrail", source aws.kms).
 * Thin: wiring only; the work is `processEvent` in the engine.
 */
import { createKmsAdapter } from '../adapters/kms.js';
import { createKmsClient } from '../adapters/kms-client.js';
import { createAccountPorts } from '../adapters/ports.js';
import { createEventHandler, createEventRuntime } from './event-handler.js';
import { memberPortOptions } from './runtime.js';

const runtime = createEventRuntime();
const kms = createAccountPorts(
  createKmsClient,
  (client) => createKmsAdapter(client, { counter: runtime.counter }),
  memberPortOptions(runtime),
);

export const { handle: handleKeyEvent, handler } = createEventHandler('key', runtime, { kms });
