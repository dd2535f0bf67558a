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

/**
 * organization.rcps "read": the key's account's RCPs, read afresh for every key (no cache across
 * events, so a changed RCP is seen), so an event never remediates a key a sweep calls protected.
 * The Organizations client and reader load on first use (42 KB that a guard without RCPs never
 * parses at cold start), as the SNS and STS clients do.
 */
let reader:
  | Promise<(account: string) => ReturnType<ReturnType<typeof import('../adapters/rcps.js').createRcpReader>>>
  | undefined;
const rcps =
  runtime.config.organization.rcps === 'read'
    ? {
        rcpsFor: async (account: string) => {
          reader ??= Promise.all([
            import('../adapters/organizations-client.js'),
            import('../adapters/rcps.js'),
          ]).then(([client, adapter]) => {
            const organizations = client.createOrganizationsClient({
              region: runtime.region,
              ...(runtime.endpoint ? { endpoint: runtime.endpoint } : {}),
            });
            return (a: string) => adapter.createRcpReader(organizations, { counter: runtime.counter })(a);
          });
          return (await reader)(account);
        },
      }
    : {};

export const { handle: handleKeyEvent, handler } = createEventHandler('key', runtime, { kms }, rcps);
