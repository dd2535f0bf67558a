// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables (`${aws:username}`) are plain strings here
/**
 * SPEC.md §2, bullet by bullet: each case is named after the sentence it checks and asserts the
 * verdict that sentence implies (derived from the SPEC text, not from the implementation).
 */
import { describe, expect, it } from 'vitest';
import { readInputText } from '../../functions/cli/inputs.js';
import { parseConfig } from '../../functions/config/load.js';
import type { GuardConfigInput } from '../../functions/config/schema.js';
import { judge } from '../../functions/engine/judge.js';
import { evaluate } from '../../functions/policy/evaluate.js';
import { parsePolicy, parsePolicyText } from '../../functions/policy/parse.js';
import type { Finding, Resource, RuleId } from '../../functions/rules/types.js';

const T = '111122223333';
const X = '444455556666';
const ORG = 'o-a1b2c3d4e5';
const VPCE = 'vpce-0a1b2c3d4e5f6a7b8';
const OTHER_VPCE = 'vpce-0fffffffffffffff0';
const KEY_ARN = `arn:aws:kms:us-east-1:${T}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const CRYPTO = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

const ROOT = {
  Sid: 'Root',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${T}:root` },
  Action: 'kms:*',
  Resource: '*',
};
type Stmt = Record<string, unknown>;
const allow = (principal: unknown, extra: Stmt = {}): Stmt => ({
  Effect: 'Allow',
  Principal: principal,
  Action: 'kms:*',
  Resource: '*',
  ...extra,
});
const deny = (extra: Stmt): Stmt => ({
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:*',
  Resource: '*',
  ...extra,
});
const doc = (...statements: Stmt[]) => ({ Version: '2012-10-17', Statement: [ROOT, ...statements] });

function run(
  policy: unknown,
  rule: RuleId,
  config: Partial<GuardConfigInput> = {},
): { status: string; finding?: Finding } {
  const cfg = parseConfig(
    { trust: { accounts: [T], organizationIds: [ORG] }, network: { vpceIds: [VPCE] }, ...config },
    'spec-test',
  );
  const parsed = parsePolicy(policy);
  if (!parsed.ok) throw new Error(`does not parse: ${JSON.stringify(parsed.issues)}`);
  const resource: Resource = rule.startsWith('endpoint')
    ? {
        type: 'vpc-endpoint',
        id: 'vpce-0123456789abcdef0',
        serviceName: 'com.amazonaws.us-east-1.kms',
        vpcEndpointType: 'Interface',
        policy: parsed.value,
      }
    : { type: 'kms-key', id: 'k', arn: KEY_ARN, keyManager: 'CUSTOMER', policy: parsed.value };
  const result = judge(resource, cfg).results.find((r) => r.rule === rule);
  if (!result) throw new Error(`${rule} not judged`);
  const finding = result.findings[0];
  // A witness must be a request the independent evaluator allows.
  if (finding?.witness && finding.proof === 'witness')
    expect(evaluate(parsed.value, finding.witness).decision).toBe('allow');
  return { status: result.status, ...(finding ? { finding } : {}) };
}

const external = (policy: unknown, config?: Partial<GuardConfigInput>) =>
  run(policy, 'key-no-external-principals', config);
const offNetwork = (policy: unknown, config?: Partial<GuardConfigInput>) =>
  run(policy, 'key-crypto-via-vpce', config);
const witnessAccount = (f?: Finding) =>
  (f?.witness?.context['aws:PrincipalAccount'] as string | undefined) ?? undefined;

describe('SPEC §2 evaluation: "allowed iff some Allow matches and no Deny matches"', () => {
  it('an Allow to another account is a finding; with no Allow nothing is allowed', () => {
    expect(external(doc(allow({ AWS: X }))).status).toBe('finding');
    expect(external({ Statement: [deny({})] }).status).toBe('compliant');
  });
});

describe('SPEC §2 "a statement matches iff principal, action, resource and every condition match"', () => {
  it('"Action ... `*` and `?` wildcards, case-insensitive"', () => {
    const r = external(doc(allow({ AWS: X }, { Action: 'KMS:?ECRYPT' })));
    expect(r.status).toBe('finding');
    expect(r.finding?.witness?.action.toLowerCase()).toBe('kms:decrypt');
  });
  it('"NotAction": everything but the listed actions is granted', () => {
    const r = external(
      doc({ Effect: 'Allow', Principal: { AWS: X }, NotAction: 'kms:Decrypt', Resource: '*' }),
    );
    expect(r.status).toBe('finding');
    expect(r.finding?.witness?.action).not.toBe('kms:Decrypt');
  });
  it('"Resource"/"NotResource": a grant on another key, or NotResource "*", grants nothing on this key', () => {
    expect(
      external(doc(allow({ AWS: X }, { Resource: `arn:aws:kms:us-east-1:${T}:key/other` }))).status,
    ).toBe('compliant');
    expect(
      external(doc({ Effect: 'Allow', Principal: { AWS: X }, Action: 'kms:*', NotResource: '*' })).status,
    ).toBe('compliant');
    expect(external(doc(allow({ AWS: X }, { Resource: 'arn:aws:kms:*' }))).status).toBe('finding');
  });
});

describe('SPEC §2 conditions', () => {
  it('"operators are ANDed" and "keys inside an operator are ANDed"', () => {
    expect(
      external(
        doc(
          allow('*', {
            Condition: {
              StringEquals: { 'aws:PrincipalOrgID': ORG },
              StringLike: { 'kms:ViaService': 's3.*' },
            },
          }),
        ),
      ).status,
    ).toBe('compliant');
    expect(
      external(
        doc(
          allow('*', { Condition: { StringEquals: { 'aws:PrincipalAccount': T, 'kms:ViaService': 'x' } } }),
        ),
      ).status,
    ).toBe('compliant');
  });
  it('"values of one key are ORed for positive operators"', () => {
    const r = external(doc(allow('*', { Condition: { StringEquals: { 'aws:PrincipalAccount': [T, X] } } })));
    expect(r.status).toBe('finding');
    expect(witnessAccount(r.finding)).toBe(X);
  });
  it('"... and NORed for negated ones": Deny StringNotEquals [T, X] denies every other account but lets X through', () => {
    const r = external(
      doc(allow('*'), deny({ Condition: { StringNotEquals: { 'aws:PrincipalAccount': [T, X] } } })),
    );
    expect(r.status).toBe('finding');
    expect(witnessAccount(r.finding)).toBe(X);
  });
  it('"condition key names are case-insensitive"', () => {
    expect(
      external(doc(allow('*', { Condition: { StringEquals: { 'AWS:principalACCOUNT': T } } }))).status,
    ).toBe('compliant');
  });
  it('"operator names are not" case-insensitive: a misspelt operator is an input error with its JSON path', () => {
    const parsed = parsePolicy(
      doc(allow('*', { Condition: { stringequals: { 'aws:PrincipalAccount': T } } })),
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues[0]?.path).toBe('Statement[1].Condition.stringequals');
  });
  it('"a key absent from the request makes a positive operator false": IAM principals carry no aws:SourceAccount', () => {
    expect(
      external(doc(allow('*', { Condition: { StringEquals: { 'aws:SourceAccount': T } } }))).status,
    ).toBe('compliant');
  });
  it('"... and a negated operator true": StringNotEquals on the org admits principals in no organization', () => {
    const r = external(
      doc(allow('*', { Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' } } })),
    );
    expect(r.status).toBe('finding');
  });
  it('"...IfExists makes the condition true when the key is absent"', () => {
    const r = external(
      doc(allow('*', { Condition: { StringEqualsIfExists: { 'aws:PrincipalOrgID': ORG } } })),
    );
    expect(r.status).toBe('finding');
    expect(r.finding?.witness?.context).not.toHaveProperty('aws:PrincipalOrgID');
  });
  it('"ForAllValues: is true when the key is absent, ForAnyValue: is false"', () => {
    expect(
      external(
        doc(
          allow('*', { Condition: { 'ForAllValues:StringLike': { 'aws:PrincipalOrgPaths': `${ORG}/*` } } }),
        ),
      ).status,
    ).toBe('finding');
    expect(
      external(
        doc(allow('*', { Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': `${ORG}/*` } } })),
      ).status,
    ).toBe('compliant');
  });
  it('"Null tests presence"', () => {
    expect(external(doc(allow('*', { Condition: { Null: { 'aws:PrincipalOrgID': 'true' } } }))).status).toBe(
      'finding',
    );
    expect(
      external(
        doc(
          allow('*', {
            Condition: {
              Null: { 'aws:PrincipalOrgID': 'false' },
              StringEquals: { 'aws:PrincipalOrgID': ORG },
            },
          }),
        ),
      ).status,
    ).toBe('compliant');
  });
  it('"Bool": only AWS service principals, with no account named, is not external access', () => {
    expect(
      external(doc(allow('*', { Condition: { Bool: { 'aws:PrincipalIsAWSService': 'true' } } }))).status,
    ).toBe('compliant');
  });
  it('"Arn*": ArnLike bounded to the own account is compliant; an account wildcard is not', () => {
    expect(
      external(
        doc(allow('*', { Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${T}:role/*` } } })),
      ).status,
    ).toBe('compliant');
    expect(
      external(
        doc(allow('*', { Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/admin' } } })),
      ).status,
    ).toBe('finding');
  });
  it('"String* (incl. IgnoreCase, Like with * / ?)"', () => {
    expect(
      external(doc(allow('*', { Condition: { StringLike: { 'aws:PrincipalAccount': '1111222233?3' } } })))
        .status,
    ).toBe('finding');
    expect(
      external(
        doc(
          allow('*', { Condition: { StringEqualsIgnoreCase: { 'aws:PrincipalOrgID': ORG.toUpperCase() } } }),
        ),
      ).status,
    ).toBe('compliant');
  });
  it('"Numeric*", "Date*", "IpAddress" as AWS documents them: satisfiable conditions do not bound the principal', () => {
    expect(
      external(
        doc(allow({ AWS: X }, { Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } } })),
      ).status,
    ).toBe('finding');
    expect(
      external(
        doc(
          allow(
            { AWS: X },
            { Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } },
          ),
        ),
      ).status,
    ).toBe('finding');
    expect(
      external(doc(allow({ AWS: X }, { Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } })))
        .status,
    ).toBe('finding');
  });
});

describe('SPEC §2 shapes', () => {
  it('"Statement may be one object or a list"', () => {
    expect(external({ Version: '2012-10-17', Statement: allow({ AWS: X }) }).status).toBe('finding');
    expect(external({ Version: '2012-10-17', Statement: ROOT }).status).toBe('compliant');
  });
  it('"Principal may be "*", {"AWS": ...}: "*" and {"AWS":"*"} mean the same"', () => {
    const a = external(doc(allow('*')));
    const b = external(doc(allow({ AWS: '*' })));
    expect(a.status).toBe('finding');
    expect(b.status).toBe('finding');
    expect(witnessAccount(a.finding)).toBe(witnessAccount(b.finding));
  });
  it('a 12-digit account id and arn:aws:iam::<acct>:root name the same account', () => {
    expect(witnessAccount(external(doc(allow({ AWS: X }))).finding)).toBe(X);
    expect(witnessAccount(external(doc(allow({ AWS: `arn:aws:iam::${X}:root` }))).finding)).toBe(X);
    expect(external(doc(allow({ AWS: T }))).status).toBe('compliant');
  });
  it('role, user and assumed-role ARNs of another account are external', () => {
    for (const arn of [
      `arn:aws:iam::${X}:role/app`,
      `arn:aws:iam::${X}:user/bob`,
      `arn:aws:sts::${X}:assumed-role/app/session`,
    ]) {
      expect(external(doc(allow({ AWS: arn }))).status, arn).toBe('finding');
    }
  });
  it('{"Service": ...}: an unconditioned service grant is not external; one for a named untrusted account is', () => {
    expect(external(doc(allow({ Service: 'logs.us-east-1.amazonaws.com' }))).status).toBe('compliant');
    const r = external(
      doc(
        allow(
          { Service: 'logs.us-east-1.amazonaws.com' },
          { Condition: { StringEquals: { 'aws:SourceAccount': X } } },
        ),
      ),
    );
    expect(r.status).toBe('finding');
    expect(r.finding?.witness?.principal).toEqual({ Service: 'logs.us-east-1.amazonaws.com' });
    expect(
      external(
        doc(
          allow(
            { Service: 'logs.us-east-1.amazonaws.com' },
            { Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:logs:*:${X}:*` } } },
          ),
        ),
      ).status,
    ).toBe('finding');
  });
  it('a GetKeyPolicy response and an EC2 PolicyDocument are policies held as JSON text', () => {
    const text = JSON.stringify(doc(allow({ AWS: X })));
    const key = readInputText('k.json', JSON.stringify({ Policy: text }));
    expect(key.resources[0]?.type).toBe('kms-key');
    const endpoint = readInputText(
      'e.json',
      JSON.stringify({ VpcEndpointId: 'vpce-0123456789abcdef0', PolicyDocument: text }),
    );
    expect(endpoint.resources[0]?.type).toBe('vpc-endpoint');
    expect(parsePolicyText(text).ok).toBe(true);
  });
});

describe('SPEC §2 request model', () => {
  it('"kms:CallerAccount (same account)" bounds the principal like aws:PrincipalAccount', () => {
    expect(
      external(doc(allow('*', { Condition: { StringEquals: { 'kms:CallerAccount': T } } }))).status,
    ).toBe('compliant');
    expect(
      witnessAccount(
        external(doc(allow('*', { Condition: { StringEquals: { 'kms:CallerAccount': X } } }))).finding,
      ),
    ).toBe(X);
  });
  it('"there is no anonymous caller": the witness is always a signed principal of some account', () => {
    const w = external(doc(allow('*'))).finding?.witness;
    expect(w?.principal).toHaveProperty('AWS');
    expect(witnessAccount(external(doc(allow('*'))).finding)).toMatch(/^\d{12}$/);
  });
});

describe('SPEC §2 consequences the analyzer must get right', () => {
  it('"a Deny counts: Allow * cancelled by Deny * unless aws:PrincipalAccount/OrgID is trusted is compliant"', () => {
    expect(
      external(doc(allow('*'), deny({ Condition: { StringNotEquals: { 'aws:PrincipalAccount': T } } })))
        .status,
    ).toBe('compliant');
    expect(
      external(doc(allow('*'), deny({ Condition: { StringNotEquals: { 'aws:PrincipalOrgID': ORG } } })))
        .status,
    ).toBe('compliant');
  });
  it('"a Deny that covers only some actions, or only some resources, is not"', () => {
    const some = external(
      doc(
        allow('*'),
        deny({ Action: 'kms:Decrypt', Condition: { StringNotEquals: { 'aws:PrincipalOrgID': ORG } } }),
      ),
    );
    expect(some.status).toBe('finding');
    expect(some.finding?.witness?.action).not.toBe('kms:Decrypt');
    expect(
      external(
        doc(
          allow('*'),
          deny({
            Resource: `arn:aws:kms:us-east-1:${T}:key/other`,
            Condition: { StringNotEquals: { 'aws:PrincipalOrgID': ORG } },
          }),
        ),
      ).status,
    ).toBe('finding');
  });
  it('"network keys, kms:ViaService, kms:GrantIsForAWSResource and aws:ResourceAccount do not bound who the principal is"', () => {
    for (const cond of [
      { StringEquals: { 'aws:SourceVpce': VPCE } },
      { StringEquals: { 'aws:SourceVpc': 'vpc-0a1b2c3d' } },
      { StringEquals: { 'aws:VpceAccount': T } },
      { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
      { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      { StringEquals: { 'aws:ResourceAccount': T } },
    ]) {
      expect(external(doc(allow('*', { Condition: cond }))).status, JSON.stringify(cond)).toBe('finding');
    }
  });
  it('"kms:CallerAccount, aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalOrgPaths and aws:PrincipalArn do, when every value they admit is trusted"', () => {
    for (const cond of [
      { StringEquals: { 'kms:CallerAccount': T } },
      { StringEquals: { 'aws:PrincipalAccount': T } },
      { StringEquals: { 'aws:PrincipalOrgID': ORG } },
      { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': `${ORG}/r-ab12/*` } },
      { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${T}:role/app` } },
    ]) {
      expect(external(doc(allow('*', { Condition: cond }))).status, JSON.stringify(cond)).toBe('compliant');
    }
  });
  it('"(a wildcard that admits an untrusted account does not)"', () => {
    expect(
      external(doc(allow('*', { Condition: { StringLike: { 'aws:PrincipalAccount': '*' } } }))).status,
    ).toBe('finding');
    expect(
      external(doc(allow('*', { Condition: { StringLike: { 'aws:PrincipalOrgID': 'o-*' } } }))).status,
    ).toBe('finding');
  });
  it('"IfExists on an identity key, ForAllValues: on an absent key, and Allow + NotPrincipal let external principals in"', () => {
    expect(
      external(doc(allow('*', { Condition: { StringEqualsIfExists: { 'aws:PrincipalAccount': T } } })))
        .status,
    ).toBe('compliant');
    expect(
      external(doc(allow('*', { Condition: { StringEqualsIfExists: { 'aws:PrincipalOrgID': ORG } } })))
        .status,
    ).toBe('finding');
    expect(
      external(doc(allow('*', { Condition: { 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': ORG } } })))
        .status,
    ).toBe('finding');
    expect(
      external(
        doc({
          Effect: 'Allow',
          NotPrincipal: { AWS: `arn:aws:iam::${T}:root` },
          Action: 'kms:*',
          Resource: '*',
        }),
      ).status,
    ).toBe('finding');
  });
  it('"unknown extra conditions ANDed with a sufficient bound do not"', () => {
    expect(
      external(
        doc(
          allow('*', {
            Condition: {
              StringEquals: { 'aws:PrincipalOrgID': ORG, 'kms:EncryptionContext:app': 'billing' },
            },
          }),
        ),
      ).status,
    ).toBe('compliant');
  });
});

describe('SPEC §2 off-network crypto requests (key-crypto-via-vpce)', () => {
  const vpceDeny = (extra: Stmt = {}) => ({
    Sid: 'DenyOffNetworkCrypto',
    Effect: 'Deny',
    Principal: '*',
    Action: CRYPTO,
    Resource: '*',
    Condition: { StringNotEqualsIfExists: { 'aws:SourceVpce': VPCE }, ...extra },
  });
  it('a key policy without a network bound allows crypto from anywhere, by trusted principals too', () => {
    const r = offNetwork(doc());
    expect(r.status).toBe('finding');
    expect(r.finding?.witness?.context).not.toHaveProperty('aws:SourceVpce');
    expect(
      ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'].concat([
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyPair',
        'kms:GenerateDataKeyPairWithoutPlaintext',
        'kms:GenerateDataKeyWithoutPlaintext',
      ]),
    ).toContain(r.finding?.witness?.action);
  });
  it('"a Deny with StringNotEquals aws:SourceVpce is one way"', () => {
    expect(offNetwork(doc(vpceDeny())).status).toBe('compliant');
  });
  it('"an Allow that itself requires an allowed endpoint is another"', () => {
    const policy = {
      Statement: [
        { ...ROOT, Action: ['kms:Describe*', 'kms:Put*'] },
        allow({ AWS: T }, { Action: CRYPTO, Condition: { StringEquals: { 'aws:SourceVpce': VPCE } } }),
      ],
    };
    expect(offNetwork(policy).status).toBe('compliant');
  });
  it('an endpoint that is not approved is still off-network', () => {
    const r = offNetwork(
      doc({ ...vpceDeny(), Condition: { StringNotEqualsIfExists: { 'aws:SourceVpce': OTHER_VPCE } } }),
    );
    expect(r.status).toBe('finding');
    expect(r.finding?.witness?.context['aws:SourceVpce']).toBe(OTHER_VPCE);
  });
  it('"denying more than required (for example also AWS-service calls) is compliant"', () => {
    expect(offNetwork(doc(vpceDeny())).status).toBe('compliant');
  });
  it('"Exempt: when network.allowAwsServiceCalls ... requests with aws:ViaAWSService or aws:PrincipalIsAWSService true"', () => {
    const withExceptions = doc(
      vpceDeny({ BoolIfExists: { 'aws:ViaAWSService': 'false', 'aws:PrincipalIsAWSService': 'false' } }),
    );
    expect(offNetwork(withExceptions).status).toBe('compliant');
    // Without the exemption, the service calls the Deny lets through are off-network crypto requests.
    const r = offNetwork(withExceptions, { network: { vpceIds: [VPCE], allowAwsServiceCalls: false } });
    expect(r.status).toBe('finding');
  });
  it('"requests by a principal whose ARN matches network.exemptPrincipalArns" are exempt', () => {
    const policy = doc(
      vpceDeny({
        ArnNotLikeIfExists: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/aws:ec2-infrastructure'] },
      }),
    );
    expect(offNetwork(policy).status).toBe('compliant');
    expect(offNetwork(policy, { network: { vpceIds: [VPCE], exemptPrincipalArns: [] } }).status).toBe(
      'finding',
    );
  });
  it('"or an allowed VPC (aws:SourceVpc in network.vpcIds)"', () => {
    const policy = doc({
      ...vpceDeny(),
      Condition: { StringNotEqualsIfExists: { 'aws:SourceVpc': 'vpc-0a1b2c3d' } },
    });
    expect(offNetwork(policy, { network: { vpceIds: [], vpcIds: ['vpc-0a1b2c3d'] } }).status).toBe(
      'compliant',
    );
    expect(offNetwork(policy).status).toBe('finding');
  });
  it('only network.cryptoActions count: a policy allowing only management actions off-network is compliant', () => {
    expect(
      offNetwork({
        Statement: [{ ...ROOT, Action: ['kms:Describe*', 'kms:PutKeyPolicy', 'kms:CreateGrant'] }],
      }).status,
    ).toBe('compliant');
  });
});

describe('SPEC §2 proof', () => {
  it('the witness has the documented shape, and absent context keys are omitted', () => {
    const w = external(doc(allow({ AWS: X }, { Action: 'kms:CreateGrant' }))).finding?.witness;
    expect(w).toEqual({
      principal: { AWS: `arn:aws:iam::${X}:root` },
      action: 'kms:CreateGrant',
      resource: expect.any(String),
      context: expect.objectContaining({ 'aws:PrincipalAccount': X }),
    });
    expect(w?.context).not.toHaveProperty('aws:PrincipalOrgID');
  });
  it('"where the analyzer cannot decide ... it reports the finding with proof unproven and names the construct"', () => {
    const r = external(
      doc(
        allow('*', {
          Condition: { StringEquals: { 'aws:PrincipalArn': 'arn:aws:iam::${aws:PrincipalAccount}:role/x' } },
        }),
      ),
    );
    expect(r.status).toBe('finding');
    expect(r.finding?.proof).toBe('unproven');
    expect(r.finding?.reason).toMatch(
      /policy variables .*Statement\[1\]\.Condition\.StringEquals\.aws:PrincipalArn/,
    );
  });
});

describe('malformed input is an error value naming the JSON path, never "compliant"', () => {
  it.each([
    ['{"Statement": [', '$', /JSON/],
    [JSON.stringify({ Statement: [{ ...ROOT, Effect: 'Permit' }] }), 'Statement[0].Effect', /Allow|Deny/],
    [
      JSON.stringify({
        Statement: [ROOT, ROOT, { ...ROOT, Condition: { StringEqual: { 'aws:PrincipalAccount': T } } }],
      }),
      'Statement[2].Condition.StringEqual',
      /operator/,
    ],
    [JSON.stringify({ Statement: [{ ...ROOT, Actions: 'kms:*' }] }), 'Statement[0].Actions', /unknown/],
    [JSON.stringify({ Statement: [{ ...ROOT, Action: 42 }] }), 'Statement[0].Action', /string/],
  ])('%s → %s', (text, path, message) => {
    const parsed = parsePolicyText(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      const issue = parsed.issues.find((i) => i.path === path);
      expect(issue, JSON.stringify(parsed.issues)).toBeDefined();
      expect(issue?.message).toMatch(message);
    }
  });
  it('a policy over 32 KB is refused, not judged in part', () => {
    const big = {
      Statement: Array.from({ length: 300 }, (_, i) => ({
        ...ROOT,
        Sid: `Statement${i}WithALongerNameToFillSpace`,
      })),
    };
    const parsed = parsePolicy(big);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues[0]?.message).toMatch(/32/);
  });
});

describe('SPEC §2 precisions and the witness contract', () => {
  const offlineKey = (policy: unknown) => {
    const cfg = parseConfig(
      { trust: { accounts: [T], organizationIds: [ORG] }, network: { vpceIds: [VPCE] } },
      't',
    );
    const parsed = parsePolicy(policy);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    return judge({ type: 'kms-key', id: 'offline', keyManager: 'CUSTOMER', policy: parsed.value }, cfg);
  };

  it('"kms:ViaService and aws:CalledVia are present exactly on requests an AWS service makes for the principal"', () => {
    // An Allow that needs both a direct call and kms:ViaService admits nobody.
    const impossible = doc(
      allow(
        { AWS: X },
        { Condition: { Bool: { 'aws:ViaAWSService': 'false' }, StringLike: { 'kms:ViaService': '*' } } },
      ),
    );
    expect(external(impossible).status).toBe('compliant');
    // Through a service it is access, and the witness carries the service it names.
    const viaS3 = doc(
      allow({ AWS: X }, { Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } }),
    );
    const { status, finding } = external(viaS3);
    expect(status).toBe('finding');
    expect(finding?.witness?.context).toMatchObject({
      'aws:ViaAWSService': 'true',
      'kms:ViaService': 's3.us-east-1.amazonaws.com',
    });
  });

  it('"aws:CurrentTime and aws:EpochTime range over now and later: an Allow that expired is not access"', () => {
    const expired = doc(
      allow({ AWS: X }, { Condition: { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } }),
    );
    expect(external(expired).status).toBe('compliant');
    const future = doc(
      allow({ AWS: X }, { Condition: { DateGreaterThan: { 'aws:EpochTime': '4102444800' } } }),
    );
    const { status, finding } = external(future);
    expect(status).toBe('finding');
    expect(Number(finding?.witness?.context['aws:EpochTime'])).toBeGreaterThan(4102444800);
  });

  it('"In a policy with Version 2008-10-17 or none, ${...} is a literal string"', () => {
    const withVariable = (version?: string) => ({
      ...(version ? { Version: version } : {}),
      Statement: [
        ROOT,
        allow('*', { Condition: { StringEquals: { 'aws:PrincipalArn': '${aws:username}' } } }),
      ],
    });
    // Literal: only a principal whose ARN is the text "${aws:username}" matches, and none can exist.
    expect(external(withVariable('2008-10-17')).status).toBe('compliant');
    expect(external(withVariable()).status).toBe('compliant');
    // A variable: the analyzer cannot resolve it statically and says so.
    expect(external(withVariable('2012-10-17')).finding?.proof).toBe('unproven');
  });

  it('"A principal with a partial wildcard (arn:aws:iam::*:root) is an input error"', () => {
    const parsed = parsePolicy(doc(allow({ AWS: 'arn:aws:iam::*:root' })));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues[0]).toMatchObject({ path: 'Statement[1].Principal.AWS' });
  });

  it('"the resource is a concrete key ARN ... arn:aws:kms:*:*:key/* covers every key"', () => {
    const guarded = doc(
      allow('*'),
      deny({
        Resource: 'arn:aws:kms:*:*:key/*',
        Condition: { StringNotEquals: { 'aws:PrincipalAccount': T } },
      }),
    );
    expect(offlineKey(guarded).results.find((r) => r.rule === 'key-no-external-principals')?.status).toBe(
      'compliant',
    );
    const partial = doc(
      allow('*'),
      deny({ Resource: 'arn:aws:kms:eu-*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': T } } }),
    );
    const f = offlineKey(partial).results.find((r) => r.rule === 'key-no-external-principals')?.findings[0];
    expect(f?.witness?.resource).toMatch(
      /^arn:aws:kms:(?!eu-)[a-z]+-[a-z]+-\d:\d{12}:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it('"the action is one a key policy governs", the most telling first', () => {
    const { finding } = external(
      doc(
        allow(
          { AWS: X },
          { Action: ['kms:ListKeys', 'kms:CreateKey', 'kms:Decrypt', 'kms:CancelKeyDeletion'] },
        ),
      ),
    );
    expect(finding?.witness?.action).toBe('kms:Decrypt');
    // Account-level actions alone give nobody access to a key.
    expect(
      external(
        doc(allow({ AWS: X }, { Action: ['kms:ListKeys', 'kms:CreateKey', 'kms:DescribeCustomKeyStores'] })),
      ).status,
    ).toBe('compliant');
  });

  it('"every id has AWS\'s format" in witnesses the analyzer makes up', () => {
    const { finding } = offNetwork(
      doc(
        allow(
          { AWS: T },
          {
            Condition: {
              StringLike: { 'aws:SourceVpce': 'vpce-0b*' },
              'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-x*' },
            },
          },
        ),
      ),
    );
    const vpce = finding?.witness?.context['aws:SourceVpce'];
    if (vpce !== undefined) expect(vpce).toMatch(/^vpce-[0-9a-f]{17}$/);
    const endpoint = run({ Statement: [allow('*')] }, 'endpoint-no-external-principals');
    expect(endpoint.finding?.witness?.context['aws:SourceVpce']).toBe('vpce-0123456789abcdef0');
    const org = external(
      doc(allow('*', { Condition: { StringLike: { 'aws:PrincipalOrgID': 'o-x*' } } })),
    ).finding;
    expect(org?.witness?.context['aws:PrincipalOrgID']).toMatch(/^o-[a-z0-9]{10,32}$/);
    expect(org?.witness?.context['aws:PrincipalAccount']).toMatch(/^\d{12}$/);
  });

  it('"statements lists every statement that grants the witnessed request class"', () => {
    const { finding } = external(
      doc(
        { ...allow({ AWS: X }), Sid: 'A' },
        { ...allow({ AWS: '888877776666' }, { Action: 'kms:DescribeKey' }), Sid: 'B' },
        { ...allow({ AWS: '777766665555' }), Sid: 'C' },
        { ...deny({ Principal: { AWS: '777766665555' } }), Sid: 'D' },
      ),
    );
    expect(finding?.statements).toEqual(['A', 'B']);
  });
});
