import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { sweepAccountRegion } from '../../functions/engine/sweep.js';
import { buildReport, publishSweepAlerts, type ScopeSweep } from '../../functions/engine/sweep-report.js';
import { RoleAssumptionError } from '../../functions/errors.js';
import { alertDocument, harness, OWN, PARTNER, policyText, REGION, ROOT } from './fake-aws.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validateReport = ajv.compile(
  JSON.parse(readFileSync(new URL('../../schema/sweep-report.v1.schema.json', import.meta.url), 'utf8')),
);

const keyId = (i: number) => `0000000${i}-12ab-34cd-56ef-1234567890ab`.slice(-36);
const arn = (id: string, account = OWN) => `arn:aws:kms:${REGION}:${account}:key/${id}`;

/** A compliant policy with the `Id` AWS gives AWS-managed key policies (`auto-<service>-<n>`). */
const awsManagedPolicy = () => JSON.stringify({ Id: 'auto-ebs-1', ...JSON.parse(policyText(ROOT)) });

function estate(h: ReturnType<typeof harness>) {
  for (let i = 0; i < 5; i++) h.aws.addKey(policyText(ROOT), { keyId: keyId(i), arn: arn(keyId(i)) });
  h.aws.addKey(policyText(ROOT, PARTNER), { keyId: keyId(5), arn: arn(keyId(5)) });
  h.aws.addKey(policyText(ROOT, PARTNER), { keyId: keyId(6), arn: arn(keyId(6)), keyManager: 'AWS' });
  h.aws.addKey(policyText(ROOT, PARTNER), {
    keyId: keyId(7),
    arn: arn(keyId(7)),
    keyState: 'PendingDeletion',
  });
  h.aws.addKey(policyText(ROOT), { keyId: keyId(8), arn: arn(keyId(8)) });
  h.aws.faultsFor.set(`GetKeyPolicy:${keyId(8)}`, {
    code: 'AccessDeniedException',
    classification: 'access-denied',
  });
  h.aws.addEndpoint({ id: 'vpce-0aaaaaaaaaaaaaaa1', privateDnsEnabled: false });
  h.aws.addEndpoint({ id: 'vpce-0aaaaaaaaaaaaaaa2', serviceName: `com.amazonaws.${REGION}.kms-fips` });
  h.aws.addEndpoint({
    id: 'vpce-0aaaaaaaaaaaaaaa3',
    serviceName: `com.amazonaws.${REGION}.s3`,
    vpcEndpointType: 'Gateway',
  });
}

const rules = {
  rules: {
    'key-no-external-principals': 'remediate' as const,
    'key-crypto-via-vpce': 'off' as const,
    'key-sourceip-ineffective': 'off' as const,
    'endpoint-private-dns': 'alert' as const,
  },
};

function report(sweeps: ScopeSweep[], dryRun = false) {
  return buildReport({
    runId: 'run-1',
    startedAt: new Date(0),
    finishedAt: new Date(1000),
    dryRun,
    sweeps,
    apiCalls: { 'kms:ListKeys': 1 },
  });
}

describe('sweepAccountRegion', () => {
  it('judges every listed resource, skips AWS-managed keys (counted), reports the unreadable one and goes on', async () => {
    const h = harness(rules);
    estate(h);
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 4 });
    expect(sweep.scope).toMatchObject({ keys: { listed: 9, awsManaged: 1 }, endpoints: { listed: 2 } });
    expect(sweep.scope.error).toBeUndefined();
    const byId = new Map(sweep.resources.map((r) => [r.id, r]));
    expect(byId.size).toBe(11);
    expect(byId.get(keyId(0))).toMatchObject({
      status: 'judged',
      results: { 'key-no-external-principals': { status: 'compliant' } },
    });
    expect(byId.get(keyId(5))).toMatchObject({
      status: 'judged',
      results: { 'key-no-external-principals': { status: 'remediated' } },
    });
    expect(byId.get(keyId(6))).toMatchObject({ status: 'skipped', reason: 'AWS-managed key' });
    expect(byId.get(keyId(7))?.results['key-no-external-principals']).toMatchObject({
      status: 'remediation-failed',
      detail: expect.stringMatching(/pending deletion/),
    });
    expect(byId.get(keyId(8))).toMatchObject({
      status: 'unreadable',
      reason: expect.stringMatching(/AccessDeniedException/),
    });
    expect(byId.get('vpce-0aaaaaaaaaaaaaaa1')?.results['endpoint-private-dns']).toMatchObject({
      status: 'finding',
      detail: 'alerted',
    });
    expect(byId.get('vpce-0aaaaaaaaaaaaaaa2')?.status).toBe('judged');
    expect(byId.has('vpce-0aaaaaaaaaaaaaaa3')).toBe(false);
    // Only the one non-compliant customer key was written.
    expect(h.aws.writes.map((w) => w.id)).toEqual([keyId(5)]);
  });

  it('finds KMS endpoints whatever region they reach (cross-region, FIPS) and reports the service region', async () => {
    const h = harness({ ...rules, dryRun: true });
    h.aws.addEndpoint({ id: 'vpce-0bbbbbbbbbbbbbbb1' });
    // A cross-region endpoint in REGION that reaches KMS in us-west-2 (EC2 VpcEndpoint.ServiceRegion).
    h.aws.addEndpoint({
      id: 'vpce-0bbbbbbbbbbbbbbb2',
      serviceName: 'com.amazonaws.us-west-2.kms',
      serviceRegion: 'us-west-2',
      privateDnsEnabled: false,
    });
    h.aws.addEndpoint({ id: 'vpce-0bbbbbbbbbbbbbbb3', serviceName: 'com.amazonaws.ca-central-1.kms-fips' });
    // Not KMS: another service's interface endpoint, and a look-alike name.
    h.aws.addEndpoint({ id: 'vpce-0bbbbbbbbbbbbbbb4', serviceName: `com.amazonaws.${REGION}.ssm` });
    h.aws.addEndpoint({ id: 'vpce-0bbbbbbbbbbbbbbb5', serviceName: `com.amazonaws.${REGION}.kms.evil` });
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 2 });
    expect(sweep.scope.endpoints.listed).toBe(3);
    const r = report([sweep], true);
    expect(validateReport(r), JSON.stringify(validateReport.errors)).toBe(true);
    const byId = new Map(r.resources.map((x) => [x.id, x]));
    expect([...byId.keys()].sort()).toEqual([
      'vpce-0bbbbbbbbbbbbbbb1',
      'vpce-0bbbbbbbbbbbbbbb2',
      'vpce-0bbbbbbbbbbbbbbb3',
    ]);
    expect(byId.get('vpce-0bbbbbbbbbbbbbbb1')).toMatchObject({ region: REGION, serviceRegion: REGION });
    expect(byId.get('vpce-0bbbbbbbbbbbbbbb2')).toMatchObject({
      region: REGION,
      serviceRegion: 'us-west-2',
      results: { 'endpoint-private-dns': { status: 'finding' } },
    });
    expect(byId.get('vpce-0bbbbbbbbbbbbbbb3')).toMatchObject({
      serviceRegion: 'ca-central-1',
      status: 'judged',
    });
    // One listing of the interface endpoints, not one per service name.
    expect(h.aws.calls.filter((c) => c.op === 'DescribeVpcEndpoints')).toHaveLength(1);
  });

  it('lists every customer key’s grants (not AWS-managed keys’), reports each outside grant, dry by default', async () => {
    const h = harness({
      trust: { accounts: [OWN], organizationIds: [] },
      rules: {
        ...rules.rules,
        'key-no-external-principals': 'alert',
        'key-no-external-grantees': 'remediate',
      },
      dryRun: true,
    });
    const grant = (n: number, grantee: string) => ({
      grantId: n.toString(16).padStart(64, '0'),
      granteePrincipal: grantee,
      operations: ['Decrypt'],
    });
    const outside = h.aws.addKey(policyText(ROOT), { keyId: keyId(1), arn: arn(keyId(1)) });
    outside.state = {
      grants: [
        grant(1, `arn:aws:iam::${OWN}:role/app`),
        grant(2, 'arn:aws:iam::444455556666:role/partner'),
        grant(3, 'dynamodb.us-east-1.amazonaws.com'),
        grant(4, '999988887777'),
      ],
    };
    const own = h.aws.addKey(policyText(ROOT), { keyId: keyId(2), arn: arn(keyId(2)) });
    own.state = { grants: [grant(5, `arn:aws:iam::${OWN}:root`)] };
    h.aws.addKey(awsManagedPolicy(), { keyId: keyId(3), arn: arn(keyId(3)), keyManager: 'AWS' });
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 2 });
    const r = report([sweep], true);
    expect(validateReport(r), JSON.stringify(validateReport.errors)).toBe(true);
    const byId = new Map(r.resources.map((x) => [x.id, x]));
    const found = byId.get(keyId(1))?.results['key-no-external-grantees'];
    expect(found).toMatchObject({ status: 'finding', proof: 'witness' });
    expect(found?.grants?.map((g) => g.granteePrincipal)).toEqual([
      'arn:aws:iam::444455556666:role/partner',
      '999988887777',
    ]);
    expect(byId.get(keyId(2))?.results['key-no-external-grantees']).toMatchObject({ status: 'compliant' });
    expect(byId.get(keyId(3))?.status).toBe('skipped');
    // One listing per customer key (a finding's full read keeps it), and one more before the
    // revocation the dry run reports (it says what would be revoked only if the grant is still
    // there); none for the AWS-managed key.
    expect(
      h.aws.calls
        .filter((c) => c.op === 'ReadKeyState:grants')
        .map((c) => c.id)
        .sort(),
    ).toEqual([keyId(1), keyId(1), keyId(2)]);
    expect(h.aws.writes).toEqual([]);
  });

  it('the report validates against its schema and totals add up', async () => {
    const h = harness(rules);
    estate(h);
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 3 });
    const r = report([sweep]);
    expect(validateReport(r), JSON.stringify(validateReport.errors)).toBe(true);
    expect(r.totals).toMatchObject({
      resources: 11,
      byType: { 'kms-key': 9, 'vpc-endpoint': 2 },
      skipped: 1,
      unreadable: 1,
      judged: 9,
    });
    expect(r.totals.byRule['key-no-external-principals']).toEqual({
      compliant: 5,
      remediated: 1,
      'remediation-failed': 1,
    });
  });

  it('publishes the per-resource alerts and one summary with counts by rule and status', async () => {
    const h = harness(rules);
    estate(h);
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 2 });
    await publishSweepAlerts(report([sweep]), [sweep], h.deps);
    const docs = h.alerts.map(alertDocument);
    const summary = docs.find((d) => d.kind === 'summary') as {
      counts: Record<string, Record<string, number>>;
      errors: { message: string }[];
    };
    expect(summary.counts['key-no-external-principals']).toMatchObject({
      compliant: 5,
      remediated: 1,
      'remediation-failed': 1,
    });
    expect(summary.errors.map((e) => e.message).join('\n')).toMatch(/unreadable/);
    expect(docs.filter((d) => d.kind === 'finding').length).toBeGreaterThanOrEqual(3);
  });

  it('a throttling storm (30% of calls failing after the adapters’ budget): every resource is still judged', async () => {
    const h = harness({ ...rules, dryRun: true });
    for (let i = 0; i < 60; i++)
      h.aws.addKey(policyText(ROOT, ...(i % 4 === 0 ? [PARTNER] : [])), {
        keyId: keyId(100 + i),
        arn: arn(keyId(100 + i)),
      });
    let seed = 7;
    h.aws.random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const listing = h.aws.kms().listKeys();
    const all: string[] = [];
    for await (const k of listing) all.push(k.keyId);
    h.aws.throttleRate = 0.3;
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, {
      concurrency: 8,
      // A key is judged in a pass when its three reads succeed (0.7^3, about 0.34): after 30 passes
      // one stays unjudged with probability 0.66^30, about 4e-6.
      retryPasses: 30,
      retryDelayMs: 0,
    });
    expect(sweep.resources.map((r) => r.id).sort()).toEqual(all.sort());
    expect(sweep.resources.filter((r) => r.status !== 'judged')).toEqual([]);
    expect(
      sweep.resources.filter((r) => r.results['key-no-external-principals']?.status === 'finding'),
    ).toHaveLength(15);
  });

  it('a member account whose role cannot be assumed is reported; the others are swept', async () => {
    const good = harness(rules);
    estate(good);
    const roleArn = 'arn:aws:iam::444455556666:role/KmsPerimeterGuardMember';
    const deps = {
      ...good.deps,
      ports: {
        kms: async (account: string) => {
          if (account === '444455556666') {
            throw new RoleAssumptionError({
              account,
              roleArn,
              reason: 'access-denied',
              message: `cannot assume ${roleArn}: AccessDenied`,
            });
          }
          return good.aws.kms();
        },
        ec2: async () => good.aws.ec2(),
      },
    };
    const sweeps = [
      await sweepAccountRegion('444455556666', REGION, deps, { concurrency: 2 }),
      await sweepAccountRegion(OWN, REGION, deps, { concurrency: 2 }),
    ];
    expect(sweeps[0]?.scope.error).toContain(roleArn);
    expect(sweeps[0]?.resources).toEqual([]);
    expect(sweeps[1]?.resources).toHaveLength(11);
    const r = report(sweeps);
    expect(validateReport(r)).toBe(true);
    expect(r.scopes.map((s) => s.error ?? 'ok')).toEqual([expect.stringContaining('cannot assume'), 'ok']);
  });

  it('an unexpected error on one resource is reported at once, not retried, and the sweep goes on', async () => {
    const h = harness(rules);
    estate(h);
    h.aws.before.set('ListResourceTags', (n) => {
      if (n === 1) throw new TypeError('boom');
    });
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 1, retryDelayMs: 60_000 });
    const broken = sweep.resources.filter((r) => r.status === 'unreadable' && /boom/.test(r.reason ?? ''));
    expect(broken).toHaveLength(1);
    expect(sweep.resources).toHaveLength(11);
  });

  it('a key KMS refuses for its state (KMSInvalidStateException) is unreadable, with the code', async () => {
    const h = harness(rules);
    estate(h);
    h.aws.faultsFor.set(`GetKeyPolicy:${keyId(4)}`, {
      code: 'KMSInvalidStateException',
      classification: 'invalid-state',
    });
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 2 });
    expect(sweep.resources.find((r) => r.id === keyId(4))).toMatchObject({
      status: 'unreadable',
      reason: expect.stringMatching(/KMSInvalidStateException/),
    });
    expect(sweep.resources.filter((r) => r.status === 'judged')).toHaveLength(8);
  });

  it('reports progress with a total', async () => {
    const h = harness(rules);
    estate(h);
    const seen: number[] = [];
    await sweepAccountRegion(OWN, REGION, h.deps, {
      concurrency: 3,
      onProgress: (p) => seen.push(p.judged / p.total),
    });
    expect(seen).toHaveLength(11);
    expect(seen.at(-1)).toBe(1);
  });
});

describe('sweep reads: a compliant key costs one call', () => {
  const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const ops = (h: ReturnType<typeof harness>, id: string) =>
    h.aws.calls.filter((c) => c.id === id).map((c) => c.op);

  it('a compliant customer key is judged on GetKeyPolicy alone (no DescribeKey, no ListResourceTags)', async () => {
    const h = harness(rules);
    h.aws.addKey(policyText(ROOT), { keyId: keyId(1), arn: arn(keyId(1)) });
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 1 });
    expect(sweep.resources).toMatchObject([
      {
        id: keyId(1),
        arn: arn(keyId(1)),
        status: 'judged',
        results: { 'key-no-external-principals': { status: 'compliant' } },
      },
    ]);
    // The grants rule is on (alert by default): its listing is the one other read.
    expect(ops(h, keyId(1)).sort()).toEqual(['GetKeyPolicy', 'ReadKeyState:grants']);
  });

  it('a finding is read again in full before it is reported or written: DescribeKey, policy, tags', async () => {
    const h = harness(rules);
    h.aws.addKey(policyText(ROOT, PARTNER), { keyId: keyId(1), arn: arn(keyId(1)) });
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 1 });
    expect(sweep.resources[0]?.results['key-no-external-principals']).toMatchObject({ status: 'remediated' });
    // The policy read first is kept: DescribeKey and ListResourceTags complete it, then the write
    // re-reads the policy, writes and reads it back.
    expect(ops(h, keyId(1))).toEqual([
      'GetKeyPolicy',
      'ReadKeyState:grants',
      'DescribeKey',
      'ListResourceTags',
      'GetKeyPolicy',
      'PutKeyPolicy',
      'GetKeyPolicy',
    ]);
    expect(h.aws.writes.map((w) => w.op)).toEqual(['PutKeyPolicy']);
  });

  it('an exemption tag still exempts a swept finding (the tags are read once there is a finding)', async () => {
    const h = harness(rules);
    h.aws.addKey(
      policyText(ROOT, PARTNER),
      { keyId: keyId(1), arn: arn(keyId(1)) },
      { 'kms-perimeter-guard:exempt': `key-no-external-principals;until=${until}` },
    );
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 1 });
    expect(sweep.resources[0]?.results['key-no-external-principals']).toMatchObject({ status: 'exempt' });
    expect(h.aws.writes).toEqual([]);
  });

  it('an AWS-managed key whose policy would be a finding is skipped after DescribeKey, never written', async () => {
    const h = harness(rules);
    // No `auto-*` Id: only DescribeKey's KeyManager says it is AWS's.
    h.aws.addKey(policyText(ROOT, PARTNER), { keyId: keyId(1), arn: arn(keyId(1)), keyManager: 'AWS' });
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 1 });
    expect(sweep.resources[0]).toMatchObject({ status: 'skipped', reason: 'AWS-managed key' });
    expect(sweep.scope.keys.awsManaged).toBe(1);
    expect(ops(h, keyId(1))).toContain('DescribeKey');
    expect(h.aws.writes).toEqual([]);
  });

  it('a key whose policy has the auto-* Id of AWS-managed keys is described before it is judged', async () => {
    const h = harness(rules);
    h.aws.addKey(awsManagedPolicy(), { keyId: keyId(1), arn: arn(keyId(1)), keyManager: 'AWS' });
    // A customer may write that Id too: DescribeKey decides, and this customer key is judged.
    h.aws.addKey(awsManagedPolicy(), { keyId: keyId(2), arn: arn(keyId(2)) });
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 1 });
    const byId = new Map(sweep.resources.map((r) => [r.id, r]));
    expect(byId.get(keyId(1))).toMatchObject({ status: 'skipped', reason: 'AWS-managed key' });
    expect(byId.get(keyId(2))).toMatchObject({
      status: 'judged',
      results: { 'key-no-external-principals': { status: 'compliant' } },
    });
    expect(ops(h, keyId(2))).toEqual(
      expect.arrayContaining(['GetKeyPolicy', 'DescribeKey', 'ListResourceTags']),
    );
  });

  it('a rule that needs more of the description than KeyManager (rotation) makes every key described', async () => {
    const h = harness({ rules: { ...rules.rules, 'key-rotation-enabled': 'alert' } });
    h.aws.addKey(policyText(ROOT), { keyId: keyId(1), arn: arn(keyId(1)), keySpec: 'RSA_2048' });
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 1 });
    expect(sweep.resources[0]?.results['key-rotation-enabled']).toBeUndefined();
    expect(ops(h, keyId(1))).toContain('DescribeKey');
    expect(ops(h, keyId(1))).not.toContain('ReadKeyState:rotation');
  });

  it('a key whose policy read is refused is read in full and reported as the event path reports it', async () => {
    const h = harness(rules);
    h.aws.addKey(policyText(ROOT), { keyId: keyId(1), arn: arn(keyId(1)) });
    h.aws.faultsFor.set(`GetKeyPolicy:${keyId(1)}`, {
      code: 'AccessDeniedException',
      classification: 'access-denied',
    });
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 1 });
    expect(sweep.resources[0]).toMatchObject({
      status: 'unreadable',
      reason: expect.stringMatching(/AccessDenied/),
    });
    expect(ops(h, keyId(1))).toContain('DescribeKey');
  });
});

describe('sweeps that publish nothing (the CLI)', () => {
  it('render no alert document: findings, refusals and unreadable keys are in the report only', async () => {
    const h = harness(rules);
    estate(h);
    const rendered = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 2 });
    expect(rendered.alerts.length).toBeGreaterThan(0);
    const h2 = harness(rules);
    estate(h2);
    const sweep = await sweepAccountRegion(
      OWN,
      REGION,
      { ...h2.deps, renderAlerts: false },
      { concurrency: 2 },
    );
    expect(sweep.alerts).toEqual([]);
    // The same resources, with the same results, as the sweep that rendered its alerts.
    expect(sweep.resources.map((r) => [r.id, r.status, r.results]).sort()).toEqual(
      rendered.resources.map((r) => [r.id, r.status, r.results]).sort(),
    );
    expect(sweep.resources.some((r) => r.status === 'unreadable')).toBe(true);
    expect(Object.values(sweep.resources.find((r) => r.id === keyId(5))?.results ?? {})).toContainEqual(
      expect.objectContaining({ status: 'remediated' }),
    );
  });
});
