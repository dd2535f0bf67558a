/**
 * Key events: PutKeyPolicy and CreateKey (EventBridge "AWS API Call via CloudTrail", source aws.kms).
 * Thin: wiring only; the work is `processEvent` in the engine.
 */
import { createKmsAdapter } from '../adapters/kms.js';
import { createKmsClient } from '../adapters/kms-client.js';
import { createAccountPorts } from '../adapters/ports.js';
import { createEventHandler } from './event-handler.js';
import { createRuntime, memberPortOptions } from './runtime.js';

const runtime = createRuntime();
const kms = createAccountPorts(
  createKmsClient,
  (client) => createKmsAdapter(client, { counter: runtime.counter }),
  memberPortOptions(runtime),
);

export const { handle: handleKeyEvent, handler } = createEventHandler('key', runtime, { kms });
