/**
 * Generators shared by the property tests: legal KMS key policies mixing Allow and Deny, NotPrincipal,
 * NotAction, wildcards and conditions on principal, network, service and unknown keys; and sampled
 * concrete requests of a request class, drawn from the policy's own literals, fresh values and absent keys.
 */
import fc from 'fast-check';
import { KMS_ACTIONS } from '../../functions/policy/kms-actions.js';
import type { RequestClass, Trust } from '../../functions/policy/request-model.js';
import type { ConcreteRequest, Policy } from '../../functions/policy/types.js';

export const SEED = Number(process.env.KPG_FC_SEED ?? 20261124);
export const T = '111122223333';
export const X = '444455556666';
export const Y = '777788889999';
export const ORG = 'o-a1b2c3d4e5';
export const OTHER_ORG = 'o-zzzzzzzzzz';
export const VPCE = 'vpce-0a1b2c3d4e5f6a7b8';
export const OTHER_VPCE = 'vpce-0fffffffffffffff0';
export const trust: Trust = { accounts: [T], organizationIds: [ORG] };
export const CRYPTO = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
];

export const external: RequestClass = {
  principals: 'external',
  actions: KMS_ACTIONS,
  resource: { kind: 'key' },
  network: { kind: 'any' },
};
export const offNetwork: RequestClass = {
  principals: 'any',
  actions: CRYPTO,
  resource: { kind: 'key' },
  network: { kind: 'off-network', vpceIds: [VPCE], vpcIds: [] },
};

// ------------------------------------------------------------------------------------ generators

export const principalArb = fc.oneof(
  // Trusted-only principals are weighted up so that "none" verdicts are common enough to test.
  {
    arbitrary: fc.constantFrom<unknown>(
      { AWS: T },
      { AWS: `arn:aws:iam::${T}:root` },
      { AWS: `arn:aws:iam::${T}:role/app` },
    ),
    weight: 4,
  },
  fc.constant<unknown>('*'),
  fc.constant<unknown>({ AWS: '*' }),
  fc
    .uniqueArray(
      fc.constantFrom(
        T,
        X,
        `arn:aws:iam::${X}:root`,
        `arn:aws:iam::${T}:root`,
        `arn:aws:iam::${X}:role/admin-ops`,
        `arn:aws:iam::${Y}:user/bob`,
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((aws) => ({ AWS: aws.length === 1 ? aws[0] : aws })),
);

export const actionArb = fc
  .uniqueArray(
    fc.constantFrom(
      'kms:*',
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:Gen*',
      'kms:*Key*',
      'kms:Re*',
      'kms:CreateGrant',
      'kms:Describe*',
      'kms:?ncrypt',
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((a) => (a.length === 1 ? a[0] : a));

/** Condition entries: [operator, key, values]. */
const CONDITIONS: [string, string, string[]][] = [
  ['StringEquals', 'aws:PrincipalAccount', [T]],
  ['StringEquals', 'aws:PrincipalAccount', [X]],
  ['StringNotEquals', 'aws:PrincipalAccount', [T]],
  ['StringEquals', 'aws:PrincipalOrgID', [ORG]],
  ['StringNotEqualsIfExists', 'aws:PrincipalOrgID', [ORG]],
  ['StringNotEquals', 'aws:PrincipalOrgID', [ORG]],
  ['Null', 'aws:PrincipalOrgID', ['true']],
  ['Null', 'aws:PrincipalOrgID', ['false']],
  ['StringEquals', 'aws:SourceVpce', [VPCE]],
  ['StringNotEquals', 'aws:SourceVpce', [VPCE]],
  ['StringNotEqualsIfExists', 'aws:SourceVpce', [VPCE]],
  ['StringLike', 'aws:SourceVpce', ['vpce-0a*']],
  ['Null', 'aws:SourceVpce', ['true']],
  ['StringLike', 'aws:PrincipalArn', ['arn:aws:iam::*:role/admin-*']],
  ['ArnLike', 'aws:PrincipalArn', [`arn:aws:iam::${X}:*`]],
  ['ArnNotLike', 'aws:PrincipalArn', [`arn:aws:iam::${T}:*`]],
  ['Bool', 'aws:ViaAWSService', ['true']],
  ['Bool', 'aws:ViaAWSService', ['false']],
  ['BoolIfExists', 'aws:ViaAWSService', ['false']],
  ['IpAddress', 'aws:SourceIp', ['10.0.0.0/8']],
  ['NotIpAddress', 'aws:SourceIp', ['10.0.0.0/8']],
  ['StringLike', 'kms:EncryptionContext:app', ['a*', '*b']],
  ['StringEquals', 'kms:EncryptionContext:app', ['ab']],
  ['ForAnyValue:StringLike', 'aws:PrincipalOrgPaths', [`${ORG}/*`]],
  ['ForAllValues:StringEquals', 'aws:CalledVia', ['athena.amazonaws.com']],
  ['ForAnyValue:StringEquals', 'aws:CalledVia', ['athena.amazonaws.com']],
  ['StringEquals', 'kms:ViaService', ['ec2.us-east-1.amazonaws.com']],
  ['StringEquals', 'kms:CallerAccount', [X]],
  ['StringEqualsIgnoreCase', 'aws:PrincipalTag/team', ['Sec']],
  ['StringEquals', 'aws:RequestTag/env', ['prod']],
];

export const conditionArb = fc
  .uniqueArray(fc.nat({ max: CONDITIONS.length - 1 }), { maxLength: 3 })
  .map((picks) => {
    const block: Record<string, Record<string, string[]>> = {};
    for (const i of picks) {
      const [op, key, values] = CONDITIONS[i] as [string, string, string[]];
      block[op] = { ...(block[op] ?? {}), [key]: values };
    }
    return block;
  });

export const statementArb = (effect: 'Allow' | 'Deny') =>
  fc
    .record({
      principal: principalArb,
      notPrincipal: fc.boolean(),
      notAction: fc.boolean(),
      action: actionArb,
      condition: conditionArb,
    })
    .map((s) => ({
      Effect: effect,
      // NotPrincipal only with Deny (AWS recommends against NotPrincipal with Allow).
      ...(effect === 'Deny' &&
      s.notPrincipal &&
      typeof s.principal === 'object' &&
      s.principal !== null &&
      !('AWS' in s.principal && (s.principal as { AWS: unknown }).AWS === '*')
        ? { NotPrincipal: s.principal }
        : { Principal: s.principal }),
      ...(s.notAction && effect === 'Deny' ? { NotAction: s.action } : { Action: s.action }),
      Resource: '*',
      ...(Object.keys(s.condition).length > 0 ? { Condition: s.condition } : {}),
    }));

export const policyArb = fc
  .tuple(
    fc.array(statementArb('Allow'), { minLength: 1, maxLength: 3 }),
    fc.array(statementArb('Deny'), { maxLength: 3 }),
  )
  .map(([allows, denies]) => ({ Version: '2012-10-17', Statement: [...allows, ...denies] }));

/** For the network class: Allows often require the approved endpoint, as real perimeter policies do. */
export const networkPolicyArb = fc
  .tuple(policyArb, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }))
  .map(([doc, flags]) => ({
    ...doc,
    Statement: doc.Statement.map((st, i) => {
      if (st.Effect !== 'Allow' || !flags[i]) return st;
      const condition = {
        ...((st as { Condition?: Record<string, Record<string, string[]>> }).Condition ?? {}),
      };
      condition.StringEquals = { ...(condition.StringEquals ?? {}), 'aws:SourceVpce': [VPCE] };
      return { ...st, Condition: condition };
    }),
  }));

// -------------------------------------------------------------------------------------- sampling

export { prng } from '../../tools/prng.js';

/** Values a policy's condition literals suggest for a key (wildcards instantiated), plus fresh ones. */
export function valuesFor(policy: Policy, keyLower: string): string[] {
  const out = new Set<string>(['fresh-value']);
  for (const s of policy.statements) {
    for (const c of s.conditions) {
      if (c.keyLower !== keyLower) continue;
      for (const v of c.values) {
        out.add(v.replace(/\*/g, '').replace(/\?/g, 'q'));
        out.add(v.replace(/\*/g, 'zz').replace(/\?/g, 'q'));
        out.add(v.toLowerCase());
      }
    }
  }
  return [...out];
}

const PRINCIPAL_KEYS = new Set([
  'aws:principalaccount',
  'kms:calleraccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principalisawsservice',
  'aws:principaltype',
]);
const NETWORK_KEYS = new Set(['aws:sourcevpce', 'aws:sourcevpc', 'aws:sourceip', 'aws:viaawsservice']);
const VIA_PRESENT_KEYS = new Set([
  'kms:viaservice',
  'aws:calledvia',
  'aws:calledviafirst',
  'aws:calledvialast',
]);

export function sampleRequest(policy: Policy, cls: RequestClass, rand: () => number): ConcreteRequest {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const scope = cls.principals;
  const accounts = scope === 'external' ? [X, Y, '999900001111'] : [T, X, Y];
  const account = pick(accounts);
  const orgs: (string | undefined)[] =
    scope === 'external' ? [undefined, OTHER_ORG] : [undefined, ORG, OTHER_ORG];
  const org = account === T && scope !== 'external' ? pick([undefined, ORG]) : pick(orgs);
  const arn = pick([
    `arn:aws:iam::${account}:root`,
    `arn:aws:iam::${account}:role/admin-ops`,
    `arn:aws:iam::${account}:role/app`,
    `arn:aws:iam::${account}:user/bob`,
  ]);
  const context: Record<string, string | string[]> = {
    'aws:PrincipalAccount': account,
    'kms:CallerAccount': account,
    'aws:PrincipalArn': arn,
    'aws:PrincipalIsAWSService': 'false',
    'aws:PrincipalType': arn.endsWith(':root') ? 'Account' : arn.includes(':user/') ? 'User' : 'AssumedRole',
  };
  if (org) {
    context['aws:PrincipalOrgID'] = org;
    context['aws:PrincipalOrgPaths'] = [`${org}/r-ab12/ou-ab12-11111111/`];
  }
  // Network: off-network requests come from the internet or through an unapproved endpoint.
  const net =
    cls.network.kind === 'off-network'
      ? pick(['public', 'other-vpce'])
      : pick(['public', 'vpce', 'other-vpce']);
  if (net === 'public') context['aws:SourceIp'] = pick(['203.0.113.10', '10.1.2.3']);
  else {
    context['aws:SourceVpce'] = net === 'vpce' ? VPCE : OTHER_VPCE;
    context['aws:SourceVpc'] = 'vpc-0123abcd';
  }
  context['aws:ViaAWSService'] = cls.network.kind === 'off-network' ? 'false' : pick(['true', 'false']);
  // Every other key the policy tests: a literal-derived value, a fresh one, or absent.
  const keys = new Set(policy.statements.flatMap((s) => s.conditions.map((c) => c.keyLower)));
  // kms:ViaService and aws:CalledVia are present exactly when an AWS service makes the call
  // (aws:ViaAWSService true): SPEC §2 precision.
  const via = context['aws:ViaAWSService'] === 'true';
  for (const key of keys) {
    if (PRINCIPAL_KEYS.has(key) || NETWORK_KEYS.has(key)) continue;
    if (VIA_PRESENT_KEYS.has(key)) {
      if (!via) continue;
    } else if (rand() < 0.3) continue;
    const value = pick(valuesFor(policy, key));
    context[key] =
      key === 'aws:calledvia' ? (rand() < 0.5 ? [value] : [value, 'fresh.amazonaws.com']) : value;
  }
  return {
    principal: { AWS: arn },
    action: pick(cls.actions),
    resource: 'arn:aws:kms:us-east-1:111122223333:key/k',
    context,
  };
}

export function inClass(w: ConcreteRequest, cls: RequestClass): boolean {
  if (!cls.actions.includes(w.action)) return false;
  const ctx = Object.fromEntries(Object.entries(w.context).map(([k, v]) => [k.toLowerCase(), v]));
  if (cls.principals === 'external') {
    if ('Service' in w.principal) return true; // acting for an untrusted account (the analyzer's own rule)
    const account = ctx['aws:principalaccount'];
    const org = ctx['aws:principalorgid'];
    if (account === T || org === ORG) return false;
  }
  if (cls.network.kind === 'off-network') {
    if (ctx['aws:sourcevpce'] === VPCE) return false;
  }
  return true;
}
