/**
 * key-crypto-via-vpce approving by endpoint owner and VPC ARN (issue 12, item 4): network.vpceAccounts,
 * vpceOrgIds, vpceOrgPaths and vpcArns. The guard Deny they write, the prover accepting it (and
 * refusing one that would cut approved traffic off), guard ownership across configuration changes,
 * and a differential property over generated policies: every witness is allowed by the concrete
 * evaluator, is off-network and is a request AWS can send; a compliant verdict holds on sampled
 * requests; after the planned Deny no off-network request is allowed and approved ones still are.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';
import type { GuardConfig, GuardConfigInput } from '../../functions/config/schema.js';
import { judge } from '../../functions/engine/judge.js';
import { planRemediations, provePlanSafe } from '../../functions/engine/remediation.js';
import { evaluate } from '../../functions/policy/evaluate.js';
import { parsePolicy } from '../../functions/policy/parse.js';
import type { ConcreteRequest } from '../../functions/policy/types.js';
import { denyOffNetworkCrypto, hasApprovedNetwork } from '../../functions/rules/guard-statements.js';
import type { KeyResource } from '../../functions/rules/types.js';
import { SEED } from '../policy/generators.js';

const T = '111122223333';
const X = '444455556666';
const ORG = 'o-a1b2c3d4e5';
const OTHER_ORG = 'o-otherorg123';
const OU = `${ORG}/r-ab12/ou-ab12-11111111/`;
const CHILD_OU = `${OU}ou-ab12-22222222/`;
const VPCE = 'vpce-0a1b2c3d4e5f6a7b8';
const OTHER_VPCE = 'vpce-0fffffffffffffff0';
const VPC = 'vpc-0a1b2c3d4e5f6a7b8';
const OTHER_VPC = 'vpc-0123456789abcdef0';
const KEY_ARN = `arn:aws:kms:us-east-1:${T}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const RULE = 'key-crypto-via-vpce';

function configOf(network: GuardConfigInput['network']): GuardConfig {
  return parseConfig(
    {
      trust: { accounts: [T], organizationIds: [ORG] },
      network: { vpceIds: [], ...network },
      rules: { [RULE]: 'remediate', 'key-no-external-principals': 'off', 'key-sourceip-ineffective': 'off' },
    },
    'vpce-owner-test',
  );
}

function keyOf(doc: unknown): KeyResource {
  const parsed = parsePolicy(doc, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!parsed.ok) throw new Error(`policy does not parse: ${JSON.stringify(parsed.issues)}`);
  return {
    type: 'kms-key',
    id: 'k',
    arn: KEY_ARN,
    account: T,
    region: 'us-east-1',
    keyManager: 'CUSTOMER',
    policy: parsed.value,
  };
}

const ROOT = {
  Sid: 'Root',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${T}:root` },
  Action: 'kms:*',
  Resource: '*',
};

function planOf(key: KeyResource, config: GuardConfig) {
  const d = planRemediations(judge(key, config), config).find((x) => x.rule === RULE);
  if (d?.status !== 'planned')
    throw new Error(`not planned: ${d === undefined ? 'no decision' : JSON.stringify(d)}`);
  if (d.plan.kind !== 'put-key-policy') throw new Error('not a key policy change');
  return d.plan;
}

describe('the guard Deny approves by owner', () => {
  it('network.vpceOrgIds alone: one aws:VpceOrgID condition instead of a list of endpoint ids', () => {
    const guard = denyOffNetworkCrypto(configOf({ vpceOrgIds: [ORG] }));
    expect(guard?.Condition).toEqual({
      StringNotEqualsIfExists: { 'aws:VpceOrgID': [ORG] },
      BoolIfExists: { 'aws:ViaAWSService': 'false', 'aws:PrincipalIsAWSService': 'false' },
      ArnNotLikeIfExists: {
        'aws:PrincipalArn': [
          'arn:aws:iam::*:role/aws:ec2-infrastructure',
          'arn:aws:iam::*:role/aws-service-role/*',
        ],
      },
    });
  });

  it('every approval in one Deny: string keys ANDed, org paths as ForAllValues:StringNotLike, VPC ARNs beside the exempt ARNs', () => {
    const arn = `arn:aws:ec2:*:${T}:vpc/*`;
    const guard = denyOffNetworkCrypto(
      configOf({
        vpceIds: [VPCE],
        vpceAccounts: [X],
        vpceOrgIds: [ORG],
        vpceOrgPaths: [`${OU}*`],
        vpcArns: [arn],
      }),
    );
    expect(guard?.Condition).toMatchObject({
      StringNotEqualsIfExists: { 'aws:SourceVpce': [VPCE], 'aws:VpceAccount': [X], 'aws:VpceOrgID': [ORG] },
      'ForAllValues:StringNotLike': { 'aws:VpceOrgPaths': [`${OU}*`] },
      ArnNotLikeIfExists: { 'aws:SourceVpcArn': [arn] },
    });
  });

  it('a configuration with only endpoints and VPCs writes exactly the statement it wrote before', () => {
    expect(denyOffNetworkCrypto(configOf({ vpceIds: [VPCE], vpcIds: [VPC] }))?.Condition).toEqual({
      StringNotEqualsIfExists: { 'aws:SourceVpce': [VPCE], 'aws:SourceVpc': [VPC] },
      BoolIfExists: { 'aws:ViaAWSService': 'false', 'aws:PrincipalIsAWSService': 'false' },
      ArnNotLikeIfExists: {
        'aws:PrincipalArn': [
          'arn:aws:iam::*:role/aws:ec2-infrastructure',
          'arn:aws:iam::*:role/aws-service-role/*',
        ],
      },
    });
  });

  it('nothing approved at all: no Deny, the rule refuses to plan', () => {
    const config = configOf({});
    expect(denyOffNetworkCrypto(config)).toBeUndefined();
    const d = planRemediations(judge(keyOf({ Statement: [ROOT] }), config), config).find(
      (x) => x.rule === RULE,
    );
    expect(d?.status).toBe('refused');
  });
});

describe('the prover', () => {
  const approvals: [string, GuardConfigInput['network']][] = [
    ['vpceOrgIds', { vpceOrgIds: [ORG] }],
    ['vpceAccounts', { vpceAccounts: [T] }],
    ['vpceOrgPaths', { vpceOrgPaths: [`${OU}*`] }],
    ['vpcArns', { vpcArns: [`arn:aws:ec2:us-east-1:${T}:vpc/*`] }],
  ];
  for (const [name, network] of approvals) {
    it(`accepts the planned Deny for network.${name}, and the result is compliant and plans nothing more`, () => {
      const config = configOf(network);
      const key = keyOf({ Version: '2012-10-17', Statement: [ROOT] });
      const plan = planOf(key, config);
      const after = keyOf(plan.policy);
      expect(judge(after, config).results.find((r) => r.rule === RULE)?.status).toBe('compliant');
      expect(planRemediations(judge(after, config), config).filter((d) => d.rule === RULE)).toEqual([]);
    });
  }

  it('refuses a Deny that approves only endpoint ids when the configuration approves the owner organization', () => {
    const config = configOf({ vpceIds: [VPCE], vpceOrgIds: [ORG] });
    const key = keyOf({ Version: '2012-10-17', Statement: [ROOT] });
    const plan = planOf(key, config);
    const narrow = denyOffNetworkCrypto(configOf({ vpceIds: [VPCE] }))!;
    const doc = { Version: '2012-10-17', Statement: [ROOT, narrow] };
    const proof = provePlanSafe(key, { ...plan, policy: doc, policyText: JSON.stringify(doc) }, config);
    expect(proof.ok).toBe(false);
    if (!proof.ok) expect(proof.reasons.join('; ')).toMatch(/would lose kms:/);
  });

  it('a guard Deny of the older shape stays the guard’s under the same configuration, and is kept verbatim after one adds vpceOrgIds', () => {
    const old = denyOffNetworkCrypto(configOf({ vpceIds: [VPCE] }))!;
    const key = keyOf({ Version: '2012-10-17', Statement: [ROOT, old] });
    // Same configuration: compliant, nothing to write.
    const same = configOf({ vpceIds: [VPCE] });
    expect(judge(key, same).results.find((r) => r.rule === RULE)?.status).toBe('compliant');
    // More approved networks: the old Deny denies more than required, which is compliant; it is an
    // original statement now (its content is not what the guard would write), never rewritten.
    const wider = configOf({ vpceIds: [VPCE], vpceOrgIds: [ORG] });
    expect(judge(key, wider).results.find((r) => r.rule === RULE)?.status).toBe('compliant');
    expect(planRemediations(judge(key, wider), wider).filter((d) => d.rule === RULE)).toEqual([]);
  });
});

describe('off-network witnesses through an endpoint', () => {
  it('an endpoint owner in no organization: the witness names the owner account and carries no aws:VpceOrgID or aws:VpceOrgPaths', () => {
    const key = keyOf({
      Version: '2012-10-17',
      Statement: [
        {
          ...ROOT,
          Condition: { Null: { 'aws:VpceOrgID': 'true' }, StringEquals: { 'aws:VpceAccount': T } },
        },
      ],
    });
    const config = configOf({ vpceOrgIds: [ORG], vpceOrgPaths: [`${OU}*`] });
    const finding = judge(key, config).results.find((r) => r.rule === RULE)?.findings[0];
    expect(finding?.proof).toBe('witness');
    expect(finding?.witness?.context).toMatchObject({
      'aws:VpceAccount': T,
      'aws:SourceVpce': expect.any(String),
    });
    expect(finding?.witness?.context).not.toHaveProperty('aws:VpceOrgID');
    expect(finding?.witness?.context).not.toHaveProperty('aws:VpceOrgPaths');
    expect(finding?.witness?.context).not.toHaveProperty('aws:SourceIp');
  });

  it('approved by organization but the policy admits another one: the witness names that organization and a path inside it', () => {
    const key = keyOf({
      Version: '2012-10-17',
      Statement: [
        {
          ...ROOT,
          Condition: { 'ForAnyValue:StringLike': { 'aws:VpceOrgPaths': [`${OTHER_ORG}/*`, `${OU}*`] } },
        },
      ],
    });
    const finding = judge(key, configOf({ vpceOrgIds: [ORG] })).results.find((r) => r.rule === RULE)
      ?.findings[0];
    expect(finding?.witness?.context).toMatchObject({
      'aws:VpceOrgID': OTHER_ORG,
      'aws:VpceOrgPaths': [expect.stringMatching(new RegExp(`^${OTHER_ORG}/`))],
    });
  });
});

// ------------------------------------------------------------------------ differential property

interface Endpoint {
  vpce: string;
  vpc: string;
  account: string;
  org?: string;
  path?: string;
  region: string;
  vpcAccount: string;
}

/** Independently of the analyzer: is this request approved by the configuration? */
function approved(r: ConcreteRequest, config: GuardConfig): boolean {
  const n = config.network;
  const c = r.context;
  const s = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : undefined);
  if (s('aws:SourceIp') !== undefined) return false;
  const paths = (c['aws:VpceOrgPaths'] as string[] | undefined) ?? [];
  const like = (pattern: string, v: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(v);
  const arn = s('aws:SourceVpcArn');
  return (
    n.vpceIds.includes(s('aws:SourceVpce') ?? '') ||
    n.vpcIds.includes(s('aws:SourceVpc') ?? '') ||
    n.vpceAccounts.includes(s('aws:VpceAccount') ?? '') ||
    n.vpceOrgIds.includes(s('aws:VpceOrgID') ?? '') ||
    paths.some((p) => n.vpceOrgPaths.some((pat) => like(pat, p))) ||
    (arn !== undefined &&
      n.vpcArns.some((pat) => {
        const [a, b] = [pat.split(':'), arn.split(':')];
        return a.length === b.length && a.every((part, i) => like(part, b[i]!));
      }))
  );
}

function requestThrough(e: Endpoint | undefined, action: string, principal: string): ConcreteRequest {
  const network: Record<string, string | string[]> = e
    ? {
        'aws:SourceVpce': e.vpce,
        'aws:SourceVpc': e.vpc,
        'aws:VpceAccount': e.account,
        ...(e.org ? { 'aws:VpceOrgID': e.org, 'aws:VpceOrgPaths': [e.path ?? `${e.org}/r-ab12/`] } : {}),
        'aws:SourceVpcArn': `arn:aws:ec2:${e.region}:${e.vpcAccount}:vpc/${e.vpc}`,
      }
    : { 'aws:SourceIp': '203.0.113.10' };
  return {
    principal: { AWS: principal },
    action,
    resource: KEY_ARN,
    context: {
      'aws:PrincipalAccount': T,
      'kms:CallerAccount': T,
      'aws:PrincipalArn': principal,
      'aws:PrincipalOrgID': ORG,
      'aws:PrincipalOrgPaths': [`${ORG}/r-ab12/`],
      'aws:PrincipalIsAWSService': 'false',
      'aws:ViaAWSService': 'false',
      ...network,
    },
  };
}

const endpointArb: fc.Arbitrary<Endpoint> = fc
  .record({
    vpce: fc.constantFrom(VPCE, OTHER_VPCE),
    vpc: fc.constantFrom(VPC, OTHER_VPC),
    account: fc.constantFrom(T, X),
    org: fc.constantFrom(ORG, OTHER_ORG, undefined),
    sub: fc.constantFrom('r-ab12/', 'r-ab12/ou-ab12-11111111/', 'r-ab12/ou-ab12-11111111/ou-ab12-22222222/'),
    region: fc.constantFrom('us-east-1', 'eu-west-1'),
    vpcAccount: fc.constantFrom(T, X),
  })
  .map(({ sub, org, ...e }) => ({ ...e, ...(org ? { org, path: `${org}/${sub}` } : {}) }));

const ownerCondition = fc.oneof(
  fc.record({ StringNotEqualsIfExists: fc.record({ 'aws:VpceOrgID': fc.constantFrom(ORG, OTHER_ORG) }) }),
  fc.record({ StringNotEqualsIfExists: fc.record({ 'aws:VpceAccount': fc.constantFrom(T, X) }) }),
  fc.record({ StringNotEqualsIfExists: fc.record({ 'aws:SourceVpce': fc.constantFrom(VPCE, OTHER_VPCE) }) }),
  fc.record({
    'ForAllValues:StringNotLike': fc.record({
      'aws:VpceOrgPaths': fc.constantFrom(`${OU}*`, `${ORG}/*`, `${CHILD_OU}*`),
    }),
  }),
  fc.record({
    ArnNotLikeIfExists: fc.record({
      'aws:SourceVpcArn': fc.constantFrom(`arn:aws:ec2:*:${T}:vpc/*`, `arn:aws:ec2:us-east-1:*:vpc/${VPC}`),
    }),
  }),
);
const allowCondition = fc.oneof(
  fc.constant(undefined),
  fc.record({ StringEquals: fc.record({ 'aws:VpceOrgID': fc.constantFrom(ORG, OTHER_ORG) }) }),
  fc.record({ StringEquals: fc.record({ 'aws:VpceAccount': fc.constantFrom(T, X) }) }),
  fc.record({
    'ForAnyValue:StringLike': fc.record({ 'aws:VpceOrgPaths': fc.constantFrom(`${OU}*`, `${CHILD_OU}*`) }),
  }),
  fc.record({
    ArnLike: fc.record({
      'aws:SourceVpcArn': fc.constantFrom(
        `arn:aws:ec2:us-east-1:${T}:vpc/*`,
        `arn:aws:ec2:*:*:vpc/${OTHER_VPC}`,
      ),
    }),
  }),
);
const policyArb = fc
  .record({ allow: allowCondition, denies: fc.array(ownerCondition, { maxLength: 2 }) })
  .map(({ allow, denies }) => ({
    Version: '2012-10-17',
    Statement: [
      { ...ROOT, ...(allow ? { Condition: allow } : {}) },
      ...denies.map((Condition, i) => ({
        Sid: `Deny${i}`,
        Effect: 'Deny',
        Principal: '*',
        Action: ['kms:Decrypt', 'kms:Encrypt'],
        Resource: '*',
        Condition: { ...Condition, BoolIfExists: { 'aws:ViaAWSService': 'false' } },
      })),
    ],
  }));
const configArb = fc
  .record({
    vpceIds: fc.subarray([VPCE]),
    vpceAccounts: fc.subarray([T]),
    vpceOrgIds: fc.subarray([ORG]),
    vpceOrgPaths: fc.subarray([`${CHILD_OU}*`]),
    vpcArns: fc.subarray([`arn:aws:ec2:us-east-1:${T}:vpc/*`]),
  })
  .map((n) => configOf(n));

/** A request AWS can send: the Vpc* keys together or aws:SourceIp alone, an org path inside its org, the ARN's VPC the SourceVpc. */
function consistent(w: ConcreteRequest): boolean {
  const c = w.context;
  const through = 'aws:SourceVpce' in c;
  if (through === 'aws:SourceIp' in c) return false;
  const paths = c['aws:VpceOrgPaths'] as string[] | undefined;
  if (paths && !paths.every((p) => p.startsWith(`${c['aws:VpceOrgID']}/`))) return false;
  const arn = c['aws:SourceVpcArn'] as string | undefined;
  if (arn && 'aws:SourceVpc' in c && !arn.endsWith(`:vpc/${c['aws:SourceVpc']}`)) return false;
  return !arn || /^arn:aws:ec2:[a-z0-9-]+:\d{12}:vpc\/vpc-[0-9a-f]{17}$/.test(arn);
}

describe('differential: owner approvals against the concrete evaluator', () => {
  it('witnesses are allowed, off-network and consistent; compliant verdicts and planned Denies hold on sampled requests', () => {
    let findings = 0;
    let compliant = 0;
    fc.assert(
      fc.property(
        policyArb,
        configArb,
        fc.array(endpointArb, { minLength: 20, maxLength: 20 }),
        (doc, config, endpoints) => {
          const key = keyOf(doc);
          const result = judge(key, config).results.find((r) => r.rule === RULE)!;
          const requests = [undefined, ...endpoints].map((e) =>
            requestThrough(e, 'kms:Decrypt', `arn:aws:iam::${T}:role/app`),
          );
          if (result.status === 'compliant') {
            compliant++;
            for (const r of requests)
              if (!approved(r, config))
                expect(evaluate(key.policy, r).decision, JSON.stringify(r)).not.toBe('allow');
            return;
          }
          findings++;
          const w = result.findings[0]!.witness!;
          expect(result.findings[0]!.proof).toBe('witness');
          expect(evaluate(key.policy, w).decision).toBe('allow');
          expect(consistent(w), JSON.stringify(w)).toBe(true);
          // Off-network: the keys a witness omits are ones no statement and no approval tests.
          expect(approved(w, config), JSON.stringify(w)).toBe(false);
          if (!hasApprovedNetwork(config)) return;
          const after = keyOf(planOf(key, config).policy);
          for (const r of requests) {
            const decision = evaluate(after.policy, r).decision;
            if (!approved(r, config)) expect(decision, JSON.stringify(r)).not.toBe('allow');
            else if (evaluate(key.policy, r).decision === 'allow')
              expect(decision, JSON.stringify(r)).toBe('allow');
          }
        },
      ),
      { numRuns: 100, seed: SEED },
    );
    expect(findings).toBeGreaterThan(20);
    expect(compliant).toBeGreaterThan(5);
  });
});
