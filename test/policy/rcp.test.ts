/**
 * The RCP core: the grammar (parseRcpDocument), the statements the analysis adds (rcpDenies) and
 * the concrete check (rcpDenial), each on the AWS behaviour it models.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';
import { parsePolicy } from '../../functions/policy/parse.js';
import { type Rcp, rcpDenial, rcpDenies } from '../../functions/policy/rcp.js';
import { parseRcpDocument } from '../../functions/policy/rcp-parse.js';
import type { ConcreteRequest } from '../../functions/policy/types.js';
import { keyNoExternalPrincipals } from '../../functions/rules/key-no-external-principals.js';
import type { KeyResource } from '../../functions/rules/types.js';

const rcp = (statements: unknown[], name = 'p-test00001'): Rcp => {
  const r = parseRcpDocument(name, { Version: '2012-10-17', Statement: statements });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
};
const deny = (extra: Record<string, unknown> = {}) => ({
  Sid: 'D',
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:*',
  Resource: '*',
  ...extra,
});
const request = (over: Partial<ConcreteRequest> = {}): ConcreteRequest => ({
  principal: { AWS: 'arn:aws:iam::444455556666:role/partner' },
  action: 'kms:Decrypt',
  resource: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  context: {
    'aws:PrincipalAccount': '444455556666',
    'aws:PrincipalArn': 'arn:aws:iam::444455556666:role/partner',
  },
  ...over,
});

describe('parseRcpDocument: the RCP grammar', () => {
  it('RCPFullAWSAccess is recognised and denies nothing', () => {
    const full = parseRcpDocument(
      'p-RCPFullAWSAccess',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}',
    );
    expect(full.ok && full.value.fullAccess).toBe(true);
    if (full.ok) expect(rcpDenies([full.value])).toEqual([]);
  });

  it('an Allow with a condition is not full access: an error at its Effect', () => {
    const r = parseRcpDocument('x', {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: '*',
          Resource: '*',
          Condition: { Bool: { 'aws:SecureTransport': 'true' } },
        },
      ],
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain('Statement[0].Effect');
  });

  it('a missing Version is an error (RCPs must say 2012-10-17)', () => {
    const r = parseRcpDocument('x', { Statement: [deny()] });
    expect(!r.ok && r.issues[0]).toMatchObject({ path: 'Version' });
  });
});

describe('rcpDenies: what the analysis adds', () => {
  it('leaves out kms:RetireGrant, which RCPs never restrict, and expands the rest to KMS actions', () => {
    const [d] = rcpDenies([rcp([deny()])]);
    expect(d?.statement.action.patterns).toContain('kms:Decrypt');
    expect(d?.statement.action.patterns).not.toContain('kms:RetireGrant');
    expect(d).toMatchObject({ rcp: 'p-test00001', label: 'D' });
  });

  it('exempts service-linked roles with an extra negated condition on aws:PrincipalArn', () => {
    const [d] = rcpDenies([
      rcp([deny({ Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/x' } } })]),
    ]);
    const arnConditions = d?.statement.conditions.filter((c) => c.keyLower === 'aws:principalarn');
    expect(arnConditions?.map((c) => [c.operator, c.values])).toEqual([
      ['ArnNotLike', ['arn:aws:iam::*:role/x']],
      ['ArnNotLikeIfExists', ['arn:aws:iam::*:role/aws-service-role/*']],
    ]);
  });

  it('an RCP for other services only adds nothing', () => {
    expect(rcpDenies([rcp([deny({ Action: ['s3:*', 'sqs:SendMessage'] })])])).toEqual([]);
  });

  it('aws:ResourceTag conditions are decided by the key tags: false drops the statement, true drops the test', () => {
    const tagged = rcp([
      deny({
        Condition: {
          StringNotEqualsIfExists: {
            'aws:ResourceTag/dp:exclude': 'true',
            'aws:PrincipalOrgID': 'o-a1b2c3d4e5',
          },
        },
      }),
    ]);
    expect(rcpDenies([tagged], { 'dp:exclude': 'true' })).toEqual([]);
    const [kept] = rcpDenies([tagged], {});
    expect(kept?.statement.conditions.map((c) => c.key)).toEqual(['aws:PrincipalOrgID', 'aws:PrincipalArn']);
    expect(rcpDenies([tagged], { 'DP:Exclude': 'true' })).toEqual([]);
  });

  it('an aws:ResourceTag value with a policy variable depends on the request: kept for the analysis', () => {
    const [d] = rcpDenies(
      [
        rcp([
          deny({ Condition: { StringNotEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } } }),
        ]),
      ],
      { team: 'a' },
    );
    expect(d?.statement.conditions.map((c) => c.key)).toContain('aws:ResourceTag/team');
  });
});

describe('an RCP the analysis cannot add exactly', () => {
  const crowded = rcp([
    deny({
      Condition: {
        ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/a' },
        ArnNotLikeIfExists: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/b' },
        StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/c' },
        StringNotLikeIfExists: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/d' },
      },
    }),
  ]);
  it('is refused by rcpDenies, and the rule judges the key policy alone, saying so', () => {
    expect(() => rcpDenies([crowded])).toThrow(/service-linked-role exemption/);
    const policy = parsePolicy({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::444455556666:role/partner' },
          Action: 'kms:Decrypt',
          Resource: '*',
        },
      ],
    });
    if (!policy.ok) throw new Error('policy');
    const config = parseConfig({ trust: { accounts: ['111122223333'] } }, 'test');
    const key: KeyResource = {
      type: 'kms-key',
      id: 'k',
      keyManager: 'CUSTOMER',
      policy: policy.value,
      rcps: [crowded],
    };
    const [finding] = keyNoExternalPrincipals.check(key, { config });
    expect(finding?.message).toContain('the RCPs could not be added to the analysis');
  });
});

describe('rcpDenial: the concrete check on the RCP as written', () => {
  const identity = rcp([
    deny({ Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }),
  ]);
  it('names the RCP and statement that deny an outside role', () => {
    expect(rcpDenial([identity], request())).toEqual({ rcp: 'p-test00001', statement: 'D' });
  });
  it('kms:RetireGrant and service-linked roles pass', () => {
    expect(rcpDenial([identity], request({ action: 'kms:RetireGrant' }))).toBeUndefined();
    const slr =
      'arn:aws:iam::444455556666:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';
    expect(
      rcpDenial([identity], request({ principal: { AWS: slr }, context: { 'aws:PrincipalArn': slr } })),
    ).toBeUndefined();
  });
  it('the key tags replace whatever aws:ResourceTag the request carried', () => {
    const tagged = rcp([
      deny({ Condition: { StringNotEqualsIfExists: { 'aws:ResourceTag/dp:exclude': 'true' } } }),
    ]);
    const claimsTag = request({ context: { ...request().context, 'aws:ResourceTag/dp:exclude': 'true' } });
    expect(rcpDenial([tagged], claimsTag, {})).toBeDefined();
    expect(rcpDenial([tagged], request(), { 'dp:exclude': 'true' })).toBeUndefined();
  });
});
