/**
 * One digest per sweep run (issue 13, item 7): each account-region's summary is kept under the run
 * in the findings table (dynalite, through the real DynamoDB client) and the worker that completes
 * the run, and only it, gets the merged summary to send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunDigests } from '../../functions/adapters/run-digests.js';
import type { SweepSummaryInput } from '../../functions/engine/alert-types.js';
import { completeRun, mergeSummaries } from '../../functions/engine/run-digest.js';
import { type LedgerServer, startLedgerTable, TABLE } from '../adapters/ledger-table.js';

let db: LedgerServer;
beforeAll(async () => {
  db = await startLedgerTable();
});
afterAll(() => db.stop());

const finding = (n: number, severity: 'high' | 'medium' | 'low') => ({
  findingId: `kpg-v1-${String(n).padStart(64, '0')}`,
  rule: 'key-no-external-principals',
  severity,
  resourceType: 'kms-key' as const,
  resourceId: `key-${n}`,
  account: '111122223333',
  region: 'us-east-1',
});

function scope(account: string, region: string, n: number): SweepSummaryInput {
  return {
    sweepId: 'run-1',
    startedAt: `2026-12-01T03:0${n}:00.000Z`,
    finishedAt: `2026-12-01T03:1${n}:00.000Z`,
    dryRun: false,
    accounts: [account],
    regions: [region],
    resources: { 'kms-key': 10 * n, 'vpc-endpoint': n },
    counts: { 'key-no-external-principals': { alerted: n, compliant: 10 } },
    errors: n === 2 ? [{ account, region, message: 'kms-key k unreadable: AccessDenied' }] : [],
    digest: {
      changes: { new: n, ...(n === 3 ? { resolved: 1 } : {}) },
      open: { high: n },
      top: Array.from({ length: 6 }, (_, i) => finding(n * 10 + i, i % 2 ? 'low' : 'high')),
    },
  };
}

let runs = 0;
const newRun = () => `sweep-2026-12-01T03:00:00Z-${++runs}`;

describe('one digest per sweep run', () => {
  it('the worker that completes the run gets the merged summary; the others get nothing', async () => {
    const port = createRunDigests(db.client(), TABLE);
    const run = newRun();
    expect(
      await completeRun(port, run, 3, '111122223333', 'us-east-1', scope('111122223333', 'us-east-1', 1)),
    ).toBeUndefined();
    expect(
      await completeRun(port, run, 3, '222233334444', 'us-east-1', scope('222233334444', 'us-east-1', 2)),
    ).toBeUndefined();
    const whole = await completeRun(
      port,
      run,
      3,
      '222233334444',
      'eu-west-1',
      scope('222233334444', 'eu-west-1', 3),
    );
    expect(whole).toMatchObject({
      sweepId: run,
      startedAt: '2026-12-01T03:01:00.000Z',
      finishedAt: '2026-12-01T03:13:00.000Z',
      accounts: ['111122223333', '222233334444'],
      regions: ['eu-west-1', 'us-east-1'],
      resources: { 'kms-key': 60, 'vpc-endpoint': 6 },
      counts: { 'key-no-external-principals': { alerted: 6, compliant: 30 } },
      errors: [
        { account: '222233334444', region: 'us-east-1', message: 'kms-key k unreadable: AccessDenied' },
      ],
    });
    expect(whole?.digest?.changes).toEqual({ new: 6, resolved: 1 });
    expect(whole?.digest?.open).toEqual({ high: 6 });
    // The ten most severe of the 18 top findings: the 9 high ones first, then the first low one.
    expect(whole?.digest?.top.map((f) => f.severity)).toEqual([...Array(9).fill('high'), 'low']);
    // A late redelivery of a message of the completed run sends no second digest.
    expect(
      await completeRun(port, run, 3, '111122223333', 'us-east-1', scope('111122223333', 'us-east-1', 1)),
    ).toBeUndefined();
  });

  it('a redelivered account-region replaces its summary: it is not counted twice', async () => {
    const port = createRunDigests(db.client(), TABLE);
    const run = newRun();
    await completeRun(port, run, 2, '111122223333', 'us-east-1', scope('111122223333', 'us-east-1', 1));
    expect(
      await completeRun(port, run, 2, '111122223333', 'us-east-1', scope('111122223333', 'us-east-1', 2)),
    ).toBeUndefined();
    expect(await port.list(run)).toHaveLength(1);
  });

  it('workers finishing at once: exactly one sends the digest', async () => {
    const port = createRunDigests(db.client(), TABLE);
    for (let round = 0; round < 5; round++) {
      const run = newRun();
      const accounts = Array.from({ length: 8 }, (_, i) => String(300000000000 + i));
      const results = await Promise.all(
        accounts.map((a, i) =>
          completeRun(port, run, accounts.length, a, 'us-east-1', scope(a, 'us-east-1', (i % 3) + 1)),
        ),
      );
      const sent = results.filter((r) => r !== undefined);
      expect(sent, `round ${round}`).toHaveLength(1);
      expect(sent[0]?.accounts).toEqual(accounts);
    }
  });

  it('merging keeps what no part has out, and a run without digests has none', () => {
    const plain = { ...scope('111122223333', 'us-east-1', 1) };
    delete plain.digest;
    const merged = mergeSummaries('r', [plain]);
    expect(merged.digest).toBeUndefined();
    expect(merged.dryRun).toBe(false);
  });
});
