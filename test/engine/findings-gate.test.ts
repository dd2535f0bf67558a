/**
 * The findings ledger in the pipeline (issue 13, item 2 and its acceptance): sweeps and events
 * through the real DynamoDB client against a real DynamoDB implementation (dynalite on loopback).
 * Three sweeps of one estate alert only the transitions; a racing handler and sweep alert once per
 * transition; the table down loses no finding and is alerted once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger } from '../../functions/adapters/ledger.js';
import type { AlertEntry } from '../../functions/engine/alert-types.js';
import { digestOf, isQuiet } from '../../functions/engine/digest.js';
import type { FindingsLedger } from '../../functions/engine/findings-gate.js';
import { sweepThroughLedger } from '../../functions/engine/ledger-sweep.js';
import { processTrigger, publishAlerts } from '../../functions/engine/pipeline.js';
import { buildReport } from '../../functions/engine/sweep-report.js';
import { createTransitionSink } from '../../functions/engine/transition-sinks.js';
import type { AsffFinding } from '../../functions/findings/asff.js';
import type { TransitionEventEntry } from '../../functions/findings/transition-event.js';
import { type LedgerServer, startLedgerTable, TABLE } from '../adapters/ledger-table.js';
import {
  alertDocument,
  type Harness,
  harness,
  keyTrigger,
  OWN,
  PARTNER,
  policyText,
  REGION,
  ROOT,
} from './fake-aws.js';

let db: LedgerServer;
beforeAll(async () => {
  db = await startLedgerTable();
});
afterAll(() => db.stop());

const OUTSIDER = { ...PARTNER, Sid: 'Outsider', Principal: { AWS: 'arn:aws:iam::777788889999:root' } };
const keyId = (i: number) => `${String(i).padStart(8, '0')}-aaaa-4bbb-8ccc-000000000000`;
const arnOf = (i: number) => `arn:aws:kms:${REGION}:${OWN}:key/${keyId(i)}`;

/** One rule judged (alerted, not fixed), so each key has one finding or none. */
const ONLY_EXTERNAL = {
  'key-no-external-principals': 'alert',
  'key-crypto-via-vpce': 'off',
  'key-no-external-grantees': 'off',
  'key-sourceip-ineffective': 'off',
  'key-rotation-enabled': 'off',
  'endpoint-private-dns': 'off',
  'endpoint-no-external-principals': 'off',
} as const;

/** A harness whose pipeline keeps the ledger in `table` (dynalite), key findings alerted, not fixed. */
function withLedger(
  options: { alertsOn?: 'transitions' | 'every'; table?: string; client?: LedgerServer } = {},
) {
  const h = harness({ rules: ONLY_EXTERNAL });
  const table = options.table ?? TABLE;
  const findings: FindingsLedger = {
    port: createLedger((options.client ?? db).client(1), table),
    table,
    alertsOn: options.alertsOn ?? 'transitions',
    state: { failureAlerted: false },
  };
  h.deps.findings = findings;
  let minute = 0;
  h.deps.now = () => new Date(Date.UTC(2026, 11, 1, 0, minute++));
  return { h, findings };
}

/** An estate in an account of its own, so tests do not share ledger records. */
let accounts = 0;
function ownAccount(h: Harness): string {
  const account = String(320000000000 + ++accounts);
  h.deps.config = { ...h.deps.config, trust: { ...h.deps.config.trust, accounts: [account] } };
  return account;
}

function addKeys(h: Harness, account: string, policies: string[]) {
  policies.forEach((p, i) => {
    const id = keyId(i);
    h.aws.addKey(p, { keyId: id, arn: `arn:aws:kms:${REGION}:${account}:key/${id}`, account });
  });
}

const root = (account: string) => ({ ...ROOT, Principal: { AWS: `arn:aws:iam::${account}:root` } });

/** One sweep as the worker runs it; returns what it published. */
async function sweep(h: Harness, account: string) {
  const before = h.alerts.length;
  const { sweep: s, ledger } = await sweepThroughLedger(account, REGION, h.deps, {
    concurrency: 3,
    publish: (alerts) => publishAlerts(alerts, h.deps),
  });
  const report = buildReport({
    runId: 'run',
    startedAt: new Date(),
    finishedAt: new Date(),
    dryRun: false,
    sweeps: [s],
    apiCalls: {},
  });
  const published = h.alerts.slice(before);
  return { published, ledger, digest: ledger ? digestOf(report, ledger.transitions) : undefined, report };
}

const kinds = (alerts: AlertEntry[]) =>
  alerts
    .map((a) => {
      const doc = alertDocument(a) as { kind: string; notice?: string; resource?: { id: string } };
      return `${doc.kind === 'notice' ? doc.notice : doc.kind} ${doc.resource?.id ?? ''}`.trim();
    })
    .sort();

describe('sweeps through the ledger alert transitions only', () => {
  it('three sweeps of one estate: new findings, then silence, then changed, resolved and unseen-resolved', async () => {
    const { h } = withLedger();
    const account = ownAccount(h);
    const open = policyText(root(account), PARTNER);
    addKeys(h, account, [open, open, open, policyText(root(account))]);

    const first = await sweep(h, account);
    expect(kinds(first.published)).toEqual([0, 1, 2].map((i) => `finding ${keyId(i)}`).sort());
    expect(first.ledger?.writes).toBe(3);
    expect(first.digest?.changes).toEqual({ new: 3 });
    expect(first.digest?.open).toEqual({ high: 3 });

    // Nothing changed: no alert, no write, and the digest is quiet (no summary is sent).
    const second = await sweep(h, account);
    expect(second.published).toEqual([]);
    expect(second.ledger?.writes).toBe(0);
    expect(second.digest && isQuiet(second.digest, 0)).toBe(true);

    // Key 0 now grants another outsider (changed witness), key 1 is fixed, key 2 is deleted.
    const keys = h.aws.keys;
    (keys.get(keyId(0)) as { policy: string }).policy = policyText(root(account), OUTSIDER);
    (keys.get(keyId(1)) as { policy: string }).policy = policyText(root(account));
    keys.delete(keyId(2));
    const third = await sweep(h, account);
    expect(kinds(third.published)).toEqual(
      [`finding ${keyId(0)}`, `finding-resolved ${keyId(1)}`, `finding-resolved ${keyId(2)}`].sort(),
    );
    expect(third.digest?.changes).toEqual({ changed: 1, resolved: 2 });
    const resolved = third.published
      .map((a) => alertDocument(a))
      .filter((d) => d.notice === 'finding-resolved');
    expect(resolved.map((d) => d.message).sort()).toEqual([
      expect.stringMatching(
        /^key-no-external-principals on kms-key 00000001-.* is resolved \(seen compliant\); it was open since 2026-12-01T00:\d\d:00.000Z\. Finding id kpg-v1-[0-9a-f]{64}\.$/,
      ),
      expect.stringMatching(
        /^key-no-external-principals on kms-key 00000002-.* is resolved \(not found by a complete sweep\)/,
      ),
    ]);
    expect(third.ledger?.writes).toBe(3);
  });

  it('alerts.on "every": each sweep alerts every open finding; writes still only on transitions', async () => {
    const { h } = withLedger({ alertsOn: 'every' });
    const account = ownAccount(h);
    addKeys(h, account, [policyText(root(account), PARTNER), policyText(root(account), PARTNER)]);
    await sweep(h, account);
    const again = await sweep(h, account);
    expect(kinds(again.published)).toEqual([0, 1].map((i) => `finding ${keyId(i)}`).sort());
    expect(again.ledger?.writes).toBe(0);
  });

  it('an incomplete sweep (listing failed) resolves nothing', async () => {
    const { h } = withLedger();
    const account = ownAccount(h);
    addKeys(h, account, [policyText(root(account), PARTNER)]);
    await sweep(h, account);
    h.aws.keys.clear();
    h.aws.faults.set('ListKeys', { code: 'AccessDeniedException', classification: 'permanent' });
    const partial = await sweep(h, account);
    expect(partial.published).toEqual([]);
    expect(partial.ledger?.transitions).toEqual([]);
  });

  it('an unreadable key keeps its finding open: it is not resolved as unseen', async () => {
    const { h } = withLedger();
    const account = ownAccount(h);
    addKeys(h, account, [policyText(root(account), PARTNER)]);
    await sweep(h, account);
    h.aws.faultsFor.set(`GetKeyPolicy:${keyId(0)}`, {
      code: 'AccessDeniedException',
      classification: 'permanent',
    });
    const next = await sweep(h, account);
    expect(next.ledger?.transitions).toEqual([]);
    expect(kinds(next.published)).toEqual([`error ${keyId(0)}`]);
  });
});

describe('a handler and a sweep racing on one finding', () => {
  it('one alert for the new finding, whoever wins; the loser re-reads and stays quiet', async () => {
    for (let round = 0; round < 5; round++) {
      const { h } = withLedger();
      const account = ownAccount(h);
      addKeys(h, account, [policyText(root(account), PARTNER)]);
      h.aws.latency = () => Math.random() * 4;
      const before = h.alerts.length;
      const event = {
        ...keyTrigger('PutKeyPolicy', account),
        keyRef: { kind: 'id' as const, value: keyId(0) },
      };
      const [outcome, swept] = await Promise.all([processTrigger(event, h.deps), sweep(h, account)]);
      const findingAlerts = h.alerts
        .slice(before)
        .filter((a) => a.MessageAttributes.kind.StringValue === 'finding');
      expect(findingAlerts, `round ${round}`).toHaveLength(1);
      expect(outcome.resources[0]?.arn ?? arnOf(0).replace(OWN, account)).toBe(
        `arn:aws:kms:${REGION}:${account}:key/${keyId(0)}`,
      );
      expect(swept.ledger?.ledgerError).toBeUndefined();
    }
  });
});

describe('the table down loses nothing', () => {
  it('every open finding is alerted each time, the failure once per container, nothing resolved', async () => {
    const down = await startLedgerTable();
    await down.stop();
    const { h, findings } = withLedger({ client: down });
    const account = ownAccount(h);
    addKeys(h, account, [policyText(root(account), PARTNER), policyText(root(account), PARTNER)]);
    const first = await sweep(h, account);
    expect(kinds(first.published)).toEqual([`error`, `finding ${keyId(0)}`, `finding ${keyId(1)}`].sort());
    const error = first.published.map((a) => alertDocument(a)).find((d) => d.kind === 'error');
    expect(error?.stage).toBe('ledger');
    expect(error?.message).toMatch(
      new RegExp(`^the findings ledger \\(DynamoDB table ${TABLE}\\) cannot be used: ${TABLE}: Query failed`),
    );
    expect(findings.state.failureAlerted).toBe(true);
    // Still down: the findings again, the failure not again.
    const second = await sweep(h, account);
    expect(kinds(second.published)).toEqual([`finding ${keyId(0)}`, `finding ${keyId(1)}`]);
    // An event while it is down: its finding is alerted too.
    const before = h.alerts.length;
    const event = {
      ...keyTrigger('PutKeyPolicy', account),
      keyRef: { kind: 'id' as const, value: keyId(1) },
    };
    await processTrigger(event, h.deps);
    expect(kinds(h.alerts.slice(before))).toEqual([`finding ${keyId(1)}`]);
  });

  it('a table that works again resets the once: its next failure is alerted again', async () => {
    const { h, findings } = withLedger();
    const account = ownAccount(h);
    addKeys(h, account, [policyText(root(account))]);
    findings.state.failureAlerted = true;
    await sweep(h, account);
    expect(findings.state.failureAlerted).toBe(false);
  });
});

describe('events through the ledger', () => {
  it('an event alerts a new finding once, then nothing; a compliant event reads no ledger, the next sweep resolves', async () => {
    const { h, findings } = withLedger();
    const account = ownAccount(h);
    addKeys(h, account, [policyText(root(account), PARTNER)]);
    let queries = 0;
    const query = findings.port.query;
    findings.port.query = (scope, arn) => {
      queries++;
      return query(scope, arn);
    };
    const event = {
      ...keyTrigger('PutKeyPolicy', account),
      keyRef: { kind: 'id' as const, value: keyId(0) },
    };
    const first = await processTrigger(event, h.deps);
    expect(first.alertsPublished).toBe(1);
    const again = await processTrigger(event, h.deps);
    expect(again.alertsPublished).toBe(0);
    expect(queries).toBe(2);
    (h.aws.keys.get(keyId(0)) as { policy: string }).policy = policyText(root(account));
    const fixed = await processTrigger(event, h.deps);
    expect(fixed.alertsPublished).toBe(0);
    expect(queries).toBe(2);
    const swept = await sweep(h, account);
    expect(kinds(swept.published)).toEqual([`finding-resolved ${keyId(0)}`]);
  });

  it('without a ledger every finding alert is published, as before', async () => {
    const h = harness({ rules: ONLY_EXTERNAL });
    const account = ownAccount(h);
    addKeys(h, account, [policyText(root(account), PARTNER)]);
    const event = {
      ...keyTrigger('PutKeyPolicy', account),
      keyRef: { kind: 'id' as const, value: keyId(0) },
    };
    expect((await processTrigger(event, h.deps)).alertsPublished).toBe(1);
    expect((await processTrigger(event, h.deps)).alertsPublished).toBe(1);
  });
});

describe('transitions go on to Security Hub and EventBridge', () => {
  it('new findings are imported FAILED and ACTIVE in their own account, resolved ones PASSED and ARCHIVED; one event each', async () => {
    const { h, findings } = withLedger();
    const account = ownAccount(h);
    addKeys(h, account, [policyText(root(account), PARTNER), policyText(root(account), PARTNER)]);
    const imported: { where: string; findings: AsffFinding[] }[] = [];
    const events: TransitionEventEntry[] = [];
    findings.sink = createTransitionSink({
      securityHub: async (a, r) => ({
        importFindings: async (f) => {
          imported.push({ where: `${a} ${r}`, findings: [...f] });
          return { sent: f.length, failed: [] };
        },
      }),
      eventBus: async () => ({
        putEvents: async (e) => {
          events.push(...e);
          return { sent: e.length, failed: [] };
        },
      }),
      guardAccount: () => OWN,
    });
    await sweep(h, account);
    expect(imported.map((i) => i.where)).toEqual([`${account} ${REGION}`]);
    const first = imported[0]?.findings ?? [];
    expect(first.map((f) => [f.AwsAccountId, f.Compliance.Status, f.RecordState])).toEqual([
      [account, 'FAILED', 'ACTIVE'],
      [account, 'FAILED', 'ACTIVE'],
    ]);
    expect(first[0]?.ProductFields['kms-perimeter-guard/witness']).toContain('444455556666');
    expect(events.map((e) => JSON.parse(e.Detail).transition)).toEqual(['new', 'new']);
    expect(events[0]?.Source).toBe('kms-perimeter-guard');
    // Unchanged: nothing is sent; then key 1 is fixed: one resolved finding, archived.
    await sweep(h, account);
    expect(imported).toHaveLength(1);
    (h.aws.keys.get(keyId(1)) as { policy: string }).policy = policyText(root(account));
    await sweep(h, account);
    const last = imported.at(-1)?.findings ?? [];
    expect(last.map((f) => [f.Id, f.Compliance.Status, f.RecordState])).toEqual([
      [first[1]?.Id, 'PASSED', 'ARCHIVED'],
    ]);
    expect(JSON.parse(events.at(-1)?.Detail ?? '{}')).toMatchObject({
      transition: 'resolved',
      state: 'resolved',
    });
  });

  it('what a sink does not take is alerted once per run, and the findings still go out on SNS', async () => {
    const { h, findings } = withLedger();
    const account = ownAccount(h);
    addKeys(h, account, [policyText(root(account), PARTNER)]);
    findings.sink = createTransitionSink({
      securityHub: async () => ({
        importFindings: async (f) => ({
          sent: 0,
          failed: f.map((x) => ({ id: x.Id, code: 'InvalidAccess', message: 'Security Hub is not enabled' })),
        }),
      }),
    });
    const { published } = await sweep(h, account);
    expect(kinds(published)).toEqual(['error', `finding ${keyId(0)}`]);
    const error = published.map((a) => alertDocument(a)).find((d) => d.kind === 'error');
    expect(error?.stage).toBe('publish');
    expect(error?.message).toMatch(
      /Security Hub: 1 of 1 finding transitions not taken \(kpg-v1-[0-9a-f]{64}: InvalidAccess: Security Hub is not enabled\)/,
    );
  });
});
