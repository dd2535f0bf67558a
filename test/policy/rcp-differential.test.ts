/**
 * Differential test of key policy x RCPs: the analysis with the RCPs added (`semanticCheck` with a
 * key's `rcps`) against the concrete evaluator run on the key policy and, separately, on the RCPs
 * as written (`rcpDenial`, which knows the exemptions on its own), over generated cases:
 * - every remaining witness is allowed by the key policy and denied by no RCP;
 * - every protectedBy witness is allowed by the key policy and denied by the RCP it names;
 * - no finding of the key policy alone disappears without a protectedBy entry, and the RCPs never
 *   add a finding or a protection to a compliant key policy;
 * - where no finding remains, sampled requests of the class that the key policy allows (service-
 *   linked roles and kms:RetireGrant among them) are all denied by some RCP.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';
import { evaluate } from '../../functions/policy/evaluate.js';
import { parsePolicy } from '../../functions/policy/parse.js';
import { type Rcp, rcpDenial } from '../../functions/policy/rcp.js';
import { parseRcpDocument } from '../../functions/policy/rcp-parse.js';
import type { RequestClass } from '../../functions/policy/request-model.js';
import type { ConcreteRequest } from '../../functions/policy/types.js';
import { semanticCheck } from '../../functions/rules/semantic.js';
import type { KeyResource, ProtectedBy } from '../../functions/rules/types.js';
import {
  conditionArb,
  external,
  ORG,
  offNetwork,
  policyArb,
  prng,
  SEED,
  sampleRequest,
  statementArb,
  T,
  VPCE,
  X,
  Y,
} from './generators.js';

const config = parseConfig(
  { trust: { accounts: [T], organizationIds: [ORG] }, network: { vpceIds: [VPCE] } },
  'rcp differential',
);

const RCP_CONDITIONS: [string, string, string[]][] = [
  ['StringNotEqualsIfExists', 'aws:PrincipalOrgID', [ORG]],
  ['StringNotEquals', 'aws:PrincipalAccount', [T]],
  ['StringNotEqualsIfExists', 'aws:PrincipalAccount', [X]],
  ['BoolIfExists', 'aws:PrincipalIsAWSService', ['false']],
  ['StringNotEqualsIfExists', 'aws:SourceVpce', [VPCE]],
  ['NotIpAddressIfExists', 'aws:SourceIp', ['10.0.0.0/8']],
  ['BoolIfExists', 'aws:ViaAWSService', ['false']],
  ['StringNotEqualsIfExists', 'aws:ResourceTag/dp:exclude', ['true']],
  ['StringEquals', 'aws:ResourceTag/env', ['prod']],
  ['ArnNotLike', 'aws:PrincipalArn', [`arn:aws:iam::${X}:role/admin-*`]],
  ['StringNotLikeIfExists', 'kms:EncryptionContext:app', ['a*']],
];

const rcpStatementArb = fc
  .record({
    action: fc.uniqueArray(
      fc.constantFrom(
        'kms:*',
        'kms:Decrypt',
        'kms:Gen*',
        'kms:*Key*',
        'kms:RetireGrant',
        'kms:CreateGrant',
        's3:*',
      ),
      { minLength: 1, maxLength: 3 },
    ),
    picks: fc.uniqueArray(fc.nat({ max: RCP_CONDITIONS.length - 1 }), { maxLength: 3 }),
  })
  .map(({ action, picks }) => {
    const condition: Record<string, Record<string, string[]>> = {};
    for (const i of picks) {
      const [op, key, values] = RCP_CONDITIONS[i] as [string, string, string[]];
      condition[op] = { ...(condition[op] ?? {}), [key]: values };
    }
    return {
      Effect: 'Deny',
      Principal: '*',
      Action: action,
      Resource: '*',
      ...(picks.length > 0 ? { Condition: condition } : {}),
    };
  });

// The data-perimeter shapes, weighted up so that protected keys are common enough to test.
const perimeterStatementArb = fc.constantFrom<Record<string, unknown>>(
  {
    Effect: 'Deny',
    Principal: '*',
    Action: 'kms:*',
    Resource: '*',
    Condition: {
      StringNotEqualsIfExists: { 'aws:PrincipalOrgID': ORG },
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
    },
  },
  {
    Effect: 'Deny',
    Principal: '*',
    Action: ['kms:*', 's3:*'],
    Resource: '*',
    Condition: {
      StringNotEqualsIfExists: { 'aws:PrincipalAccount': [T], 'aws:ResourceTag/dp:exclude': 'true' },
    },
  },
  {
    Effect: 'Deny',
    Principal: '*',
    Action: 'kms:*',
    Resource: '*',
    Condition: {
      StringNotEqualsIfExists: { 'aws:SourceVpce': VPCE },
      BoolIfExists: { 'aws:ViaAWSService': 'false' },
    },
  },
);

const rcpsArb = fc.array(
  fc.array(
    fc.oneof({ arbitrary: perimeterStatementArb, weight: 2 }, { arbitrary: rcpStatementArb, weight: 2 }),
    { minLength: 1, maxLength: 2 },
  ),
  { minLength: 1, maxLength: 2 },
);
const tagsArb = fc.constantFrom<Record<string, string> | undefined>(
  undefined,
  { 'dp:exclude': 'true' },
  { 'dp:exclude': 'false', env: 'prod' },
  { env: 'prod' },
);

/** Key policies that grant named principals (which an RCP can stop), mixed with the general generator. */
const namedAllowArb = fc
  .record({
    principal: fc.constantFrom<unknown>(
      { AWS: `arn:aws:iam::${X}:role/admin-ops` },
      { AWS: `arn:aws:iam::${Y}:user/bob` },
      { AWS: `arn:aws:iam::${T}:root` },
      { AWS: [`arn:aws:iam::${X}:role/admin-ops`, `arn:aws:iam::${T}:role/app`] },
    ),
    action: fc.constantFrom<unknown>(
      'kms:Decrypt',
      ['kms:Encrypt', 'kms:Decrypt'],
      'kms:Gen*',
      'kms:Describe*',
      'kms:*',
    ),
    condition: conditionArb,
  })
  .map((s) => ({
    Effect: 'Allow',
    Principal: s.principal,
    Action: s.action,
    Resource: '*',
    ...(Object.keys(s.condition).length > 0 ? { Condition: s.condition } : {}),
  }));
const keyPolicyArb = fc.oneof(
  policyArb,
  fc
    .tuple(
      fc.array(namedAllowArb, { minLength: 1, maxLength: 3 }),
      fc.array(statementArb('Deny'), { maxLength: 2 }),
    )
    .map(([allows, denies]) => ({ Version: '2012-10-17', Statement: [...allows, ...denies] })),
);

const SLR = (acct: string) =>
  `arn:aws:iam::${acct}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;

/** A sampled request, sometimes by a service-linked role or for kms:RetireGrant (what RCPs never restrict). */
function sample(
  policyForValues: Parameters<typeof sampleRequest>[0],
  cls: RequestClass,
  rand: () => number,
): ConcreteRequest {
  const r = sampleRequest(policyForValues, cls, rand);
  const roll = rand();
  if (roll < 0.15) {
    const arn = SLR(String(r.context['aws:PrincipalAccount']));
    return {
      ...r,
      principal: { AWS: arn },
      context: { ...r.context, 'aws:PrincipalArn': arn, 'aws:PrincipalType': 'AssumedRole' },
    };
  }
  if (roll < 0.25 && cls.actions.includes('kms:RetireGrant')) return { ...r, action: 'kms:RetireGrant' };
  return r;
}

describe('key policy x RCPs against the concrete evaluator (differential)', () => {
  for (const [name, cls] of [
    ['external principals', external],
    ['off-network crypto', offNetwork],
  ] as const) {
    it(`${name}: remaining witnesses pass every RCP, protectedBy witnesses are denied by the RCP named`, () => {
      const counts = { finding: 0, protected: 0, compliant: 0, sampled: 0 };
      fc.assert(
        fc.property(keyPolicyArb, rcpsArb, tagsArb, fc.nat(), (doc, rcpDocs, tags, seed) => {
          const parsed = parsePolicy(doc);
          if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
          const rcps: Rcp[] = rcpDocs.map((statements, i) => {
            const r = parseRcpDocument(`p-generated${i}xx`, { Version: '2012-10-17', Statement: statements });
            if (!r.ok) throw new Error(JSON.stringify(r.issues));
            return r.value;
          });
          const key: KeyResource = {
            type: 'kms-key',
            id: 'k',
            keyManager: 'CUSTOMER',
            policy: parsed.value,
            rcps,
            ...(tags ? { tags } : {}),
          };
          const protectedBy: ProtectedBy[] = [];
          const rule = 'key-no-external-principals';
          const withRcps = semanticCheck(rule, 'high', parsed.value, cls, config, 'h', { key, protectedBy });
          const alone = semanticCheck(rule, 'high', parsed.value, cls, config, 'h');
          for (const f of withRcps) {
            if (f.proof !== 'witness' || !f.witness) continue;
            expect(evaluate(parsed.value, f.witness).decision).toBe('allow');
            expect(
              rcpDenial(rcps, f.witness, tags),
              JSON.stringify({ w: f.witness, rcpDocs }),
            ).toBeUndefined();
          }
          for (const p of protectedBy) {
            expect(p.witness).toBeDefined();
            if (!p.witness) continue;
            expect(evaluate(parsed.value, p.witness).decision).toBe('allow');
            expect(rcpDenial(rcps, p.witness, tags)?.rcp).toBe(p.policy);
          }
          if (alone.length === 0) {
            expect(withRcps).toEqual([]);
            expect(protectedBy).toEqual([]);
            counts.compliant++;
            return;
          }
          if (withRcps.length > 0) {
            expect(protectedBy).toEqual([]);
            counts.finding++;
            return;
          }
          expect(protectedBy, 'a finding disappeared without a protectedBy entry').toHaveLength(1);
          counts.protected++;
          const forValues = parsePolicy({
            Version: '2012-10-17',
            Statement: [...(doc.Statement as unknown[]), ...rcpDocs.flat()],
          });
          if (!forValues.ok) return;
          const rand = prng(seed);
          for (let i = 0; i < 150; i++) {
            const request = sample(forValues.value, cls, rand);
            if (evaluate(parsed.value, request).decision !== 'allow') continue;
            counts.sampled++;
            if (!rcpDenial(rcps, request, tags))
              throw new Error(
                `no finding remains, but ${JSON.stringify(request)} passes the RCPs ${JSON.stringify(rcpDocs)} under ${JSON.stringify(doc)}`,
              );
          }
        }),
        { numRuns: 500, seed: SEED },
      );
      console.log(`rcp differential, ${name}: ${JSON.stringify(counts)}`);
      expect(counts.protected).toBeGreaterThan(15);
      expect(counts.finding).toBeGreaterThan(20);
      expect(counts.sampled).toBeGreaterThan(10);
    });
  }
});
