/**
 * Property tests of the remediation planner and its safety prover (SPEC.md §3) over generated
 * non-compliant key and endpoint policies, and one test per invariant showing that the prover
 * refuses a plan that breaks it.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';
import { judge } from '../../functions/engine/judge.js';
import { planRemediations, provePlanSafe } from '../../functions/engine/remediation.js';
import { evaluate } from '../../functions/policy/evaluate.js';
import { parsePolicy } from '../../functions/policy/parse.js';
import type { Policy } from '../../functions/policy/types.js';
import type {
  EndpointResource,
  KeyResource,
  RemediationPlan,
  Resource,
} from '../../functions/rules/types.js';
import {
  external,
  networkPolicyArb,
  ORG,
  offNetwork,
  policyArb,
  prng,
  SEED,
  sampleRequest,
  T,
  VPCE,
} from '../policy/generators.js';

const config = parseConfig(
  {
    trust: { accounts: [T], organizationIds: [ORG] },
    network: { vpceIds: [VPCE] },
    rules: {
      'key-no-external-principals': 'remediate',
      'key-crypto-via-vpce': 'remediate',
      'endpoint-no-external-principals': 'remediate',
      'key-sourceip-ineffective': 'off',
    },
  },
  'planner-test',
);

const KEY_ARN = `arn:aws:kms:us-east-1:${T}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

function keyOf(doc: unknown): KeyResource {
  const parsed = parsePolicy(doc);
  if (!parsed.ok) throw new Error(`generated policy does not parse: ${JSON.stringify(parsed.issues)}`);
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

function endpointOf(doc: unknown): EndpointResource {
  const parsed = parsePolicy(doc);
  if (!parsed.ok) throw new Error(`generated policy does not parse: ${JSON.stringify(parsed.issues)}`);
  return {
    type: 'vpc-endpoint',
    id: 'vpce-0123456789abcdef0',
    account: T,
    region: 'us-east-1',
    serviceName: 'com.amazonaws.us-east-1.kms',
    vpcEndpointType: 'Interface',
    requesterManaged: false,
    privateDnsEnabled: true,
    policy: parsed.value,
  };
}

const policyDocOf = (plan: RemediationPlan): Record<string, unknown> | undefined =>
  plan.kind === 'put-key-policy'
    ? plan.policy
    : plan.kind === 'modify-endpoint-policy'
      ? plan.policyDocument
      : undefined;

function withPolicy<R extends Resource>(r: R, doc: Record<string, unknown>): R {
  const parsed = parsePolicy(doc, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!parsed.ok) throw new Error('planned policy does not parse');
  return { ...r, policy: parsed.value };
}

/** Requests to compare old and new policies on: both scopes, both networks, all actions. */
function sampled(policy: Policy, seed: number, n: number) {
  const rand = prng(seed);
  const out = [];
  for (let i = 0; i < n; i++)
    out.push(sampleRequest(policy, i % 2 === 0 ? external : { ...offNetwork, principals: 'any' }, rand));
  return out;
}

const managers = [`arn:aws:iam::${T}:root`, `arn:aws:iam::${T}:role/app`, `arn:aws:iam::${T}:role/admin-ops`];
const manageRequest = (arn: string, network: 'public' | 'vpce') => ({
  principal: { AWS: arn },
  action: 'kms:PutKeyPolicy',
  resource: KEY_ARN,
  context: {
    'aws:PrincipalAccount': T,
    'kms:CallerAccount': T,
    'aws:PrincipalArn': arn,
    'aws:PrincipalOrgID': ORG,
    'aws:PrincipalIsAWSService': 'false',
    'aws:ViaAWSService': 'false',
    ...(network === 'public'
      ? { 'aws:SourceIp': '203.0.113.10' }
      : { 'aws:SourceVpce': VPCE, 'aws:SourceVpc': 'vpc-0123abcd' }),
  },
});

describe('remediation planner properties (generated non-compliant policies)', () => {
  for (const [name, arb, build] of [
    ['key policies', fc.oneof(policyArb, networkPolicyArb), keyOf],
    ['endpoint policies', policyArb, endpointOf],
  ] as const) {
    it(`${name}: every planned change satisfies the rule, widens nothing, keeps statements, management, size, and is idempotent`, () => {
      let planned = 0;
      let refused = 0;
      fc.assert(
        fc.property(arb, fc.nat(), (doc, seed) => {
          const before = build(doc) as Resource;
          const verdict = judge(before, config);
          const decisions = planRemediations(verdict, config);
          let current: Resource = before;
          for (const d of decisions) {
            if (d.status === 'refused') {
              refused++;
              expect(d.reason.length).toBeGreaterThan(0);
              continue;
            }
            planned++;
            const newDoc = policyDocOf(d.plan);
            expect(newDoc).toBeDefined();
            if (!newDoc) continue;
            const after = withPolicy(current, newDoc);
            const oldPolicy = current.policy as Policy;
            // 1. The rule holds on the new policy.
            const again = judge(after, config).results.find((r) => r.rule === d.rule);
            expect(again?.status, `${d.rule} on ${JSON.stringify(newDoc)}`).toBe('compliant');
            // 2. Original statements verbatim and in order (guard statements may be replaced in place).
            const oldStatements = oldPolicy.raw.Statement;
            const oldList = Array.isArray(oldStatements) ? oldStatements : [oldStatements];
            const newList = newDoc.Statement as unknown[];
            oldList.forEach((s, i) => {
              const sid = (s as { Sid?: string }).Sid ?? '';
              if (!sid.startsWith('KmsPerimeterGuard')) expect(newList[i]).toEqual(s);
            });
            // 3. Only guard-owned Denies are added.
            for (const s of newList.slice(oldList.length)) {
              expect(s).toMatchObject({ Effect: 'Deny', Sid: expect.stringMatching(/^KmsPerimeterGuard/) });
            }
            // 4. Nothing the old policy denied becomes allowed (sampled concrete requests).
            for (const request of sampled(oldPolicy, seed, 60)) {
              if (evaluate(after.policy as Policy, request).decision === 'allow') {
                expect(evaluate(oldPolicy, request).decision, JSON.stringify(request)).toBe('allow');
              }
            }
            // 5. Trusted principals that could manage the key still can.
            if (before.type === 'kms-key') {
              for (const arn of managers) {
                for (const network of ['public', 'vpce'] as const) {
                  const r = manageRequest(arn, network);
                  if (evaluate(oldPolicy, r).decision === 'allow')
                    expect(evaluate(after.policy as Policy, r).decision).toBe('allow');
                }
              }
            }
            // 6. Size limits: 32 KB key policies, 20,480 characters endpoint policies.
            const text = JSON.stringify(newDoc);
            expect(before.type === 'kms-key' ? Buffer.byteLength(text) : text.length).toBeLessThanOrEqual(
              before.type === 'kms-key' ? 32_768 : 20_480,
            );
            // 7. Idempotent: planning again on the result plans nothing for this rule.
            const replanned = planRemediations(judge(after, config), config).filter((x) => x.rule === d.rule);
            for (const x of replanned) {
              if (x.status === 'planned') expect(isDeepStrictEqual(policyDocOf(x.plan), newDoc)).toBe(true);
            }
            current = after;
          }
        }),
        { numRuns: 300, seed: SEED },
      );
      // The generator must produce plans to check, not only compliant policies.
      expect(planned).toBeGreaterThan(100);
      expect(refused).toBeLessThan(planned);
    });
  }
});

describe('the safety prover refuses a plan that breaks an invariant', () => {
  const doc = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Root',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${T}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'Partner',
        Effect: 'Allow',
        Principal: { AWS: '444455556666' },
        Action: ['kms:Decrypt', 'kms:DescribeKey'],
        Resource: '*',
      },
      { Sid: 'NoDelete', Effect: 'Deny', Principal: '*', Action: 'kms:ScheduleKeyDeletion', Resource: '*' },
    ],
  };
  const key = keyOf(doc);
  const decision = planRemediations(judge(key, config), config).find(
    (d) => d.rule === 'key-no-external-principals',
  );
  if (decision?.status !== 'planned' || decision.plan.kind !== 'put-key-policy')
    throw new Error('expected a plan');
  const good = decision.plan;
  const statements = good.policy.Statement as Record<string, unknown>[];
  const mutate = (f: (s: Record<string, unknown>[]) => Record<string, unknown>[]) => {
    const policy = { ...good.policy, Statement: f(structuredClone(statements)) };
    return { ...good, policy, policyText: JSON.stringify(policy) };
  };

  it('accepts the planner’s own plan, with every check named', () => {
    const proof = provePlanSafe(key, good, config);
    expect(proof.ok).toBe(true);
    if (proof.ok)
      expect(proof.checks.join('; ')).toMatch(
        /byte for byte.*holds.*allows nothing.*PutKeyPolicy.*idempotent/,
      );
  });

  it.each([
    [
      'an original statement is dropped',
      (s: Record<string, unknown>[]) => s.filter((x) => x.Sid !== 'NoDelete'),
      /original statement/,
    ],
    [
      'original statements are reordered',
      (s: Record<string, unknown>[]) => [s[1], s[0], ...s.slice(2)] as Record<string, unknown>[],
      /original statement/,
    ],
    [
      'an original statement is edited',
      (s: Record<string, unknown>[]) =>
        s.map((x) => (x.Sid === 'Partner' ? { ...x, Action: 'kms:Decrypt' } : x)),
      /original statement/,
    ],
    [
      'an Allow is added',
      (s: Record<string, unknown>[]) => [
        ...s,
        { Sid: 'KmsPerimeterGuardAllowAll', Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' },
      ],
      /not one of its guard-owned Deny/,
    ],
    [
      'the guard Deny is missing',
      (s: Record<string, unknown>[]) => s.filter((x) => !String(x.Sid).startsWith('KmsPerimeterGuard')),
      /still violate key-no-external-principals/,
    ],
    [
      'the key administrators are locked out',
      (s: Record<string, unknown>[]) => [
        ...s,
        {
          Sid: 'KmsPerimeterGuardLockout',
          Effect: 'Deny',
          Principal: '*',
          Action: 'kms:PutKeyPolicy',
          Resource: '*',
        },
      ],
      /would lose kms:PutKeyPolicy/,
    ],
    [
      'the policy grows over 32 KB',
      (s: Record<string, unknown>[]) => [
        ...s,
        {
          Sid: 'KmsPerimeterGuardPadding',
          Effect: 'Deny',
          Principal: '*',
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: {
            StringEquals: { 'aws:userid': Array.from({ length: 2000 }, (_, i) => `AIDA${i}EXAMPLEEXAMPLE`) },
          },
        },
      ],
      /over the 32768-byte limit/,
    ],
    [
      'a guard statement is duplicated',
      (s: Record<string, unknown>[]) => [
        ...s,
        ...s.filter((x) => String(x.Sid).startsWith('KmsPerimeterGuard')),
      ],
      /duplicated/,
    ],
  ])('%s', (_name, f, reason) => {
    const proof = provePlanSafe(key, mutate(f), config);
    expect(proof.ok).toBe(false);
    if (!proof.ok) expect(proof.reasons.join('; ')).toMatch(reason);
  });
});
