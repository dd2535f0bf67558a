/**
 * Key events: PutKeyPolicy and CreateKey (EventBridge "AWS API Call via CloudTrail", source aws.kms).
 * Thin: wiring only; the work is `processEvent` in the engine.
 */
import { createKmsAdapter } from '../adapters/kms.js';
import { createKmsClient } from '../adapters/kms-client.js';
import { createOrganizationsClient } from '../adapters/organizations-client.js';
import { createAccountPorts } from '../adapters/ports.js';
import { createRcpReader } from '../adapters/rcps.js';
import { createEventHandler, createEventRuntime } from './event-handler.js';
import { memberPortOptions } from './runtime.js';

const runtime = createEventRuntime();
const kms = createAccountPorts(
  createKmsClient,
  (client) => createKmsAdapter(client, { counter: runtime.counter }),
  memberPortOptions(runtime),
);

/**
 * organization.rcps "read": the key's account's RCPs, read afresh for every key (no cache across
 * events, so a changed RCP is seen), so an event never remediates a key a sweep calls protected.
 */
const organizations =
  runtime.config.organization.rcps === 'read'
    ? createOrganizationsClient({
        region: runtime.region,
        ...(runtime.endpoint ? { endpoint: runtime.endpoint } : {}),
      })
    : undefined;
const rcps = organizations
  ? { rcpsFor: (account: string) => createRcpReader(organizations, { counter: runtime.counter })(account) }
  : {};

export const { handle: handleKeyEvent, handler } = createEventHandler('key', runtime, { kms }, rcps);
