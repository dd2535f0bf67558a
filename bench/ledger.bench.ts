/**
 * Findings-ledger benchmark (issue 13): what the ledger costs. Sweeps of one account-region through
 * the real KMS and DynamoDB SDK clients against the AWS estate simulator (its DynamoDB is dynalite),
 * three times: first sight, unchanged, and with a share of the findings changed; then key events
 * with and without the ledger. Targets: at most one conditional write per finding transition and
 * none for an unchanged finding; the added latency per event is reported (one Query; one PutItem
 * more per transition).
 */
import { createDynamoDbClient } from '../functions/adapters/dynamodb-client.js';
import { createKmsAdapter } from '../functions/adapters/kms.js';
import { createKmsClient } from '../functions/adapters/kms-client.js';
import { createLedger } from '../functions/adapters/ledger.js';
import { parseConfig } from '../functions/config/load.js';
import type { FindingsLedger } from '../functions/engine/findings-gate.js';
import { sweepThroughLedger } from '../functions/engine/ledger-sweep.js';
import { type PipelineDeps, processTrigger, publishAlerts } from '../functions/engine/pipeline.js';
import type { KeyTrigger } from '../functions/events/types.js';
import { AwsSimulator } from '../tools/simulator/server.js';
import { type BenchTable, fmt, median, percentile } from './lib.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const TABLE = 'bench-findings';
const root = {
  Sid: 'Root',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: 'kms:*',
  Resource: '*',
};
const outsider = (account: string) => ({
  Sid: 'Partner',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: 'kms:Decrypt',
  Resource: '*',
});
const policy = (...s: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: s });
const keyId = (i: number) => `${String(i).padStart(8, '0')}-be00-4000-8000-000000000000`;

function deps(
  endpoint: string,
  sim: AwsSimulator,
  ledger: boolean,
): { deps: PipelineDeps; published: () => number } {
  const credentials = sim.credentialsFor(ACCOUNT);
  const kms = createKmsAdapter(createKmsClient({ region: REGION, endpoint, credentials }));
  let published = 0;
  const findings: FindingsLedger = {
    port: createLedger(createDynamoDbClient({ region: REGION, endpoint, credentials }), TABLE),
    table: TABLE,
    alertsOn: 'transitions',
    state: { failureAlerted: false },
  };
  const noop = () => {};
  const d: PipelineDeps = {
    config: parseConfig(
      {
        trust: { accounts: [ACCOUNT] },
        rules: {
          'key-no-external-principals': 'alert',
          'key-crypto-via-vpce': 'off',
          'key-no-external-grantees': 'off',
        },
      },
      'bench-ledger',
    ),
    ports: { kms: async () => kms },
    notify: async (entries) => {
      published += entries.length;
      return { failed: 0, errors: [] };
    },
    log: { debug: noop, info: noop, warn: noop, error: noop },
    metrics: { count: noop },
    ...(ledger ? { findings } : {}),
  };
  return { deps: d, published: () => published };
}

const dynamoCalls = (sim: AwsSimulator) => {
  const get = (op: string) => sim.calls.get(`dynamodb:${op}`) ?? 0;
  return { query: get('Query'), put: get('PutItem'), get: get('GetItem') };
};

export async function run({ quick = false }: { quick?: boolean }): Promise<BenchTable> {
  const keys = quick ? 200 : 2_000;
  const sim = new AwsSimulator();
  const endpoint = await sim.start();
  try {
    await sim.dynamodb.createFindingsTable(TABLE);
    // One key in five shared with an outside account: a finding each.
    for (let i = 0; i < keys; i++)
      sim.estate.addKey({
        keyId: keyId(i),
        account: ACCOUNT,
        region: REGION,
        policy: i % 5 === 0 ? policy(root, outsider('444455556666')) : policy(root),
      });
    const findings = Math.ceil(keys / 5);
    const rows: BenchTable['rows'] = [];
    const sweepOnce = async (label: string, expected: number) => {
      const { deps: d, published } = deps(endpoint, sim, true);
      const before = dynamoCalls(sim);
      const t0 = performance.now();
      const { ledger } = await sweepThroughLedger(ACCOUNT, REGION, d, {
        concurrency: 16,
        publish: (alerts) => publishAlerts(alerts, d),
      });
      const ms = performance.now() - t0;
      const after = dynamoCalls(sim);
      const writes = after.put - before.put;
      rows.push({
        name: `sweep of ${keys} keys, ${label}: conditional writes`,
        value: writes,
        unit: 'writes',
        detail: `${ledger?.transitions.length ?? 0} transitions, ${published()} alerts, ${after.query - before.query} Query pages, ${after.get - before.get} GetItem; sweep ${fmt(ms / 1000, 2)} s`,
        target: `= ${expected} (one per transition)`,
        pass: writes === expected && (ledger?.transitions.length ?? -1) === expected,
      });
    };
    await sweepOnce(`first sight (${findings} findings)`, findings);
    await sweepOnce('unchanged', 0);
    // A tenth of the findings now name another outsider (changed), a tenth are fixed (resolved).
    let changed = 0;
    for (let i = 0; i < keys; i += 5) {
      const k = sim.estate.findKey(keyId(i), ACCOUNT, REGION);
      if (!k) continue;
      if (i % 50 === 0) k.policy = policy(root, outsider('777788889999'));
      else if (i % 50 === 25) k.policy = policy(root);
      else continue;
      changed++;
    }
    await sweepOnce(`${changed} findings changed or fixed`, changed);

    // Events: the same key event judged with and without the ledger (one finding, unchanged).
    const events = quick ? 50 : 300;
    const trigger: KeyTrigger = {
      family: 'key',
      eventName: 'PutKeyPolicy',
      eventId: 'bench',
      eventTime: '2026-12-01T00:00:00Z',
      account: ACCOUNT,
      region: REGION,
      resourceIds: [keyId(5)],
      keyRef: { kind: 'id', value: keyId(5) },
    };
    const time = async (ledger: boolean) => {
      const { deps: d } = deps(endpoint, sim, ledger);
      const out: number[] = [];
      for (let i = 0; i < events; i++) {
        const t0 = performance.now();
        await processTrigger(trigger, d);
        out.push(performance.now() - t0);
      }
      return out.sort((a, b) => a - b);
    };
    // Interleaved halves, so drift on a noisy machine hits both alike.
    const without: number[] = [];
    const withLedger: number[] = [];
    const before = dynamoCalls(sim);
    for (let round = 0; round < 2; round++) {
      without.push(...(await time(false)));
      withLedger.push(...(await time(true)));
    }
    const after = dynamoCalls(sim);
    without.sort((a, b) => a - b);
    withLedger.sort((a, b) => a - b);
    const added = median(withLedger) - median(without);
    rows.push({
      name: 'key event, unchanged finding: added latency (median with - without the ledger)',
      value: added,
      unit: 'ms',
      detail: `median ${fmt(median(withLedger), 2)} vs ${fmt(median(without), 2)} ms (ratio ${fmt(median(withLedger) / median(without), 2)}x), p99 ${fmt(percentile(withLedger, 99), 2)} vs ${fmt(percentile(without, 99), 2)} ms; ${events * 2} events each; ${after.query - before.query} Query, ${after.put - before.put} PutItem (loopback simulator, no network)`,
    });
    rows.push({
      name: 'key event, unchanged finding: ledger writes per event',
      value: (after.put - before.put) / (events * 2),
      unit: 'writes',
      target: '= 0',
      pass: after.put === before.put,
    });
    return { title: 'Findings ledger (DynamoDB writes per sweep, latency per event)', rows };
  } finally {
    await sim.stop();
  }
}
