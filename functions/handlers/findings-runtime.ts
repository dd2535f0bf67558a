/**
 * The findings ledger of a Lambda, when FINDINGS_TABLE names its table (serverless.yml sets it),
 * and the sinks its transitions go to: Security Hub (`securityHub.enabled`, in each finding's own
 * account through the member role) and the default event bus (`eventBridge.enabled`). Every
 * client loads on first use, like SNS and STS, so none is parsed during the cold start's init, and
 * a compliant event never loads them.
 */
import type { RecordingCallCounter } from '../adapters/counter.js';
import type { AccountPortsOptions } from '../adapters/ports.js';
import type { GuardConfig } from '../config/schema.js';
import type { EventBusPort, SecurityHubPort } from '../engine/finding-sinks.js';
import type { FindingsLedger, TransitionSink } from '../engine/findings-gate.js';
import type { LedgerPort } from '../engine/ledger.js';

interface FindingsRuntime {
  config: GuardConfig;
  clientOptions: { region: string; endpoint?: string };
  counter: RecordingCallCounter;
  ownAccount: () => string | undefined;
  /** How to reach a member account (its Security Hub). */
  member: () => AccountPortsOptions;
}

/** A promise made once, on first use (a failed load is tried again next time). */
function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((err: unknown) => {
      loaded = undefined;
      throw err;
    }));
}

function sinkOf(rt: FindingsRuntime): TransitionSink | undefined {
  const { config, clientOptions, counter } = rt;
  if (!config.securityHub.enabled && !config.eventBridge.enabled) return undefined;
  const hubs = lazy(async () => {
    const [client, adapter, ports] = await Promise.all([
      import('../adapters/security-hub-client.js'),
      import('../adapters/security-hub.js'),
      import('../adapters/ports.js'),
    ]);
    return ports.createAccountPorts(
      client.createSecurityHubClient,
      (c) => adapter.createSecurityHubAdapter(c, { counter }),
      rt.member(),
    );
  });
  const bus = lazy(async () => {
    const [client, adapter] = await Promise.all([
      import('../adapters/eventbridge-client.js'),
      import('../adapters/event-bus.js'),
    ]);
    return adapter.createEventBusAdapter(client.createEventBridgeClient(clientOptions), { counter });
  });
  const sink = lazy(async () =>
    (await import('../engine/transition-sinks.js')).createTransitionSink({
      ...(config.securityHub.enabled
        ? {
            securityHub: async (account: string, region: string): Promise<SecurityHubPort> =>
              (await hubs())(account, region),
          }
        : {}),
      ...(config.eventBridge.enabled ? { eventBus: (): Promise<EventBusPort> => bus() } : {}),
      guardAccount: rt.ownAccount,
    }),
  );
  return async (batch) => (await sink())?.(batch) ?? [];
}

export function findingsLedger(table: string | undefined, rt: FindingsRuntime): FindingsLedger | undefined {
  if (!table) return undefined;
  const load = lazy(async () => {
    const [client, adapter] = await Promise.all([
      import('../adapters/dynamodb-client.js'),
      import('../adapters/ledger.js'),
    ]);
    return adapter.createLedger(client.createDynamoDbClient(rt.clientOptions), table);
  });
  const port: LedgerPort = {
    query: async (scope, resourceArn) => (await load()).query(scope, resourceArn),
    get: async (subject) => (await load()).get(subject),
    put: async (next, expected) => (await load()).put(next, expected),
  };
  const runs = lazy(async () => {
    const [client, adapter] = await Promise.all([
      import('../adapters/dynamodb-client.js'),
      import('../adapters/run-digests.js'),
    ]);
    return adapter.createRunDigests(client.createDynamoDbClient(rt.clientOptions), table);
  });
  const sink = sinkOf(rt);
  return {
    port,
    table,
    alertsOn: rt.config.alerts.on,
    ...(sink ? { sink } : {}),
    runs: {
      put: async (runId, account, region, summary) => (await runs()).put(runId, account, region, summary),
      list: async (runId) => (await runs()).list(runId),
      claim: async (runId) => (await runs()).claim(runId),
    },
    state: { failureAlerted: false },
  };
}
