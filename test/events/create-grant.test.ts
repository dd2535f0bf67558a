/**
 * CreateGrant (access-surface issue, item 1): a grant gives access the key policy does not show, so
 * each successful CreateGrant has the guard list the key's grants again and judge them
 * (key-no-external-grantees); in remediate mode a grant to an untrusted account is revoked after
 * it is listed again.
 */
import { describe, expect, it } from 'vitest';
import { processEvent } from '../../functions/engine/pipeline.js';
import { parseTrigger } from '../../functions/events/triggers.js';
import type { KeyGrant } from '../../functions/rules/reads.js';
import { matchesPattern } from '../../infra/eventbridge-pattern.js';
import { harness, KEY_ID, OTHER, OWN, policyText, ROOT } from '../engine/fake-aws.js';
import { fixtureRecord, type Json, kmsEnvelope, patterns } from './kms-fixtures.js';

const record = () => fixtureRecord('kms-CreateGrant-awsdocs.json');
const envelope = (detail: Json) =>
  kmsEnvelope(detail, { account: OWN, region: 'us-west-2', time: '2023-02-07T00:07:18Z' });
const KEY_ARN_WEST = `arn:aws:kms:us-west-2:${OWN}:key/${KEY_ID}`;
const OUTSIDE: KeyGrant = {
  grantId: 'a'.repeat(64),
  granteePrincipal: `arn:aws:iam::${OTHER}:role/partner`,
  operations: ['Decrypt', 'Encrypt'],
};
const SERVICE: KeyGrant = {
  grantId: 'b'.repeat(64),
  granteePrincipal: 'tlsconnectionmanager.amazonaws.com',
  retiringPrincipal: 'acm.us-west-2.amazonaws.com',
  operations: ['Decrypt'],
};
const TRUST_ACCOUNTS = { trust: { accounts: [OWN], organizationIds: [] } };
const ONLY_GRANTS = {
  'key-no-external-principals': 'off',
  'key-crypto-via-vpce': 'off',
  'key-sourceip-ineffective': 'off',
} as const;

function withKey(rules: Record<string, string>, grants: KeyGrant[]) {
  const h = harness({ ...TRUST_ACCOUNTS, rules: { ...ONLY_GRANTS, ...rules } });
  const key = h.aws.addKey(policyText(ROOT), { arn: KEY_ARN_WEST, region: 'us-west-2' });
  key.state = { grants };
  return { h, key };
}

describe('CreateGrant', () => {
  it('the documented record is a key trigger for the key it names', () => {
    for (const event of [record(), envelope(record())]) {
      expect(parseTrigger(event)).toMatchObject({
        kind: 'trigger',
        trigger: {
          family: 'key',
          eventName: 'CreateGrant',
          account: OWN,
          region: 'us-west-2',
          keyRef: { kind: 'arn', value: KEY_ARN_WEST },
        },
      });
    }
  });

  it('the key-events rule delivers successful CreateGrant calls only', () => {
    expect(matchesPattern(patterns.keyEvents, envelope(record()))).toBe(true);
    expect(
      matchesPattern(patterns.keyEvents, envelope({ ...record(), errorCode: 'AccessDeniedException' })),
    ).toBe(false);
  });

  it('alert mode: the grants are listed and the outside grant alerted by id; nothing is revoked', async () => {
    const { h } = withKey({}, [SERVICE, OUTSIDE]);
    const out = await processEvent(envelope(record()), 'key', h.deps);
    expect(out.kind).toBe('processed');
    if (out.kind !== 'processed') return;
    const resource = out.resources[0];
    expect(resource?.rules).toContainEqual({ rule: 'key-no-external-grantees', status: 'alerted' });
    expect(h.aws.calls.filter((c) => c.op === 'ReadKeyState:grants')).toHaveLength(1);
    expect(h.aws.writes).toEqual([]);
    const findings = resource?.verdict?.results.find((r) => r.rule === 'key-no-external-grantees')?.findings;
    expect(findings?.map((f) => f.grant?.grantId)).toEqual([OUTSIDE.grantId]);
    expect(findings?.[0]?.message).toContain(`grant ${OUTSIDE.grantId}`);
  });

  it('remediate mode: the outside grant is listed again, then revoked; the service grant is kept', async () => {
    const { h, key } = withKey({ 'key-no-external-grantees': 'remediate' }, [SERVICE, OUTSIDE]);
    const out = await processEvent(envelope(record()), 'key', h.deps);
    if (out.kind !== 'processed') throw new Error(out.kind);
    expect(out.resources[0]?.rules).toContainEqual({
      rule: 'key-no-external-grantees',
      status: 'remediated',
    });
    expect(h.aws.writes).toEqual([{ op: 'RevokeGrant', id: KEY_ID, body: OUTSIDE.grantId }]);
    expect(key.state?.grants).toEqual([SERVICE]);
    // Listed to judge, listed again right before revoking; the key policy is never written.
    expect(h.aws.calls.filter((c) => c.op === 'ReadKeyState:grants')).toHaveLength(2);
    expect(h.aws.calls.some((c) => c.op === 'PutKeyPolicy')).toBe(false);
  });

  it('a grant retired between judging and revoking is not revoked, and the refusal says why', async () => {
    const { h, key } = withKey({ 'key-no-external-grantees': 'remediate' }, [OUTSIDE]);
    let listed = 0;
    h.aws.before.set('ReadKeyState:grants', () => {
      listed++;
      if (listed === 2) key.state = { grants: [] };
    });
    const out = await processEvent(envelope(record()), 'key', h.deps);
    if (out.kind !== 'processed') throw new Error(out.kind);
    const rule = out.resources[0]?.rules.find((r) => r.rule === 'key-no-external-grantees');
    expect(rule?.status).toBe('remediation-failed');
    expect(rule?.reason).toContain('is no longer there');
    expect(h.aws.writes).toEqual([]);
  });

  it('dry run: the revocation is reported, not made', async () => {
    const { h } = withKey({ 'key-no-external-grantees': 'remediate' }, [OUTSIDE]);
    h.deps.config = { ...h.deps.config, dryRun: true };
    const out = await processEvent(envelope(record()), 'key', h.deps);
    if (out.kind !== 'processed') throw new Error(out.kind);
    expect(out.resources[0]?.rules).toContainEqual({ rule: 'key-no-external-grantees', status: 'dry-run' });
    expect(h.aws.writes).toEqual([]);
  });

  it('a RevokeGrant that KMS refuses is reported with its error, and the policy change of the same write is not attempted', async () => {
    const { h } = withKey(
      { 'key-no-external-grantees': 'remediate', 'key-no-external-principals': 'remediate' },
      [OUTSIDE],
    );
    h.aws.keys.get(KEY_ID)!.policy = policyText(ROOT, {
      Sid: 'Partner',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
      Action: 'kms:Decrypt',
      Resource: '*',
    });
    h.aws.faults.set('RevokeGrant', { code: 'DependencyTimeoutException', classification: 'permanent' });
    const out = await processEvent(envelope(record()), 'key', h.deps);
    if (out.kind !== 'processed') throw new Error(out.kind);
    const rules = out.resources[0]?.rules ?? [];
    expect(rules.find((r) => r.rule === 'key-no-external-grantees')?.reason).toContain('RevokeGrant failed');
    expect(rules.find((r) => r.rule === 'key-no-external-principals')?.reason).toContain(
      'not attempted: RevokeGrant failed first',
    );
    expect(h.aws.writes).toEqual([]);
  });

  it('a PutKeyPolicy event does not list grants (it cannot change them): the rule is not-read, not compliant', async () => {
    const { h } = withKey({}, [OUTSIDE]);
    const put = {
      ...record(),
      eventName: 'PutKeyPolicy',
      requestParameters: { keyId: KEY_ARN_WEST, policyName: 'default', policy: policyText(ROOT) },
      responseElements: { keyId: KEY_ARN_WEST },
    };
    const out = await processEvent(envelope(put), 'key', h.deps);
    if (out.kind !== 'processed') throw new Error(out.kind);
    expect(h.aws.calls.map((c) => c.op).sort()).toEqual(['DescribeKey', 'GetKeyPolicy', 'ListResourceTags']);
    const result = out.resources[0]?.verdict?.results.find((r) => r.rule === 'key-no-external-grantees');
    expect(result).toMatchObject({ status: 'not-read', unread: ['grants'], findings: [] });
    expect(h.alerts).toEqual([]);
  });
});
