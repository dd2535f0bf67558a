/**
 * The findings ledger against a real DynamoDB implementation (dynalite on loopback) through the real
 * @aws-sdk/client-dynamodb: three sweeps alert only on transitions; racing writers (two handlers, a
 * handler and a sweep) alert once per transition; an incomplete sweep resolves nothing; the table
 * down loses no finding and says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger } from '../../functions/adapters/ledger.js';
import type { ResourceOutcome } from '../../functions/engine/deps.js';
import { type LedgerPort, observationsOf, reconcile } from '../../functions/engine/ledger.js';
import { findingId, subjectOf } from '../../functions/findings/finding-id.js';
import { fingerprintOf, type Observation, scopeOf } from '../../functions/findings/lifecycle.js';
import type { RuleId } from '../../functions/rules/types.js';
import { type LedgerServer, startLedgerTable, TABLE } from '../adapters/ledger-table.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const SCOPE = scopeOf({ partition: 'aws', account: ACCOUNT, region: REGION });
const keyId = (i: number) => `${String(i).padStart(8, '0')}-12ab-34cd-56ef-1234567890ab`;
const key = (i: number) => ({ type: 'kms-key' as const, id: keyId(i), account: ACCOUNT, region: REGION });
const witness = (principal: string) => ({
  principal: { AWS: `arn:aws:iam::${principal}:root` },
  action: 'kms:Decrypt',
  resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId(1)}`,
  context: {},
});

function obs(
  i: number,
  kind: Observation['kind'],
  rule: RuleId = 'key-no-external-principals',
  who = '444455556666',
): Observation {
  const subject = subjectOf(key(i), rule);
  const id = findingId(subject);
  if (kind === 'compliant' || kind === 'exempt') return { kind, id, subject };
  return { kind, id, subject, severity: 'high', fingerprint: fingerprintOf('high', witness(who)) };
}
const idOf = (i: number, rule: RuleId = 'key-no-external-principals') => findingId(subjectOf(key(i), rule));

/** A LedgerPort that counts its calls (the benchmark's and the "no write when unchanged" measure). */
function counted(port: LedgerPort) {
  const calls = { query: 0, get: 0, put: 0 };
  const wrapped: LedgerPort = {
    query: (s, r) => {
      calls.query++;
      return port.query(s, r);
    },
    get: (s) => {
      calls.get++;
      return port.get(s);
    },
    put: (n, e) => {
      calls.put++;
      return port.put(n, e);
    },
  };
  return { port: wrapped, calls };
}

let db: LedgerServer;
beforeAll(async () => {
  db = await startLedgerTable();
});
afterAll(() => db.stop());

let n = 0;
/** Each test its own account-region, so tests do not see each other's records. */
function freshScope() {
  n++;
  const account = String(210000000000 + n);
  const k = (i: number) => ({ ...key(i), account });
  const o = (i: number, kind: Observation['kind'], who?: string): Observation => {
    const subject = subjectOf(k(i), 'key-no-external-principals');
    const id = findingId(subject);
    if (kind === 'compliant' || kind === 'exempt') return { kind, id, subject };
    return {
      kind,
      id,
      subject,
      severity: 'high',
      fingerprint: fingerprintOf('high', witness(who ?? '444455556666')),
    };
  };
  return {
    scope: scopeOf({ partition: 'aws', account, region: REGION }),
    o,
    id: (i: number) => findingId(subjectOf(k(i), 'key-no-external-principals')),
  };
}

describe('ledger: alerts on transitions only', () => {
  it('three sweeps of one estate: new findings, then nothing (no writes), then resolved, changed, new and reopened', async () => {
    const { scope, o, id } = freshScope();
    const { port, calls } = counted(createLedger(db.client(), TABLE));
    const at = (d: number) => `2026-12-0${d}T03:00:00.000Z`;
    // Sweep 1: keys 1 and 2 open, 3 compliant, 4 exempt.
    const first = await reconcile(
      port,
      {
        scope,
        observations: [o(1, 'open'), o(2, 'open'), o(3, 'compliant'), o(4, 'exempt')],
        complete: true,
        at: at(1),
      },
      'transitions',
    );
    expect([...first.alert].sort()).toEqual([id(1), id(2)].sort());
    expect(first.transitions.map((t) => t.transition)).toEqual(['new', 'new']);
    expect(first.writes).toBe(2);
    // Sweep 2: the same estate: no alert, no write (one Query).
    calls.put = 0;
    calls.query = 0;
    const second = await reconcile(
      port,
      {
        scope,
        observations: [o(1, 'open'), o(2, 'open'), o(3, 'compliant'), o(4, 'exempt')],
        complete: true,
        at: at(2),
      },
      'transitions',
    );
    expect(second.alert.size).toBe(0);
    expect(second.transitions).toEqual([]);
    expect(calls).toMatchObject({ put: 0, query: 1 });
    // Sweep 3: key 1 unseen (its key deleted), key 2's witness changed, key 3 now open (new).
    const third = await reconcile(
      port,
      {
        scope,
        observations: [o(2, 'open', '999900001111'), o(3, 'open'), o(4, 'exempt')],
        complete: true,
        at: at(3),
      },
      'transitions',
    );
    expect(Object.fromEntries(third.transitions.map((t) => [t.next.id, t.transition]))).toEqual({
      [id(1)]: 'resolved',
      [id(2)]: 'changed',
      [id(3)]: 'new',
    });
    expect([...third.alert].sort()).toEqual([id(1), id(2), id(3)].sort());
    // Key 1 comes back: reopened, first seen kept.
    const fourth = await reconcile(
      port,
      {
        scope,
        observations: [o(1, 'open'), o(2, 'open', '999900001111'), o(3, 'open')],
        complete: true,
        at: at(4),
      },
      'transitions',
    );
    expect(fourth.transitions.map((t) => [t.next.id, t.transition, t.next.state, t.next.firstSeen])).toEqual([
      [id(1), 'reopened', 'reopened', at(1)],
    ]);
    const stored = await port.query(scope);
    expect(Object.fromEntries(stored.map((r) => [r.id, r.state]))).toEqual({
      [id(1)]: 'reopened',
      [id(2)]: 'open',
      [id(3)]: 'open',
    });
  });

  it('an incomplete sweep resolves nothing; remediated findings close and reopen', async () => {
    const { scope, o, id } = freshScope();
    const ledger = createLedger(db.client(), TABLE);
    await reconcile(
      ledger,
      { scope, observations: [o(1, 'open'), o(2, 'open')], complete: true, at: '2026-12-01T00:00:00.000Z' },
      'transitions',
    );
    const partial = await reconcile(
      ledger,
      { scope, observations: [o(2, 'remediated')], complete: false, at: '2026-12-02T00:00:00.000Z' },
      'transitions',
    );
    expect(partial.transitions.map((t) => [t.next.id, t.transition])).toEqual([[id(2), 'remediated']]);
    expect((await ledger.query(scope)).find((r) => r.id === id(1))?.state).toBe('open');
    // The next complete sweep sees key 2 compliant: remediated is closed already (its alert said
    // so), so nothing is written or alerted; key 1 is still open and unchanged.
    const after = await reconcile(
      ledger,
      {
        scope,
        observations: [o(1, 'open'), o(2, 'compliant')],
        complete: true,
        at: '2026-12-03T00:00:00.000Z',
      },
      'transitions',
    );
    expect(after.transitions).toEqual([]);
    expect(after.writes).toBe(0);
    expect((await ledger.query(scope)).find((r) => r.id === id(2))?.state).toBe('remediated');
    // Open again after the fix: reopened, alerted.
    const again = await reconcile(
      ledger,
      { scope, observations: [o(1, 'open'), o(2, 'open')], complete: true, at: '2026-12-04T00:00:00.000Z' },
      'transitions',
    );
    expect(again.transitions.map((t) => [t.next.id, t.transition])).toEqual([[id(2), 'reopened']]);
    expect([...again.alert]).toEqual([id(2)]);
  });

  it('alerts.on "every": every open finding is alerted, writes still only on transitions', async () => {
    const { scope, o, id } = freshScope();
    const ledger = counted(createLedger(db.client(), TABLE));
    await reconcile(
      ledger.port,
      { scope, observations: [o(1, 'open')], complete: true, at: '2026-12-01T00:00:00.000Z' },
      'every',
    );
    ledger.calls.put = 0;
    const again = await reconcile(
      ledger.port,
      {
        scope,
        observations: [o(1, 'open'), o(2, 'compliant')],
        complete: true,
        at: '2026-12-02T00:00:00.000Z',
      },
      'every',
    );
    expect([...again.alert]).toEqual([id(1)]);
    expect(ledger.calls.put).toBe(0);
  });
});

describe('ledger: racing writers alert once per transition', () => {
  it('two handlers on one key and a sweep of its account-region, at once: one alert per finding', async () => {
    const { scope, o, id } = freshScope();
    const at = '2026-12-01T00:00:00.000Z';
    const handler = () => {
      const ledger = createLedger(db.client(), TABLE);
      const observations = [o(1, 'open')];
      const resourceArn = observations[0]?.subject.resourceArn;
      return reconcile(
        ledger,
        { scope, ...(resourceArn ? { resourceArn } : {}), observations, complete: false, at },
        'transitions',
      );
    };
    const sweep = () =>
      reconcile(
        createLedger(db.client(), TABLE),
        { scope, observations: [o(1, 'open'), o(2, 'open'), o(3, 'open')], complete: true, at },
        'transitions',
      );
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all([handler(), handler(), sweep()].map((p) => p));
      const alerts = results.flatMap((r) => [...r.alert]);
      // Each finding alerted by exactly one writer, whichever won.
      expect(alerts.filter((a) => a === id(1))).toHaveLength(round === 0 ? 1 : 0);
      if (round === 0) expect(alerts.sort()).toEqual([id(1), id(2), id(3)].sort());
      else expect(alerts).toEqual([]);
      for (const r of results) expect(r.ledgerError).toBeUndefined();
    }
    // One write won per finding: each record is at version 1.
    const stored = await createLedger(db.client(), TABLE).query(scope);
    expect(stored.map((r) => r.version)).toEqual([1, 1, 1]);
  });

  it('twenty writers racing one transition: exactly one wins, the others lose the condition and re-read', async () => {
    const { scope, o, id } = freshScope();
    const ledger = createLedger(db.client(), TABLE);
    await reconcile(
      ledger,
      { scope, observations: [o(1, 'open')], complete: false, at: '2026-12-01T00:00:00.000Z' },
      'transitions',
    );
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        reconcile(
          createLedger(db.client(), TABLE),
          { scope, observations: [o(1, 'compliant')], complete: false, at: '2026-12-02T00:00:00.000Z' },
          'transitions',
        ),
      ),
    );
    expect(results.flatMap((r) => [...r.alert])).toEqual([id(1)]);
    expect(results.flatMap((r) => r.transitions)).toHaveLength(1);
    expect((await ledger.query(scope))[0]).toMatchObject({ state: 'resolved', version: 2 });
  });
});

describe('ledger: the table down loses nothing', () => {
  it('every open finding is alerted and the failure is reported; nothing is resolved', async () => {
    const down = await startLedgerTable();
    const client = down.client(1);
    await down.stop();
    const result = await reconcile(
      createLedger(client, TABLE),
      {
        scope: SCOPE,
        observations: [obs(1, 'open'), obs(2, 'remediated'), obs(3, 'compliant')],
        complete: true,
        at: '2026-12-01T00:00:00.000Z',
      },
      'transitions',
    );
    expect([...result.alert].sort()).toEqual([idOf(1), idOf(2)].sort());
    expect(result.ledgerError).toMatch(new RegExp(`^${TABLE}: Query failed: `));
    expect(result.transitions).toEqual([]);
  });

  it('a missing table is a failure too, named', async () => {
    const result = await reconcile(
      createLedger(db.client(1), 'no-such-table'),
      { scope: SCOPE, observations: [obs(1, 'open')], complete: false, at: '2026-12-01T00:00:00.000Z' },
      'transitions',
    );
    expect([...result.alert]).toEqual([idOf(1)]);
    expect(result.ledgerError).toMatch(/^no-such-table: Query failed: ResourceNotFoundException/);
  });
});

describe('observations of an outcome', () => {
  it('open, remediated, exempt and compliant rules are observed; off, not-read and unjudged say nothing', () => {
    const outcome = {
      type: 'kms-key',
      id: keyId(1),
      arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId(1)}`,
      account: ACCOUNT,
      region: REGION,
      status: 'judged',
      rules: [
        { rule: 'key-no-external-principals', status: 'alerted' },
        { rule: 'key-crypto-via-vpce', status: 'remediated' },
        { rule: 'key-sourceip-ineffective', status: 'compliant' },
        { rule: 'key-no-external-grantees', status: 'not-read' },
        { rule: 'key-rotation-enabled', status: 'off' },
      ],
      writes: 0,
      rounds: 1,
      alerts: [],
    } as unknown as ResourceOutcome;
    expect(observationsOf(outcome).map((x) => [x.kind, x.subject.rule, x.id])).toEqual([
      ['open', 'key-no-external-principals', idOf(1)],
      ['remediated', 'key-crypto-via-vpce', idOf(1, 'key-crypto-via-vpce')],
      ['compliant', 'key-sourceip-ineffective', idOf(1, 'key-sourceip-ineffective')],
    ]);
    expect(observationsOf({ ...outcome, status: 'error' })).toEqual([]);
  });
});
