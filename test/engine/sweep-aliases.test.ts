/**
 * Sweeps tell AWS-managed keys by their `alias/aws/*` aliases (one paginated ListAliases per
 * account-region) instead of a DescribeKey per key; a failed ListAliases falls back to the full
 * read and says so in the scope; nothing is written to a key without DescribeKey saying CUSTOMER.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { sweepAccountRegion } from '../../functions/engine/sweep.js';
import { buildReport } from '../../functions/engine/sweep-report.js';
import { harness, OWN, PARTNER, policyText, REGION, ROOT } from './fake-aws.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validateReport = ajv.compile(
  JSON.parse(readFileSync(new URL('../../schema/sweep-report.v1.schema.json', import.meta.url), 'utf8')),
);

const keyId = (i: number) => `0000000${i}-12ab-34cd-56ef-1234567890ab`.slice(-36);
const arn = (id: string) => `arn:aws:kms:${REGION}:${OWN}:key/${id}`;

const config = {
  rules: {
    'key-no-external-principals': 'remediate' as const,
    'key-no-external-grantees': 'off' as const,
    'key-crypto-via-vpce': 'off' as const,
    'key-sourceip-ineffective': 'off' as const,
  },
};

/** Calls per key id, by operation. */
function callsPerKey(h: ReturnType<typeof harness>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of h.aws.calls) if (c.id) out.set(c.id, [...(out.get(c.id) ?? []), c.op]);
  return out;
}

/**
 * Key 0: customer, compliant, aliased `alias/app`; key 1: customer, with a finding; keys 2 and 3:
 * AWS-managed, compliant and open to a partner, their policies WITHOUT AWS's `auto-*` Id (nothing
 * but DescribeKey or the alias tells them AWS-managed); key 4: customer, aliased `alias/awsome`.
 */
function estate(h: ReturnType<typeof harness>) {
  h.aws.addKey(policyText(ROOT), { keyId: keyId(0), arn: arn(keyId(0)) }).aliases = ['alias/app'];
  h.aws.addKey(policyText(ROOT, PARTNER), { keyId: keyId(1), arn: arn(keyId(1)) });
  h.aws.addKey(policyText(ROOT), { keyId: keyId(2), arn: arn(keyId(2)), keyManager: 'AWS' }).aliases = [
    'alias/aws/ebs',
  ];
  h.aws.addKey(policyText(ROOT, PARTNER), {
    keyId: keyId(3),
    arn: arn(keyId(3)),
    keyManager: 'AWS',
  }).aliases = ['alias/aws/s3'];
  h.aws.addKey(policyText(ROOT), { keyId: keyId(4), arn: arn(keyId(4)) }).aliases = ['alias/awsome'];
}

describe('AWS-managed keys from ListAliases', () => {
  it('skips the keys an alias/aws/* alias targets without reading them; counts the calls per key', async () => {
    const h = harness(config);
    estate(h);
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 2 });
    expect(h.aws.count('ListAliases')).toBe(1);
    expect(sweep.scope.keys).toEqual({ listed: 5, awsManaged: 2 });
    const byId = new Map(sweep.resources.map((r) => [r.id, r]));
    for (const i of [2, 3])
      expect(byId.get(keyId(i))).toMatchObject({ status: 'skipped', reason: 'AWS-managed key' });
    expect(byId.get(keyId(0))?.results['key-no-external-principals']?.status).toBe('compliant');
    expect(byId.get(keyId(4))?.results['key-no-external-principals']?.status).toBe('compliant');
    expect(byId.get(keyId(1))?.results['key-no-external-principals']?.status).toBe('remediated');
    const calls = callsPerKey(h);
    // AWS-managed: no call at all. Compliant customer key: GetKeyPolicy only. The finding: its
    // policy, then DescribeKey and the tags, then the re-read, the write and the read-back.
    expect(calls.get(keyId(2))).toBeUndefined();
    expect(calls.get(keyId(3))).toBeUndefined();
    expect(calls.get(keyId(0))).toEqual(['GetKeyPolicy']);
    expect(calls.get(keyId(4))).toEqual(['GetKeyPolicy']);
    expect([...(calls.get(keyId(1)) ?? [])].sort()).toEqual(
      [
        'DescribeKey',
        'GetKeyPolicy',
        'GetKeyPolicy',
        'GetKeyPolicy',
        'ListResourceTags',
        'PutKeyPolicy',
      ].sort(),
    );
    expect(h.aws.writes.map((w) => w.id)).toEqual([keyId(1)]);
  });

  for (const fault of [
    { code: 'AccessDeniedException', classification: 'access-denied' as const },
    { code: 'ThrottlingException', classification: 'throttling' as const },
  ]) {
    it(`ListAliases failing (${fault.code}) falls back to DescribeKey, said once in the scope`, async () => {
      const h = harness(config);
      estate(h);
      h.aws.faults.set('ListAliases', fault);
      const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 2 });
      expect(sweep.scope.error).toBeUndefined();
      expect(sweep.scope.keys.aliasesUnread).toMatch(new RegExp(`ListAliases failed \\(${fault.code}`));
      expect(sweep.scope.keys.aliasesUnread).toMatch(/DescribeKey/);
      expect(h.logs.filter((l) => /ListAliases/.test(l.message))).toHaveLength(1);
      const byId = new Map(sweep.resources.map((r) => [r.id, r]));
      expect(byId.size).toBe(5);
      // The AWS-managed key with a finding is told by DescribeKey (the full read) and never written;
      // the compliant one is judged on its policy alone, as before ListAliases was read.
      expect(byId.get(keyId(3))).toMatchObject({ status: 'skipped', reason: 'AWS-managed key' });
      expect(callsPerKey(h).get(keyId(3))).toContain('DescribeKey');
      expect(byId.get(keyId(2))?.status).toBe('judged');
      expect(h.aws.writes.map((w) => w.id)).toEqual([keyId(1)]);
      const report = buildReport({
        runId: 'run-1',
        startedAt: new Date(0),
        finishedAt: new Date(1000),
        dryRun: false,
        sweeps: [sweep],
        apiCalls: {},
      });
      expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
    });
  }

  it('a key no alias says is AWS-managed but DescribeKey does is never written', async () => {
    const h = harness(config);
    // Open to a partner, no `auto-*` Id, no alias/aws/* alias: only DescribeKey says AWS.
    h.aws.addKey(policyText(ROOT, PARTNER), {
      keyId: keyId(5),
      arn: arn(keyId(5)),
      keyManager: 'AWS',
    }).aliases = ['alias/looks-customer'];
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 1 });
    expect(sweep.scope.keys.aliasesUnread).toBeUndefined();
    expect(sweep.resources).toEqual([
      expect.objectContaining({ status: 'skipped', reason: 'AWS-managed key' }),
    ]);
    expect(h.aws.count('DescribeKey')).toBe(1);
    expect(h.aws.count('PutKeyPolicy')).toBe(0);
    expect(h.aws.writes).toEqual([]);
  });

  it('an event ignores what a listing said: the key is described, as every event does', async () => {
    const h = harness(config);
    h.aws.addKey(policyText(ROOT, PARTNER), { keyId: keyId(6), arn: arn(keyId(6)) });
    const { guardKey } = await import('../../functions/engine/pipeline.js');
    const trigger = (await import('./fake-aws.js')).keyTrigger();
    const outcome = await guardKey(h.aws.kms(), keyId(6), { account: OWN, region: REGION, trigger }, h.deps, {
      keyId: keyId(6),
      keyArn: arn(keyId(6)),
      managedBy: 'AWS',
    });
    expect(outcome.status).toBe('judged');
    expect(h.aws.count('DescribeKey')).toBe(1);
  });
});
