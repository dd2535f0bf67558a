import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { RuleMode } from '../../functions/config/schema.js';
import { processTrigger } from '../../functions/engine/pipeline.js';
import { RoleAssumptionError } from '../../functions/errors.js';
import {
  APPROVED_VPCE,
  alertDocument,
  endpointTrigger,
  harness,
  KEY_ID,
  keyTrigger,
  OWN,
  PARTNER,
  policyText,
  ROOT,
  VPC,
  VPCE,
} from './fake-aws.js';

const schema = JSON.parse(
  readFileSync(new URL('../../schema/finding-alert.v1.schema.json', import.meta.url), 'utf8'),
);
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);

function checkAlert(entry: {
  Subject: string;
  Message: string;
  MessageAttributes: Record<string, { StringValue: string }>;
}) {
  const doc = alertDocument(entry as never);
  expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  expect(entry.Subject.length).toBeLessThan(100);
  for (const name of ['severity', 'rule', 'account', 'region', 'resourceType', 'status']) {
    expect(entry.MessageAttributes[name]?.StringValue, name).toBeTruthy();
  }
  return doc;
}

const externalOnly = (mode: RuleMode, dryRun = false) => ({
  dryRun,
  rules: {
    'key-no-external-principals': mode,
    'key-crypto-via-vpce': 'off' as const,
    'key-sourceip-ineffective': 'off' as const,
  },
});

describe('key events: rule × mode × dryRun', () => {
  it('remediate: one PutKeyPolicy keeping every statement verbatim plus the guard Deny, read back, alert "remediated"', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(policyText(ROOT, PARTNER));
    const out = await processTrigger(keyTrigger(), h.deps);
    const [r] = out.resources;
    expect(r?.status).toBe('judged');
    expect(r?.rules).toContainEqual({ rule: 'key-no-external-principals', status: 'remediated' });
    expect(h.aws.writes).toHaveLength(1);
    const written = JSON.parse(h.aws.writes[0]!.body);
    expect(written.Statement.slice(0, 2)).toEqual([ROOT, PARTNER]);
    expect(written.Statement[2]).toMatchObject({
      Sid: 'KmsPerimeterGuardDenyExternalPrincipals',
      Effect: 'Deny',
    });
    // DescribeKey, GetKeyPolicy, ListResourceTags, GetKeyPolicy (re-read), PutKeyPolicy, GetKeyPolicy (read back).
    expect(h.aws.calls.map((c) => c.op)).toEqual([
      'DescribeKey',
      'GetKeyPolicy',
      'ListResourceTags',
      'GetKeyPolicy',
      'PutKeyPolicy',
      'GetKeyPolicy',
    ]);
    expect(h.alerts).toHaveLength(1);
    const doc = checkAlert(h.alerts[0]!);
    expect(doc).toMatchObject({
      kind: 'finding',
      rule: 'key-no-external-principals',
      status: 'remediated',
      trigger: { eventId: 'evt-1', eventName: 'PutKeyPolicy', actorArn: `arn:aws:iam::${OWN}:user/alice` },
      remediation: { outcome: 'applied', action: 'PutKeyPolicy' },
    });
    expect(h.metrics).toContainEqual({
      name: 'RemediationsApplied',
      value: 1,
      rule: 'key-no-external-principals',
    });
  });

  it('alert: no write, alert "alerted" with the witness', async () => {
    const h = harness(externalOnly('alert'));
    h.aws.addKey(policyText(ROOT, PARTNER));
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(out.resources[0]?.rules).toContainEqual({ rule: 'key-no-external-principals', status: 'alerted' });
    expect(h.aws.writes).toEqual([]);
    const doc = checkAlert(h.alerts[0]!);
    expect(doc).toMatchObject({
      status: 'alerted',
      findings: [{ proof: 'witness', witness: { principal: { AWS: 'arn:aws:iam::444455556666:root' } } }],
    });
  });

  it('off: not judged, nothing written, nothing alerted', async () => {
    const h = harness(externalOnly('off'));
    h.aws.addKey(policyText(ROOT, PARTNER));
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(out.resources[0]?.rules).toContainEqual({ rule: 'key-no-external-principals', status: 'off' });
    expect(h.aws.writes).toEqual([]);
    expect(h.alerts).toEqual([]);
  });

  it('remediate + dryRun: nothing written; the alert carries the exact planned policy', async () => {
    const h = harness(externalOnly('remediate', true));
    h.aws.addKey(policyText(ROOT, PARTNER));
    await processTrigger(keyTrigger(), h.deps);
    expect(h.aws.writes).toEqual([]);
    expect(h.aws.count('PutKeyPolicy')).toBe(0);
    const doc = checkAlert(h.alerts[0]!) as {
      status: string;
      remediation: { outcome: string; plannedPolicy: { Statement: unknown[] } };
    };
    expect(doc.status).toBe('dry-run');
    expect(doc.remediation.outcome).toBe('dry-run');
    expect(doc.remediation.plannedPolicy.Statement).toHaveLength(3);
  });

  it('a compliant key: 3 reads, no write, no alert', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(policyText(ROOT));
    await processTrigger(keyTrigger(), h.deps);
    expect(h.aws.calls.map((c) => c.op)).toEqual(['DescribeKey', 'GetKeyPolicy', 'ListResourceTags']);
    expect(h.alerts).toEqual([]);
  });

  it('two rules in remediate mode: one write carrying both guard statements', async () => {
    const h = harness({
      rules: {
        'key-no-external-principals': 'remediate',
        'key-crypto-via-vpce': 'remediate',
        'key-sourceip-ineffective': 'off',
      },
    });
    h.aws.addKey(policyText(ROOT, PARTNER));
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(h.aws.writes).toHaveLength(1);
    const sids = JSON.parse(h.aws.writes[0]!.body).Statement.map((s: { Sid: string }) => s.Sid);
    expect(sids).toEqual([
      'Root',
      'Partner',
      'KmsPerimeterGuardDenyExternalPrincipals',
      'KmsPerimeterGuardDenyCryptoOutsideApprovedNetwork',
    ]);
    expect(JSON.stringify(h.aws.writes[0]!.body)).toContain(APPROVED_VPCE);
    expect(out.resources[0]?.rules.filter((r) => r.status === 'remediated').map((r) => r.rule)).toEqual([
      'key-no-external-principals',
      'key-crypto-via-vpce',
    ]);
    expect(h.alerts).toHaveLength(2);
  });

  it('an exempt key (tag) is reported exempt, never written or alerted', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(
      policyText(ROOT, PARTNER),
      {},
      { 'kms-perimeter-guard:exempt': `key-no-external-principals;until=${inDays(30)}` },
    );
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(out.resources[0]?.rules).toContainEqual({ rule: 'key-no-external-principals', status: 'exempt' });
    expect(h.aws.writes).toEqual([]);
    expect(h.alerts).toEqual([]);
  });

  it.each([
    ['no end date', 'key-no-external-principals', /no end date; exemptions last at most 90 days/],
    [
      'an end beyond the maximum',
      `key-no-external-principals;until=${inDays(400)}`,
      /more than 90 days from now/,
    ],
  ])('an exemption with %s exempts nothing: the key is remediated', async (_name, tag, why) => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(policyText(ROOT, PARTNER), {}, { 'kms-perimeter-guard:exempt': tag });
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(out.resources[0]?.rules).toContainEqual({
      rule: 'key-no-external-principals',
      status: 'remediated',
    });
    expect(h.aws.writes).toHaveLength(1);
    const result = out.resources[0]?.verdict?.results.find((r) => r.rule === 'key-no-external-principals');
    expect(result?.exemption?.ignored).toMatch(why);
  });
});

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

describe('loops, replays and races', () => {
  it('the guard’s own PutKeyPolicy event finds the key compliant and writes nothing', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(policyText(ROOT, PARTNER));
    await processTrigger(keyTrigger(), h.deps);
    const alertsAfterFix = h.alerts.length;
    // The write raises PutKeyPolicy by the guard's role: the same pipeline runs again.
    const again = await processTrigger(
      { ...keyTrigger(), eventId: 'evt-own', actorArn: `arn:aws:sts::${OWN}:assumed-role/guard/x` },
      h.deps,
    );
    expect(h.aws.writes).toHaveLength(1);
    expect(h.alerts).toHaveLength(alertsAfterFix);
    expect(again.resources[0]?.rules).toContainEqual({
      rule: 'key-no-external-principals',
      status: 'compliant',
    });
  });

  it('the same event delivered three times produces one write', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(policyText(ROOT, PARTNER));
    for (let i = 0; i < 3; i++) await processTrigger(keyTrigger(), h.deps);
    expect(h.aws.writes).toHaveLength(1);
  });

  it('a statement added between judging and writing is kept: the key is judged again first', async () => {
    const h = harness(externalOnly('remediate'));
    const key = h.aws.addKey(policyText(ROOT, PARTNER));
    const added = {
      Sid: 'AddedMeanwhile',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OWN}:role/ops` },
      Action: 'kms:Decrypt',
      Resource: '*',
    };
    h.aws.before.set('GetKeyPolicy', (n) => {
      if (n === 2) key.policy = policyText(ROOT, PARTNER, added);
    });
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(out.resources[0]?.rounds).toBe(2);
    expect(h.aws.writes).toHaveLength(1);
    const written = JSON.parse(h.aws.writes[0]!.body);
    expect(written.Statement.slice(0, 3)).toEqual([ROOT, PARTNER, added]);
  });

  it('a policy that keeps changing is never overwritten: bounded rounds, then remediation-failed', async () => {
    const h = harness(externalOnly('remediate'));
    const key = h.aws.addKey(policyText(ROOT, PARTNER));
    h.aws.before.set('GetKeyPolicy', (n) => {
      key.policy = policyText(ROOT, PARTNER, { ...PARTNER, Sid: `Change${n}` });
    });
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(h.aws.writes).toEqual([]);
    expect(out.resources[0]?.rounds).toBe(3);
    const rule = out.resources[0]?.rules.find((r) => r.rule === 'key-no-external-principals');
    expect(rule).toMatchObject({
      status: 'remediation-failed',
      reason: expect.stringMatching(/kept changing/),
    });
    expect(checkAlert(h.alerts[0]!)).toMatchObject({ status: 'remediation-failed' });
  });

  it('a write that does not read back is reported, not claimed', async () => {
    const h = harness(externalOnly('remediate'));
    const key = h.aws.addKey(policyText(ROOT, PARTNER));
    h.aws.before.set('GetKeyPolicy', (n) => {
      if (n === 3) key.policy = policyText(ROOT); // someone wrote right after us
    });
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(out.resources[0]?.rules.find((r) => r.rule === 'key-no-external-principals')).toMatchObject({
      status: 'remediation-failed',
      reason: expect.stringMatching(/read back/),
    });
  });
});

describe('two events racing on one key (random schedules)', () => {
  const ADDED = {
    Sid: 'AddedByUser',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${OWN}:role/ops` },
    Action: 'kms:Decrypt',
    Resource: '*',
  };

  function seeded(seed: number) {
    let a = seed;
    return () => {
      a = (a * 1_103_515_245 + 12_345) % 2_147_483_648;
      return (a % 4) as number;
    };
  }

  it('the same event delivered twice at once: at most two identical writes, nothing lost', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const h = harness(externalOnly('remediate'));
      const key = h.aws.addKey(policyText(ROOT, PARTNER));
      h.aws.latency = seeded(seed);
      await Promise.all([
        processTrigger(keyTrigger(), h.deps),
        processTrigger({ ...keyTrigger(), eventId: 'evt-dup' }, h.deps),
      ]);
      const final = JSON.parse(key.policy);
      expect(final.Statement.slice(0, 2), `seed ${seed}`).toEqual([ROOT, PARTNER]);
      expect(
        final.Statement.filter((s: { Sid: string }) => s.Sid === 'KmsPerimeterGuardDenyExternalPrincipals'),
      ).toHaveLength(1);
      expect(h.aws.writes.length).toBeGreaterThanOrEqual(1);
      expect(new Set(h.aws.writes.map((w) => w.body)).size, `seed ${seed}`).toBe(1);
    }
  });

  it('a stale event and the event of a newer change at once: the newer statement survives', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const h = harness(externalOnly('remediate'));
      const key = h.aws.addKey(policyText(ROOT, PARTNER));
      h.aws.latency = seeded(seed);
      // The user changed the policy again before either event is handled: both must see the change.
      key.policy = policyText(ROOT, PARTNER, ADDED);
      await Promise.all([
        processTrigger(keyTrigger(), h.deps),
        processTrigger({ ...keyTrigger(), eventId: 'evt-newer' }, h.deps),
      ]);
      const final = JSON.parse(key.policy);
      expect(final.Statement.slice(0, 3), `seed ${seed}`).toEqual([ROOT, PARTNER, ADDED]);
      expect(final.Statement).toHaveLength(4);
    }
  });
});

describe('resources that are gone, not ours, or not to be touched', () => {
  it('a deleted key ends quietly', async () => {
    const h = harness(externalOnly('remediate'));
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(out.resources[0]?.status).toBe('gone');
    expect(h.alerts).toEqual([]);
  });

  it('right after CreateKey, NotFoundException is retried until the key is visible', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(policyText(ROOT, PARTNER));
    h.aws.notYetVisible = 2;
    const out = await processTrigger(keyTrigger('CreateKey'), h.deps);
    expect(h.aws.count('DescribeKey')).toBe(3);
    expect(out.resources[0]?.status).toBe('judged');
    expect(h.aws.writes).toHaveLength(1);
  });

  it('a PutKeyPolicy event for a deleted key is not retried', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.notYetVisible = 1;
    const out = await processTrigger(keyTrigger('PutKeyPolicy'), h.deps);
    expect(h.aws.count('DescribeKey')).toBe(1);
    expect(out.resources[0]?.status).toBe('gone');
  });

  it('AWS-managed keys are left alone', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(policyText(ROOT, PARTNER), { keyManager: 'AWS' });
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(out.resources[0]).toMatchObject({ status: 'skipped', reason: 'AWS-managed key' });
    expect(h.aws.calls.map((c) => c.op)).toEqual(['DescribeKey']);
  });

  it('a key whose KeyManager is unknown is never written', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(policyText(ROOT, PARTNER), { keyManager: undefined });
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(h.aws.writes).toEqual([]);
    expect(out.resources[0]?.rules.find((r) => r.rule === 'key-no-external-principals')?.reason).toMatch(
      /KeyManager/,
    );
  });

  it('a key pending deletion is judged and alerted, not remediated', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(policyText(ROOT, PARTNER), { keyState: 'PendingDeletion' });
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(h.aws.writes).toEqual([]);
    expect(out.resources[0]?.rules.find((r) => r.rule === 'key-no-external-principals')).toMatchObject({
      status: 'remediation-failed',
      reason: expect.stringMatching(/pending deletion/),
    });
  });

  it('a live policy the guard cannot parse is an error alert naming the JSON path, never "compliant"', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(
      policyText(ROOT, { ...PARTNER, Condition: { StringEqual: { 'aws:PrincipalAccount': OWN } } }),
    );
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(out.resources[0]?.status).toBe('error');
    const doc = checkAlert(h.alerts[0]!);
    expect(doc).toMatchObject({ kind: 'error', stage: 'judge' });
    expect(String(doc.message)).toContain('Statement[1].Condition.StringEqual');
    expect(h.aws.writes).toEqual([]);
  });
});

describe('endpoint events', () => {
  const endpointRules = (dns: RuleMode, policy: RuleMode, dryRun = false) => ({
    dryRun,
    rules: { 'endpoint-private-dns': dns, 'endpoint-no-external-principals': policy },
  });

  it('private DNS off: DNS attributes checked, ModifyVpcEndpoint PrivateDnsEnabled=true, read back', async () => {
    const h = harness(endpointRules('remediate', 'remediate'));
    h.aws.addEndpoint({ privateDnsEnabled: false });
    const out = await processTrigger(endpointTrigger(), h.deps);
    expect(h.aws.calls.map((c) => c.op)).toEqual([
      'DescribeVpcEndpoints',
      'DescribeVpcAttribute',
      'DescribeVpcEndpoints',
      'ModifyVpcEndpoint',
      'DescribeVpcEndpoints',
    ]);
    expect(JSON.parse(h.aws.writes[0]!.body)).toEqual({ id: VPCE, privateDnsEnabled: true });
    expect(out.resources[0]?.rules).toContainEqual({ rule: 'endpoint-private-dns', status: 'remediated' });
    expect(checkAlert(h.alerts[0]!)).toMatchObject({
      rule: 'endpoint-private-dns',
      status: 'remediated',
      resource: { type: 'vpc-endpoint', id: VPCE },
    });
  });

  it('private DNS cannot be fixed when the VPC lacks DNS hostnames: alert names the VPC', async () => {
    const h = harness(endpointRules('remediate', 'remediate'));
    h.aws.addEndpoint({ privateDnsEnabled: false });
    h.aws.vpcDns.set(VPC, { enableDnsSupport: true, enableDnsHostnames: false });
    const out = await processTrigger(endpointTrigger(), h.deps);
    expect(h.aws.writes).toEqual([]);
    const rule = out.resources[0]?.rules.find((r) => r.rule === 'endpoint-private-dns');
    expect(rule).toMatchObject({
      status: 'remediation-failed',
      reason: `VPC ${VPC} has enableDnsHostnames=false; private DNS needs both attributes on`,
    });
  });

  it('an open endpoint policy and private DNS off: both fixed in one ModifyVpcEndpoint', async () => {
    const h = harness(endpointRules('remediate', 'remediate'));
    h.aws.addEndpoint({
      privateDnsEnabled: false,
      policyDocument: JSON.stringify({
        Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
      }),
    });
    const out = await processTrigger(endpointTrigger(), h.deps);
    expect(h.aws.writes).toHaveLength(1);
    const request = JSON.parse(h.aws.writes[0]!.body);
    expect(request.privateDnsEnabled).toBe(true);
    expect(JSON.parse(request.policyDocument).Statement.at(-1)).toMatchObject({
      Sid: 'KmsPerimeterGuardDenyExternalPrincipals',
    });
    expect(out.resources[0]?.rules.map((r) => r.status)).toEqual(['remediated', 'remediated']);
  });

  it('alert mode and dryRun write nothing', async () => {
    for (const cfg of [endpointRules('alert', 'alert'), endpointRules('remediate', 'remediate', true)]) {
      const h = harness(cfg);
      h.aws.addEndpoint({ privateDnsEnabled: false });
      await processTrigger(endpointTrigger(), h.deps);
      expect(h.aws.writes).toEqual([]);
      expect(checkAlert(h.alerts[0]!).status).toBe(cfg.dryRun ? 'dry-run' : 'alerted');
    }
  });

  it('an endpoint of another service is skipped after the re-read', async () => {
    const h = harness(endpointRules('remediate', 'remediate'));
    h.aws.addEndpoint({
      serviceName: 'com.amazonaws.us-east-1.s3',
      vpcEndpointType: 'Gateway',
      privateDnsEnabled: false,
    });
    const out = await processTrigger(endpointTrigger(), h.deps);
    expect(out.resources[0]?.status).toBe('skipped');
    expect(h.aws.writes).toEqual([]);
    expect(h.alerts).toEqual([]);
  });

  it('a deleted endpoint ends quietly', async () => {
    const h = harness(endpointRules('remediate', 'remediate'));
    const out = await processTrigger(endpointTrigger(), h.deps);
    expect(out.resources[0]?.status).toBe('gone');
  });
});

describe('errors', () => {
  it('throttling still failing after the adapters’ budget is thrown (Lambda retries the event)', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(policyText(ROOT, PARTNER));
    h.aws.faults.set('GetKeyPolicy', { code: 'ThrottlingException', classification: 'throttling' });
    await expect(processTrigger(keyTrigger(), h.deps)).rejects.toMatchObject({
      code: 'ThrottlingException',
      retryable: true,
    });
    expect(h.aws.writes).toEqual([]);
  });

  it('AccessDenied is a permanent error: alert with the code, no throw', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(policyText(ROOT, PARTNER));
    h.aws.faults.set('GetKeyPolicy', { code: 'AccessDeniedException', classification: 'access-denied' });
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(out.resources[0]?.status).toBe('error');
    expect(checkAlert(h.alerts[0]!)).toMatchObject({
      kind: 'error',
      stage: 'read',
      code: 'AccessDeniedException',
      resource: { id: KEY_ID },
    });
  });

  it('KMS LimitExceededException on PutKeyPolicy is not retried and is reported', async () => {
    const h = harness(externalOnly('remediate'));
    h.aws.addKey(policyText(ROOT, PARTNER));
    h.aws.faults.set('PutKeyPolicy', { code: 'LimitExceededException', classification: 'permanent' });
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(h.aws.count('PutKeyPolicy')).toBe(1);
    expect(out.resources[0]?.rules.find((r) => r.rule === 'key-no-external-principals')).toMatchObject({
      status: 'remediation-failed',
      reason: expect.stringMatching(/LimitExceededException/),
    });
    expect(h.metrics).toContainEqual({
      name: 'RemediationsFailed',
      value: 1,
      rule: 'key-no-external-principals',
    });
  });

  it('a member role that cannot be assumed: alert naming the role', async () => {
    const roleArn = `arn:aws:iam::${'444455556666'}:role/KmsPerimeterGuardMember`;
    const h = harness(externalOnly('remediate'), {
      portError: new RoleAssumptionError({
        account: '444455556666',
        roleArn,
        reason: 'access-denied',
        message: `cannot assume ${roleArn}: AccessDenied`,
      }),
    });
    const out = await processTrigger(keyTrigger('PutKeyPolicy', '444455556666'), h.deps);
    expect(out.resources[0]?.status).toBe('error');
    const doc = checkAlert(h.alerts[0]!);
    expect(doc).toMatchObject({ kind: 'error', stage: 'assume-role', account: '444455556666' });
    expect(String(doc.message)).toContain(roleArn);
  });

  it('an SNS failure is logged and counted, never thrown (the remediation stands)', async () => {
    const h = harness(externalOnly('remediate'), { notifyError: new Error('SNS down') });
    h.aws.addKey(policyText(ROOT, PARTNER));
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(h.aws.writes).toHaveLength(1);
    expect(out.alertsFailed).toBe(1);
    expect(h.metrics).toContainEqual({ name: 'AlertsFailed', value: 1 });
    expect(h.logs.some((l) => l.level === 'error' && /alerts could not be published/.test(l.message))).toBe(
      true,
    );
  });
});

describe('reads a rule declares', () => {
  it('are made only when the rule is enabled and applies to the key; the rule judges what was read', async () => {
    const off = harness();
    off.aws.addKey(policyText(ROOT));
    await processTrigger(keyTrigger(), off.deps);
    // key-rotation-enabled is off by default: no GetKeyRotationStatus.
    expect(off.aws.count('ReadKeyState:rotation')).toBe(0);

    const on = harness({ rules: { 'key-rotation-enabled': 'alert' } });
    on.aws.addKey(policyText(ROOT), { keySpec: 'SYMMETRIC_DEFAULT', origin: 'AWS_KMS' }).state = {
      rotation: { enabled: false },
    };
    const out = await processTrigger(keyTrigger(), on.deps);
    expect(on.aws.count('ReadKeyState:rotation')).toBe(1);
    expect(out.resources[0]?.rules).toContainEqual({ rule: 'key-rotation-enabled', status: 'alerted' });

    const asymmetric = harness({ rules: { 'key-rotation-enabled': 'alert' } });
    asymmetric.aws.addKey(policyText(ROOT), { keySpec: 'RSA_2048' });
    const skipped = await processTrigger(keyTrigger(), asymmetric.deps);
    expect(asymmetric.aws.count('ReadKeyState:rotation')).toBe(0);
    expect(skipped.resources[0]?.rules).toContainEqual({
      rule: 'key-rotation-enabled',
      status: 'not-applicable',
    });
  });
});
