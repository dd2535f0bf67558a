/**
 * Adversarial key and endpoint policies for the remediation safety properties (SPEC.md §3) and the
 * adversarial benchmark: seeded and deterministic. Each policy is generated as a document, then
 * written out as JSON text in one of several layouts (compact, pretty, odd spacing, escapes), so
 * that the planner's byte-for-byte promises are tested on text, not on objects.
 *
 * The generator mixes what perimeter policies really contain with what breaks planners: statements
 * under the guard's own Sids (exact guard content, near-misses, Allows), NotPrincipal and NotAction,
 * principal-ARN patterns that do not start with `arn:`, organization and account conditions (up to
 * hundreds of accounts), network and service keys, `IfExists` and set qualifiers, condition keys
 * named like JavaScript prototype members, unicode, and sizes up to the 32 KB key policy limit.
 *
 * `sampleRequests` draws concrete requests for a policy (principals and values instantiated from
 * the policy's own literals and patterns, plus fresh ones) that follow the request model of SPEC.md
 * §2, and `isExternalRequest`/`isOffNetworkCryptoRequest` say which class a request belongs to.
 */
import type { GuardConfig } from '../../functions/config/schema.js';
import { evaluate } from '../../functions/policy/evaluate.js';
import { KEY_ACTIONS, KMS_ACTIONS } from '../../functions/policy/kms-actions.js';
import { parsePolicy } from '../../functions/policy/parse.js';
import { MULTIVALUED_KEYS } from '../../functions/policy/request-model.js';
import type { ConcreteRequest, Policy } from '../../functions/policy/types.js';
import {
  denyExternalPrincipals,
  denyExternalServiceCalls,
  denyOffNetworkCrypto,
  GUARD_SIDS,
} from '../../functions/rules/guard-statements.js';
import { prng } from '../../tools/prng.js';

export const T = '111122223333';
/** An account inside the trusted organization (trusted through aws:PrincipalOrgID only). */
export const M = '555566667777';
export const X = '444455556666';
export const Y = '777788889999';
export const Z = '999988887777';
/** Ends in 3, for patterns such as `*3:role/x`. */
export const W = '123456789013';
export const ORG = 'o-a1b2c3d4e5';
export const OTHER_ORG = 'o-zzzzzzzzzz';
export const VPCE = 'vpce-0a1b2c3d4e5f6a7b8';
export const OTHER_VPCE = 'vpce-0fffffffffffffff0';
export const VPC = 'vpc-0123456789abcdef0';
export const REGION = 'us-east-1';
export const KEY_ARN = `arn:aws:kms:${REGION}:${T}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const ENDPOINT_ID = 'vpce-0123456789abcdef0';
export const KEY_POLICY_LIMIT = 32_768;
export const ENDPOINT_POLICY_LIMIT = 20_480;

/** The configuration the safety properties run with (the issue's). */
export const SAFETY_CONFIG_INPUT = {
  trust: { accounts: [T], organizationIds: [ORG] },
  network: { vpceIds: [VPCE] },
  rules: {
    'key-no-external-principals': 'remediate',
    'key-crypto-via-vpce': 'remediate',
    'endpoint-no-external-principals': 'remediate',
    'key-sourceip-ineffective': 'off',
  },
} as const;

type Json = Record<string, unknown>;
export type PolicyKind = 'key' | 'endpoint';
export type Profile = 'tiny' | 'small' | 'perimeter' | 'fenced' | 'medium' | 'large' | 'near-limit';

export interface GeneratedPolicy {
  seed: number;
  kind: PolicyKind;
  profile: Profile;
  /** The JSON text of the policy (what GetKeyPolicy would return). */
  text: string;
  bytes: number;
  statements: number;
  /** Short tags of what the policy contains (for failure messages and the benchmark's slowest input). */
  features: string[];
}

// ------------------------------------------------------------------------------------------ rng

export interface Rng {
  next(): number;
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<V>(xs: readonly V[]): V;
  some<V>(xs: readonly V[], min: number, max: number): V[];
}

export function rng(seed: number): Rng {
  const next = prng(seed);
  const r: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (xs) => xs[Math.floor(next() * xs.length)] as (typeof xs)[number],
    some: (xs, min, max) => {
      const n = Math.min(xs.length, r.int(min, max));
      const pool = [...xs];
      const out: (typeof xs)[number][] = [];
      for (let i = 0; i < n; i++) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!);
      return out;
    },
  };
  return r;
}

/** A value or, as IAM allows, a one-element list of it. */
const oneOrList = <V>(g: Rng, xs: V[]): V | V[] => (xs.length === 1 && g.chance(0.7) ? xs[0]! : xs);

/** An object with an own property even for `__proto__` (a literal `{__proto__: v}` sets the prototype). */
function obj(entries: [string, unknown][]): Json {
  const out: Json = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

// ------------------------------------------------------------------------------- building blocks

const ACTIONS = [
  'kms:*',
  '*',
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
  'kms:Put*',
  'kms:PutKeyPolicy',
  'kms:Create*',
  'kms:Describe*',
  'kms:Get*',
  'kms:*Key*',
  'kms:?ncrypt',
  'KMS:DECRYPT',
  'kms:ScheduleKeyDeletion',
  'kms:CreateGrant',
  'kms:List*',
  'kms:Sign',
  'kms:Enable*',
  'kms:TagResource',
];
const ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];
const CRYPTO_PATTERNS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:DescribeKey',
];

/** Principal-ARN patterns, many not starting with `arn:` (read over `arn:aws:iam::<acct>:` by AWS). */
export const ARN_PATTERNS = [
  `arn:aws:iam::${T}:root`,
  `arn:aws:iam::${T}:role/*`,
  `arn:aws:iam::${T}:*`,
  'arn:aws:iam::*:role/deploy*',
  '*:role/deploy*',
  '*/ci-*',
  '*3:role/x',
  '*b',
  '*',
  'arn:aws:iam::*:root',
  'arn:aws:iam::1111222233*',
  'arn:aws:iam::*:role/aws-service-role/*',
  'arn:aws:iam::????????????:role/admin',
  `arn:aws:iam::${X}:role/partner`,
  'arn:aws:sts::*:assumed-role/*',
  `*${T}*`,
  'arn:aws:iam::*1:*',
  '*:user/*',
  `arn:aws:iam::${T}:role/a*a*a*b`,
  'arn:aws:iam::*:role/*/admin',
  '*:root',
  'arn:*:iam::*:role/KeyAdmin',
  `arn:aws:iam::${T}:role/KeyAdmin`,
  'ARN:AWS:IAM::*',
  'arn:aws:iam::*:role/ü*',
  '*2:*',
  '*:role/*',
  `arn:aws:iam::${T}*`,
  `arn:aws:iam::${M}:role/*`,
  '*:role/deploy-?',
];

const SERVICES = ['logs.us-east-1.amazonaws.com', 'cloudtrail.amazonaws.com', 's3.amazonaws.com'];
const VIA_SERVICES = [
  'ec2.us-east-1.amazonaws.com',
  'rds.*.amazonaws.com',
  '*.amazonaws.com',
  's3.us-east-1.amazonaws.com',
];
const UNICODE = [
  'Ünïcødé',
  'ключ',
  '鍵の管理',
  '🔑Admin',
  'e\u0301',
  'tab\there',
  'quote"back\\slash',
  '\u2028',
];

/** `count` distinct 12-digit accounts, deterministic, none trusted unless `withTrusted`. */
export function accountList(g: Rng, count: number, withTrusted: boolean): string[] {
  const out = new Set<string>(withTrusted ? [T] : []);
  while (out.size < count) out.add(String(200_000_000_000 + g.int(0, 699_999_999_999)).padStart(12, '0'));
  return [...out];
}

interface Ctx {
  g: Rng;
  features: Set<string>;
  kind: PolicyKind;
  config: GuardConfig;
}

type Cond = [operator: string, key: string, values: unknown];

const negate = (op: string) =>
  op
    .replace('StringEquals', 'StringNotEquals')
    .replace('StringLike', 'StringNotLike')
    .replace('ArnLike', 'ArnNotLike')
    .replace('ArnEquals', 'ArnNotEquals');

function qualified(c: Ctx, op: string): string {
  const { g } = c;
  let out = op;
  if (g.chance(0.15)) {
    out = `${out}IfExists`;
    c.features.add('if-exists');
  }
  if (g.chance(0.08)) {
    const q = g.pick(['ForAnyValue', 'ForAllValues']);
    out = `${q}:${out}`;
    c.features.add(q === 'ForAnyValue' ? 'for-any-value' : 'for-all-values');
  }
  return out;
}

function principalArnCond(c: Ctx, deny: boolean): Cond {
  const { g } = c;
  const values = g.some(ARN_PATTERNS, 1, 3);
  if (values.some((v) => !v.startsWith('arn:'))) c.features.add('non-arn-pattern');
  c.features.add('principal-arn');
  const base = g.pick(['StringLike', 'ArnLike', 'StringEquals', 'ArnEquals', 'StringLike', 'ArnLike']);
  return [
    qualified(c, deny && g.chance(0.7) ? negate(base) : base),
    'aws:PrincipalArn',
    oneOrList(g, values),
  ];
}

function orgCond(c: Ctx, deny: boolean): Cond {
  const { g } = c;
  c.features.add('org-id');
  const paths = g.chance(0.3);
  if (paths) {
    c.features.add('org-paths');
    const values = g.some(
      [`${ORG}/*`, `${ORG}/r-ab12/*`, 'o-*/*', `${OTHER_ORG}/*`, `${ORG}/r-ab12/ou-ab12-11111111/`],
      1,
      2,
    );
    const op = g.pick([
      'ForAnyValue:StringLike',
      'ForAllValues:StringLike',
      'ForAnyValue:StringEquals',
      'StringLike',
    ]);
    return [deny && g.chance(0.6) ? negate(op) : op, 'aws:PrincipalOrgPaths', oneOrList(g, values)];
  }
  const values = g.some([ORG, ORG, 'o-a1b2*', 'o-*', OTHER_ORG, 'O-A1B2C3D4E5', '*', 'o-a1b2c3d4e?'], 1, 2);
  const base = g.pick(['StringEquals', 'StringEquals', 'StringLike', 'StringEqualsIgnoreCase']);
  return [
    qualified(c, deny && g.chance(0.75) ? negate(base) : base),
    g.pick(['aws:PrincipalOrgID', 'aws:PrincipalOrgID', 'AWS:PRINCIPALORGID', 'aws:principalorgid']),
    oneOrList(g, values),
  ];
}

function accountCond(c: Ctx, deny: boolean, width?: number): Cond {
  const { g } = c;
  const n = width ?? (g.chance(0.85) ? g.int(1, 3) : g.int(4, 300));
  if (n > 3) c.features.add(`account-list(${n})`);
  c.features.add('account');
  const list: unknown[] = n <= 3 ? g.some([T, T, M, X, Y, Z, W], 1, n) : accountList(g, n, g.chance(0.5));
  if (n <= 3 && g.chance(0.15)) list.push(g.pick(['1111*', '*3', '????????????', '*']));
  // A JSON number is read as its decimal text.
  const values = list.map((v) =>
    typeof v === 'string' && /^\d{12}$/.test(v) && g.chance(0.1) ? Number(v) : v,
  );
  const base = list.some((v) => typeof v === 'string' && /[*?]/.test(v)) ? 'StringLike' : 'StringEquals';
  return [
    qualified(c, deny && g.chance(0.8) ? negate(base) : base),
    g.pick(['aws:PrincipalAccount', 'aws:PrincipalAccount', 'kms:CallerAccount']),
    oneOrList(g, values),
  ];
}

function networkCond(c: Ctx, deny: boolean): Cond {
  const { g } = c;
  c.features.add('source-vpce');
  if (g.chance(0.2))
    return [
      deny ? 'StringNotEquals' : 'StringEquals',
      'aws:SourceVpc',
      g.pick([VPC, 'vpc-*', 'vpc-0aaaaaaaaaaaaaaa0']),
    ];
  const values = g.some([VPCE, VPCE, OTHER_VPCE, 'vpce-0a*', 'vpce-*', 'VPCE-0A1B2C3D4E5F6A7B8'], 1, 2);
  const base = values.some((v) => v.includes('*')) ? 'StringLike' : 'StringEquals';
  return [qualified(c, deny && g.chance(0.85) ? negate(base) : base), 'aws:SourceVpce', oneOrList(g, values)];
}

function serviceCond(c: Ctx, deny: boolean): Cond {
  const { g } = c;
  switch (g.int(0, 5)) {
    case 0:
    case 1: {
      c.features.add('via-service');
      const values = g.some(VIA_SERVICES, 1, 2);
      const base = values.some((v) => v.includes('*')) ? 'StringLike' : 'StringEquals';
      return [
        qualified(c, deny && g.chance(0.5) ? negate(base) : base),
        'kms:ViaService',
        oneOrList(g, values),
      ];
    }
    case 2:
    case 3:
      c.features.add('via-aws-service');
      return [
        g.pick(['Bool', 'BoolIfExists']),
        'aws:ViaAWSService',
        g.pick(['true', 'false', true, false, 'TRUE']),
      ];
    case 4:
      c.features.add('principal-is-aws-service');
      return [g.pick(['Bool', 'BoolIfExists']), 'aws:PrincipalIsAWSService', g.pick(['true', 'false'])];
    default:
      c.features.add('called-via');
      return [
        g.pick(['ForAnyValue:StringEquals', 'ForAllValues:StringEquals', 'ForAnyValue:StringLike']),
        'aws:CalledVia',
        oneOrList(g, g.some(['athena.amazonaws.com', 'dynamodb.amazonaws.com', '*.amazonaws.com'], 1, 2)),
      ];
  }
}

function sourceCond(c: Ctx, _deny: boolean): Cond {
  const { g } = c;
  c.features.add('source-account');
  switch (g.int(0, 2)) {
    case 0:
      return [
        g.pick(['StringEquals', 'StringEqualsIfExists', 'StringNotEquals']),
        'aws:SourceAccount',
        g.pick([T, X, [T, X]]),
      ];
    case 1:
      return [
        g.pick(['ArnLike', 'ArnEquals', 'StringLike']),
        'aws:SourceArn',
        g.pick([`arn:aws:logs:*:${X}:*`, `arn:aws:logs:*:${T}:*`, 'arn:aws:s3:::bucket-*']),
      ];
    default:
      return ['StringEquals', 'aws:SourceOwner', g.pick([T, X])];
  }
}

function otherCond(c: Ctx, _deny: boolean): Cond {
  const { g } = c;
  switch (g.int(0, 10)) {
    case 0:
      return [
        g.pick(['IpAddress', 'NotIpAddress']),
        'aws:SourceIp',
        oneOrList(g, g.some(['10.0.0.0/8', '203.0.113.0/24', '192.0.2.7'], 1, 2)),
      ];
    case 1: {
      c.features.add('unicode');
      const key = g.pick([
        'kms:EncryptionContext:app',
        'kms:EncryptionContext:ключ',
        'kms:EncryptionContext:鍵',
      ]);
      return [
        g.pick(['StringLike', 'StringEquals', 'StringNotLike']),
        key,
        oneOrList(g, g.some(['a*', 'ü*', 'prod', 'значение', '🔑*', '*'], 1, 2)),
      ];
    }
    case 2:
      return ['StringEqualsIgnoreCase', 'aws:PrincipalTag/team', g.pick(['Sec', 'ops'])];
    case 3:
      return [g.pick(['Bool', 'BoolIfExists']), 'kms:GrantIsForAWSResource', 'true'];
    case 4:
      return [
        'Null',
        g.pick([
          'aws:PrincipalOrgID',
          'aws:SourceVpce',
          'kms:ViaService',
          'aws:SourceAccount',
          'aws:PrincipalArn',
        ]),
        g.pick(['true', 'false']),
      ];
    case 5: {
      c.features.add('proto-key');
      const key = g.pick([
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'prototype',
        '__PROTO__',
        'valueOf',
      ]);
      const op = g.pick([
        'StringEquals',
        'StringLike',
        'StringNotEquals',
        'Null',
        'ForAnyValue:StringEquals',
      ]);
      return [op, key, op === 'Null' ? g.pick(['true', 'false']) : g.pick(['x', '*', 'constructor'])];
    }
    case 6:
      return [
        g.pick(['NumericLessThan', 'NumericGreaterThanEquals']),
        'aws:MultiFactorAuthAge',
        g.pick([3600, '300', 0]),
      ];
    case 7:
      return [
        g.pick(['DateGreaterThan', 'DateLessThan']),
        'aws:CurrentTime',
        g.pick(['2020-01-01T00:00:00Z', '2999-01-01T00:00:00Z']),
      ];
    case 8:
      c.features.add('policy-variable');
      // A policy variable, written as IAM spells it.
      return ['StringEquals', 'aws:PrincipalTag/owner', ['$', '{aws:username}'].join('')];
    case 9:
      return [
        g.pick(['StringEquals', 'StringLike']),
        'kms:EncryptionAlgorithm',
        g.pick(['SYMMETRIC_DEFAULT', 'RSAES_*']),
      ];
    default:
      return ['StringEquals', 'aws:RequestTag/env', 'prod'];
  }
}

function conditionBlock(c: Ctx, deny: boolean, picks: ((c: Ctx, deny: boolean) => Cond)[]): Json | undefined {
  const block = new Map<string, [string, unknown][]>();
  for (const p of picks) {
    const [op, key, values] = p(c, deny);
    const entries = block.get(op) ?? [];
    // Condition keys are case-insensitive: one spelling per operator, or the parser rejects it.
    if (entries.some(([k]) => k.toLowerCase() === key.toLowerCase())) continue;
    entries.push([key, values]);
    block.set(op, entries);
  }
  if (block.size === 0) return undefined;
  return obj([...block].map(([op, entries]) => [op, obj(entries)]));
}

const CONDITION_KINDS = [
  principalArnCond,
  orgCond,
  accountCond,
  networkCond,
  serviceCond,
  sourceCond,
  otherCond,
];

function randomConditions(c: Ctx, deny: boolean, max: number): Json | undefined {
  const n = c.g.int(0, max);
  const picks = Array.from({ length: n }, () => c.g.pick(CONDITION_KINDS));
  return conditionBlock(c, deny, picks);
}

function principal(c: Ctx): unknown {
  const { g } = c;
  switch (g.int(0, 12)) {
    case 0:
    case 1:
      return '*';
    case 2:
      return { AWS: '*' };
    case 3:
      return { AWS: g.pick([T, `arn:aws:iam::${T}:root`, Number(T)]) };
    case 4:
      return { AWS: `arn:aws:iam::${T}:role/${g.pick(['KeyAdmin', 'app', 'deploy-1', 'ci-runner'])}` };
    case 5:
      return {
        AWS: g.pick([
          X,
          `arn:aws:iam::${X}:root`,
          `arn:aws:iam::${Z}:role/partner`,
          `arn:aws:iam::${W}:role/x`,
        ]),
      };
    case 6:
      return {
        AWS: g.some(
          [
            T,
            X,
            M,
            `arn:aws:iam::${T}:role/app`,
            `arn:aws:iam::${Y}:user/bob`,
            `arn:aws:sts::${X}:assumed-role/deploy/s1`,
          ],
          1,
          3,
        ),
      };
    case 7:
      c.features.add('service-principal');
      return { Service: oneOrList(g, g.some(SERVICES, 1, 2)) };
    case 8:
      return { AWS: `arn:aws:sts::${T}:assumed-role/KeyAdmin/session` };
    case 9:
      return { AWS: `arn:aws:iam::${M}:role/app` };
    case 10:
      c.features.add('federated');
      return {
        Federated: g.pick(['cognito-identity.amazonaws.com', `arn:aws:iam::${T}:saml-provider/corp`]),
      };
    case 11:
      return { AWS: 'AROAEXAMPLEDELETEDROLE' };
    default:
      return { AWS: `arn:aws:iam::${T}:root`, Service: g.pick(SERVICES) };
  }
}

function actions(c: Ctx, pool: readonly string[]): unknown {
  return oneOrList(c.g, c.g.some(pool, 1, 3));
}

function resource(c: Ctx): [string, unknown] {
  const { g } = c;
  if (g.chance(0.05)) {
    c.features.add('not-resource');
    return ['NotResource', g.pick([`arn:aws:kms:*:${X}:key/*`, 'arn:aws:s3:::*'])];
  }
  return [
    'Resource',
    g.chance(0.85)
      ? '*'
      : g.pick([KEY_ARN, `arn:aws:kms:*:${T}:key/*`, `arn:aws:kms:${REGION}:${X}:key/*`, 'arn:aws:kms:*']),
  ];
}

function sid(c: Ctx, n: number): [string, unknown][] {
  const { g } = c;
  if (g.chance(0.4)) return [];
  if (g.chance(0.1)) {
    c.features.add('unicode');
    return [['Sid', `${g.pick(UNICODE)}${n}`]];
  }
  return [['Sid', g.pick(['', 'S', 'Allow', 'Deny', 'Statement']) + n]];
}

/** One statement of a template; `n` numbers the Sids. */
function statement(c: Ctx, n: number): Json {
  const { g } = c;
  const t = g.int(0, 17);
  const stmt = (entries: [string, unknown][], condition?: Json) =>
    obj([...entries, ...(condition ? ([['Condition', condition]] as [string, unknown][]) : [])]);
  switch (t) {
    case 0: // root administration
      return stmt([
        ...sid(c, n),
        ['Effect', 'Allow'],
        ['Principal', { AWS: g.pick([`arn:aws:iam::${T}:root`, T]) }],
        ['Action', 'kms:*'],
        ['Resource', '*'],
      ]);
    case 1: // key administrators
      return stmt(
        [
          ...sid(c, n),
          ['Effect', 'Allow'],
          ['Principal', { AWS: `arn:aws:iam::${T}:role/${g.pick(['KeyAdmin', 'deploy-1', 'ci-admin'])}` }],
          ['Action', actions(c, ADMIN_ACTIONS)],
          ['Resource', '*'],
        ],
        g.chance(0.3) ? randomConditions(c, false, 1) : undefined,
      );
    case 2: // key users, often through the endpoint
      return stmt(
        [
          ...sid(c, n),
          ['Effect', 'Allow'],
          ['Principal', principal(c)],
          ['Action', actions(c, CRYPTO_PATTERNS)],
          resource(c),
        ],
        conditionBlock(c, false, g.chance(0.5) ? [networkCond] : [g.pick(CONDITION_KINDS)]),
      );
    case 3: // a direct grant to another account
      return stmt(
        [
          ...sid(c, n),
          ['Effect', 'Allow'],
          [
            'Principal',
            { AWS: g.pick([X, Z, `arn:aws:iam::${Z}:role/deploy-x`, `arn:aws:iam::${W}:role/x`]) },
          ],
          ['Action', actions(c, ACTIONS)],
          ['Resource', '*'],
        ],
        randomConditions(c, false, 1),
      );
    case 4: // everyone in the organization
      return stmt(
        [
          ...sid(c, n),
          ['Effect', 'Allow'],
          ['Principal', g.pick(['*', { AWS: '*' }])],
          ['Action', actions(c, ACTIONS)],
          ['Resource', '*'],
        ],
        conditionBlock(c, false, [orgCond, ...(g.chance(0.3) ? [g.pick(CONDITION_KINDS)] : [])]),
      );
    case 5: // everyone whose ARN matches a pattern
      return stmt(
        [
          ...sid(c, n),
          ['Effect', 'Allow'],
          ['Principal', '*'],
          ['Action', actions(c, ACTIONS)],
          ['Resource', '*'],
        ],
        conditionBlock(c, false, [principalArnCond, ...(g.chance(0.3) ? [g.pick(CONDITION_KINDS)] : [])]),
      );
    case 6: // everyone of a list of accounts
      return stmt(
        [
          ...sid(c, n),
          ['Effect', 'Allow'],
          ['Principal', '*'],
          ['Action', actions(c, ACTIONS)],
          ['Resource', '*'],
        ],
        conditionBlock(c, false, [(cc, d) => accountCond(cc, d)]),
      );
    case 7: // service principals
      c.features.add('service-principal');
      return stmt(
        [
          ...sid(c, n),
          ['Effect', 'Allow'],
          ['Principal', { Service: oneOrList(g, g.some(SERVICES, 1, 2)) }],
          ['Action', actions(c, [...CRYPTO_PATTERNS, 'kms:CreateGrant', 'kms:*'])],
          ['Resource', '*'],
        ],
        g.chance(0.6) ? conditionBlock(c, false, [sourceCond]) : undefined,
      );
    case 8: // Deny outside the perimeter (sometimes only partly)
      return stmt(
        [
          ...sid(c, n),
          ['Effect', 'Deny'],
          ['Principal', '*'],
          ['Action', g.chance(0.6) ? 'kms:*' : actions(c, ACTIONS)],
          resource(c),
        ],
        conditionBlock(
          c,
          true,
          g.chance(0.6)
            ? [orgCond, (cc, d) => accountCond(cc, d)]
            : [g.pick([orgCond, principalArnCond, (cc: Ctx, d: boolean) => accountCond(cc, d)])],
        ),
      );
    case 9: // Deny NotPrincipal
      c.features.add('not-principal');
      return stmt(
        [
          ...sid(c, n),
          ['Effect', 'Deny'],
          [
            'NotPrincipal',
            {
              AWS: g.some(
                [
                  `arn:aws:iam::${T}:root`,
                  T,
                  `arn:aws:iam::${T}:role/KeyAdmin`,
                  `arn:aws:sts::${T}:assumed-role/KeyAdmin/s`,
                  `arn:aws:iam::${M}:root`,
                ],
                1,
                3,
              ),
            },
          ],
          ['Action', g.chance(0.5) ? 'kms:*' : actions(c, ACTIONS)],
          ['Resource', '*'],
        ],
        randomConditions(c, true, 1),
      );
    case 10: // Deny off the approved network
      return stmt(
        [
          ...sid(c, n),
          ['Effect', 'Deny'],
          ['Principal', '*'],
          [
            'Action',
            g.chance(0.5)
              ? oneOrList(g, ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'])
              : actions(c, CRYPTO_PATTERNS),
          ],
          ['Resource', '*'],
        ],
        conditionBlock(c, true, [networkCond, ...(g.chance(0.5) ? [serviceCond] : [])]),
      );
    case 11: // NotAction
      c.features.add('not-action');
      return stmt(
        [
          ...sid(c, n),
          ['Effect', g.pick(['Allow', 'Deny', 'Deny'])],
          ['Principal', principal(c)],
          ['NotAction', actions(c, ACTIONS)],
          ['Resource', '*'],
        ],
        randomConditions(c, true, 2),
      );
    case 12:
    case 13:
      return guardCollision(c, n);
    case 14: // Allow with NotPrincipal (lets everyone else in)
      c.features.add('allow-not-principal');
      return stmt(
        [
          ...sid(c, n),
          ['Effect', 'Allow'],
          ['NotPrincipal', { AWS: g.pick([X, `arn:aws:iam::${T}:root`]) }],
          ['Action', actions(c, ACTIONS)],
          ['Resource', '*'],
        ],
        randomConditions(c, false, 1),
      );
    default: {
      const deny = g.chance(0.4);
      return stmt(
        [
          ...sid(c, n),
          ['Effect', deny ? 'Deny' : 'Allow'],
          ['Principal', principal(c)],
          [g.chance(0.15) ? 'NotAction' : 'Action', actions(c, ACTIONS)],
          resource(c),
        ],
        randomConditions(c, deny, 3),
      );
    }
  }
}

/**
 * Perimeter Denies as owners write them (SPEC §2: "a Deny counts"): deny outside the trusted
 * accounts or organization, and crypto off the approved endpoint with the service exceptions; now
 * and then only partly (some actions, IfExists in the wrong place, a missing exception).
 */
function perimeterDenies(c: Ctx, complete: boolean): Json[] {
  const { g } = c;
  const out: Json[] = [];
  const identity = complete || g.chance(0.85);
  const network = c.kind === 'key' && (complete || !identity || g.chance(0.7));
  if (identity) {
    const notTrusted = obj(
      g.pick([
        [['aws:PrincipalOrgID', ORG]],
        [['aws:PrincipalAccount', T]],
        [
          ['aws:PrincipalOrgID', ORG],
          ['aws:PrincipalAccount', [T]],
        ],
        [
          ['aws:PrincipalOrgID', [ORG]],
          ['kms:CallerAccount', T],
        ],
      ] as [string, unknown][][]),
    );
    const cond: [string, unknown][] = [
      [
        g.pick([
          'StringNotEquals',
          'StringNotEquals',
          'StringNotEqualsIfExists',
          'StringNotEqualsIgnoreCase',
        ]),
        notTrusted,
      ],
    ];
    if (c.kind === 'key' && g.chance(0.6))
      cond.push([g.pick(['BoolIfExists', 'Bool']), { 'aws:PrincipalIsAWSService': 'false' }]);
    if (g.chance(0.1))
      cond.push([
        'StringNotLike',
        { 'aws:PrincipalArn': g.pick(['*:role/break-glass', `arn:aws:iam::${X}:*`]) },
      ]);
    const partial = !complete && g.chance(0.15);
    if (partial) c.features.add('partial-deny');
    out.push(
      g.chance(0.15)
        ? obj([
            ['Sid', 'DenyOutside'],
            ['Effect', 'Deny'],
            [
              'NotPrincipal',
              { AWS: g.pick([[`arn:aws:iam::${T}:root`], [T, `arn:aws:iam::${T}:role/KeyAdmin`]]) },
            ],
            ['Action', 'kms:*'],
            ['Resource', '*'],
          ])
        : obj([
            ['Sid', g.pick(['DenyOutsideOrg', 'Perimeter', 'KmsPerimeterGuardDenyExternalPrincipals'])],
            ['Effect', 'Deny'],
            ['Principal', g.pick(['*', { AWS: '*' }])],
            ['Action', partial ? actions(c, ACTIONS) : g.pick(['kms:*', '*'])],
            ['Resource', '*'],
            ['Condition', obj(cond)],
          ]),
    );
  }
  if (network) {
    const cond: [string, unknown][] = [
      [
        g.pick(['StringNotEquals', 'StringNotEqualsIfExists']),
        { 'aws:SourceVpce': g.pick([VPCE, [VPCE, OTHER_VPCE], 'vpce-0a1b2c3d4e5f6a7b8']) },
      ],
    ];
    if (g.chance(0.8))
      cond.push([
        g.pick(['BoolIfExists', 'Bool']),
        obj(
          g.pick([
            [['aws:ViaAWSService', 'false']],
            [
              ['aws:ViaAWSService', 'false'],
              ['aws:PrincipalIsAWSService', 'false'],
            ],
          ] as [string, unknown][][]),
        ),
      ]);
    if (g.chance(0.3))
      cond.push([
        'ArnNotLikeIfExists',
        {
          'aws:PrincipalArn': g.pick([
            ['arn:aws:iam::*:role/aws-service-role/*'],
            ['arn:aws:iam::*:role/aws:ec2-infrastructure', 'arn:aws:iam::*:role/aws-service-role/*'],
          ]),
        },
      ]);
    const partial = !complete && g.chance(0.15);
    if (partial) c.features.add('partial-deny');
    out.push(
      obj([
        [
          'Sid',
          g.pick(['DenyOffNetwork', 'OnlyThroughVpce', 'KmsPerimeterGuardDenyCryptoOutsideApprovedNetwork']),
        ],
        ['Effect', 'Deny'],
        ['Principal', '*'],
        [
          'Action',
          partial
            ? actions(c, CRYPTO_PATTERNS)
            : g.pick(['kms:*', ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']]),
        ],
        ['Resource', '*'],
        ['Condition', obj(cond)],
      ]),
    );
  }
  return out;
}

/** The guard statements this configuration writes, keyed by their base Sid. */
export function guardStatements(config: GuardConfig, kind: PolicyKind): Json[] {
  return (
    kind === 'key'
      ? [denyExternalPrincipals(config, true), denyExternalServiceCalls(config), denyOffNetworkCrypto(config)]
      : [denyExternalPrincipals(config, false)]
  ).filter((s): s is NonNullable<typeof s> => s !== undefined);
}

/** The same JSON, spelled differently: one-element lists, key order (IAM reads them alike). */
function respell(g: Rng, v: unknown, member = false): unknown {
  if (Array.isArray(v)) return v.length === 1 && g.chance(0.5) ? v[0] : v;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v).map(([k, x]) => [k, respell(g, x, true)] as [string, unknown]);
    if (g.chance(0.5)) entries.reverse();
    return obj(entries);
  }
  return typeof v === 'string' && member && g.chance(0.2) ? [v] : v;
}

/** A statement under a guard Sid: the exact guard, a respelling, a near miss, or anything at all. */
function guardCollision(c: Ctx, n: number): Json {
  const { g } = c;
  c.features.add('guard-sid');
  const guards = guardStatements(c.config, c.kind);
  const guard = g.pick(guards);
  const base = g.chance(0.7) ? (guard.Sid as string) : g.pick(Object.values(GUARD_SIDS));
  const suffix = g.pick(['', '', '', '2', '3', '10', '1', '0', '02', ' ', 'x']);
  const sidValue = `${base}${suffix}`;
  const { Sid: _, ...content } = guard;
  switch (g.int(0, 5)) {
    case 0:
      c.features.add('exact-guard');
      return obj([['Sid', sidValue], ...Object.entries(structuredClone(content))]);
    case 1:
      c.features.add('exact-guard');
      return obj([
        ['Sid', sidValue],
        ...Object.entries(structuredClone(content)).map(
          ([k, v]) => [k, k === 'Effect' ? v : respell(g, v)] as [string, unknown],
        ),
      ]);
    case 2: {
      // A near miss: another configuration's guard (other accounts), or one condition dropped.
      c.features.add('near-guard');
      const near = structuredClone(content) as Json;
      const cond = near.Condition as Json | undefined;
      if (cond && g.chance(0.5)) {
        const ops = Object.keys(cond);
        delete cond[g.pick(ops)];
        if (Object.keys(cond).length === 0) delete near.Condition;
      } else if (cond?.StringNotEquals) {
        (cond.StringNotEquals as Json)['aws:PrincipalAccount'] = [T, X];
      } else near.Effect = 'Allow';
      return obj([['Sid', sidValue], ...Object.entries(near)]);
    }
    default: {
      const s = statement({ ...c, g }, n);
      const rest = Object.entries(s).filter(([k]) => k !== 'Sid');
      return obj([['Sid', sidValue], ...rest]);
    }
  }
}

// ------------------------------------------------------------------------------------------ text

type Layout = 'compact' | 'pretty2' | 'pretty4' | 'tabs' | 'odd' | 'crlf';

/** JSON text of a value, in a layout, with some string escapes (`\/`, `\uXXXX`). */
export function renderJson(value: unknown, layout: Layout, g: Rng, escapes: boolean): string {
  const nl = layout === 'crlf' ? '\r\n' : '\n';
  const unit = layout === 'pretty4' ? '    ' : layout === 'tabs' ? '\t' : '  ';
  const oddSpace = () => g.pick(['', '', ' ', '  ', '\n', '\t', '\r\n', ' \n   ', '\n\t\t']);
  const open = (depth: number) =>
    layout === 'compact' ? '' : layout === 'odd' ? oddSpace() : nl + unit.repeat(depth);
  const colon = () => (layout === 'compact' ? ':' : layout === 'odd' ? `${oddSpace()}:${oddSpace()}` : ': ');
  const str = (s: string): string => {
    let out = JSON.stringify(s);
    if (!escapes) return out;
    if (g.chance(0.3)) out = out.replace(/\//g, '\\/');
    if (g.chance(0.5))
      out = out.replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    if (g.chance(0.05)) out = out.replace(/[A-Z]/, (ch) => `\\u00${ch.charCodeAt(0).toString(16)}`);
    return out;
  };
  const ser = (v: unknown, depth: number): string => {
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[${v.map((x) => open(depth + 1) + ser(x, depth + 1)).join(',')}${open(depth)}]`;
    }
    if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      if (entries.length === 0) return '{}';
      return `{${entries.map(([k, x]) => `${open(depth + 1)}${str(k)}${colon()}${ser(x, depth + 1)}`).join(',')}${open(depth)}}`;
    }
    if (typeof v === 'string') return str(v);
    return JSON.stringify(v);
  };
  const lead = layout === 'odd' ? oddSpace() : '';
  const trail = layout === 'compact' ? '' : g.pick(['', nl, ` ${nl}`]);
  return `${lead}${ser(value, 0)}${trail}`;
}

function documentOf(c: Ctx, statements: Json[], single: boolean): Json {
  const { g } = c;
  const version = g.chance(0.9) ? '2012-10-17' : g.chance(0.5) ? '2008-10-17' : undefined;
  const entries: [string, unknown][] = [];
  if (version) entries.push(['Version', version]);
  if (g.chance(0.2)) entries.push(['Id', g.pick(['key-default-1', 'key-consolepolicy-3', 'политика'])]);
  entries.push(['Statement', single && statements.length === 1 ? statements[0] : statements]);
  if (g.chance(0.2)) entries.reverse();
  return obj(entries);
}

/** A statement listing `count` accounts (principals, or an aws:PrincipalAccount condition), to fill a policy. */
function padding(count: number, seed: number, forms: readonly number[]): Json {
  const g = rng(seed);
  const form = g.pick(forms);
  const accounts = accountList(g, count, g.chance(0.5));
  if (form === 0)
    return obj([
      ['Sid', 'Partners'],
      ['Effect', 'Allow'],
      ['Principal', { AWS: accounts }],
      ['Action', ['kms:Decrypt', 'kms:DescribeKey']],
      ['Resource', '*'],
    ]);
  if (form === 1)
    return obj([
      ['Sid', 'AccountList'],
      ['Effect', 'Allow'],
      ['Principal', '*'],
      ['Action', 'kms:*'],
      ['Resource', '*'],
      ['Condition', { StringEquals: { 'aws:PrincipalAccount': accounts } }],
    ]);
  return obj([
    ['Sid', 'DenyUnlisted'],
    ['Effect', 'Deny'],
    ['Principal', '*'],
    ['Action', 'kms:*'],
    ['Resource', '*'],
    ['Condition', { StringNotEquals: { 'aws:PrincipalAccount': accounts } }],
  ]);
}

const STATEMENTS: Record<Profile, [number, number]> = {
  tiny: [1, 2],
  small: [1, 4],
  perimeter: [1, 3],
  fenced: [1, 3],
  medium: [5, 16],
  large: [17, 60],
  'near-limit': [2, 24],
};

/**
 * One generated policy (deterministic in `seed`). The text may be over the size limit (`near-limit`
 * aims just under and over it): callers keep what parses, and count what does not.
 */
export function generatePolicy(
  seed: number,
  config: GuardConfig,
  options: {
    kind?: PolicyKind;
    profile?: Profile;
    /**
     * How `near-limit` policies are filled: `principals` lists the accounts in Principal (the
     * analyzer's slowest shape, for the benchmark), `conditions` in aws:PrincipalAccount, `any` either.
     */
    padding?: 'any' | 'principals' | 'conditions';
  } = {},
): GeneratedPolicy {
  const g = rng(seed);
  const kind = options.kind ?? 'key';
  const profile = options.profile ?? 'small';
  const c: Ctx = { g, features: new Set(), kind, config };
  const [min, max] = STATEMENTS[profile];
  const n = g.int(min, max);
  const statements: Json[] = [];
  // Most key policies start by enabling the account's IAM policies (the KMS default policy).
  if (kind === 'key' && g.chance(0.6))
    statements.push(
      obj([
        ['Sid', 'EnableIAMUserPermissions'],
        ['Effect', 'Allow'],
        ['Principal', { AWS: `arn:aws:iam::${T}:root` }],
        ['Action', 'kms:*'],
        ['Resource', '*'],
      ]),
    );
  while (statements.length < n) statements.push(statement(c, statements.length));
  if (profile === 'perimeter' || profile === 'fenced') {
    c.features.add(profile);
    const denies = perimeterDenies(c, profile === 'fenced');
    for (const d of denies) statements.splice(g.int(0, statements.length), 0, d);
  }
  if (kind === 'endpoint') {
    // Endpoint policies govern every KMS request through the endpoint: wider actions.
    for (const s of statements) if (g.chance(0.3) && 'Action' in s) s.Action = g.pick(['*', 'kms:*']);
  }
  if (g.chance(0.15) && statements.length > 1) {
    const i = g.int(0, statements.length - 1);
    const [s] = statements.splice(i, 1);
    statements.splice(g.int(0, statements.length), 0, s!);
  }
  const single = statements.length === 1 && g.chance(0.5);
  if (single) c.features.add('single-object');
  const layout = g.pick<Layout>(['compact', 'compact', 'pretty2', 'pretty4', 'tabs', 'odd', 'odd', 'crlf']);
  c.features.add(layout);
  const escapes = g.chance(0.2);
  if (escapes) c.features.add('escapes');
  const renderSeed = g.int(0, 2 ** 31);
  const render = (doc: Json) => renderJson(doc, layout, rng(renderSeed), escapes);

  let text = render(documentOf({ ...c, g: rng(renderSeed + 1) }, statements, single));
  if (profile === 'near-limit') {
    // Fill to a target just under or just over the limit with an account list, by bisection on its
    // length (the layout is deterministic, so the size grows with the count).
    const limit = kind === 'key' ? KEY_POLICY_LIMIT : ENDPOINT_POLICY_LIMIT;
    const target = limit - g.int(-200, 1_500);
    const padSeed = g.int(0, 2 ** 31);
    const forms =
      options.padding === 'principals' ? [0] : options.padding === 'conditions' ? [1, 2] : [0, 1, 2];
    const sized = (count: number) =>
      render(
        documentOf({ ...c, g: rng(renderSeed + 1) }, [...statements, padding(count, padSeed, forms)], false),
      );
    let lo = 1;
    let hi = 2_400;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (Buffer.byteLength(sized(mid)) <= target) lo = mid;
      else hi = mid - 1;
    }
    c.features.add(`account-list(${lo})`);
    text = sized(lo);
  }
  return {
    seed,
    kind,
    profile,
    text,
    bytes: Buffer.byteLength(text),
    statements: statements.length + (profile === 'near-limit' ? 1 : 0),
    features: [...c.features].sort(),
  };
}

// ------------------------------------------------------------------------- special constructions

/** The issue's ReDoS-shaped policy: Allow `*` when aws:PrincipalArn matches `a*a*...*b` (`stars` in all). */
export function starPatternPolicy(stars: number, targetBytes?: number): string {
  const pattern = `arn:aws:iam::*:role/${'a*'.repeat(stars - 1)}b`;
  const build = (sidText: string) =>
    JSON.stringify({
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
          Sid: sidText,
          Effect: 'Allow',
          Principal: '*',
          Action: 'kms:*',
          Resource: '*',
          Condition: { StringLike: { 'aws:PrincipalArn': pattern } },
        },
      ],
    });
  let text = build('Stars');
  if (targetBytes !== undefined) {
    const missing = targetBytes - Buffer.byteLength(text);
    if (missing < 0) throw new Error(`star pattern policy is already ${Buffer.byteLength(text)} bytes`);
    text = build(`Stars${'x'.repeat(missing)}`);
  }
  return text;
}

/** A policy granting a list of `count` accounts (as principals, or as an aws:PrincipalAccount list). */
export function accountListPolicy(count: number, form: 'principal' | 'condition' | 'deny', seed = 1): string {
  const g = rng(seed);
  const accounts = accountList(g, count, true);
  const root = {
    Sid: 'Root',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${T}:root` },
    Action: 'kms:*',
    Resource: '*',
  };
  const list =
    form === 'principal'
      ? {
          Sid: 'Partners',
          Effect: 'Allow',
          Principal: { AWS: accounts },
          Action: ['kms:Decrypt', 'kms:DescribeKey'],
          Resource: '*',
        }
      : form === 'condition'
        ? {
            Sid: 'Accounts',
            Effect: 'Allow',
            Principal: '*',
            Action: 'kms:*',
            Resource: '*',
            Condition: { StringEquals: { 'aws:PrincipalAccount': accounts } },
          }
        : {
            Sid: 'DenyOthers',
            Effect: 'Deny',
            Principal: '*',
            Action: 'kms:*',
            Resource: '*',
            Condition: { StringNotEquals: { 'aws:PrincipalAccount': accounts } },
          };
  const open = { Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' };
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: form === 'deny' ? [root, open, list] : [root, list],
  });
}

// ------------------------------------------------------------------------------------- sampling

/** Every string (and number) in a JSON value. */
function literalsOf(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number') out.push(String(v));
  else if (Array.isArray(v)) for (const x of v) literalsOf(x, out);
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      literalsOf(x, out);
    }
  return out;
}

const IAM_ARN = /^arn:aws:iam::(\d{12}):(root|role\/.+|user\/.+)$/;

/** Concrete values a wildcard pattern admits (and some it does not): `*` and `?` filled in. */
export function instantiate(g: Rng, pattern: string, fills: readonly string[]): string {
  return pattern.replace(/[*?]/g, (m) => (m === '?' ? g.pick(['1', 'a', 'q', '3']) : g.pick(fills)));
}

/** IAM principal ARNs that principal-ARN patterns (and Principal entries) of the policy admit. */
function arnsFrom(g: Rng, patterns: string[], accounts: string[]): string[] {
  const out = new Set<string>();
  for (const p of patterns) {
    for (let i = 0; i < 10; i++) {
      const acct = g.pick(accounts);
      const fills = [
        '',
        'x',
        'a',
        'b',
        '1',
        '3',
        'ab',
        '-1',
        acct,
        `arn:aws:iam::${acct}:role/`,
        `arn:aws:iam::${acct}:role`,
        `arn:aws:iam::${acct}:`,
        `arn:aws:iam::${acct}`,
        `arn:aws:iam::${acct.slice(0, 11)}`,
        `arn:aws:iam::${acct}:user/`,
        `${acct}:role/`,
        'role/',
      ];
      const arn = instantiate(g, p, fills);
      if (IAM_ARN.test(arn)) out.add(arn);
    }
  }
  return [...out];
}

/** What a policy talks about, for drawing requests that reach its statements. */
export interface PolicyLiterals {
  accounts: string[];
  arns: string[];
  services: string[];
  federated: string[];
  orgs: string[];
  orgPaths: string[];
  vpces: string[];
  vpcs: string[];
  viaServices: string[];
  sourceArns: string[];
  actions: string[];
  /** Other condition keys (lower case as AWS spells them in the policy) and their values. */
  keys: Map<string, { key: string; values: string[] }>;
}

const HANDLED_KEYS = new Set([
  'aws:principalaccount',
  'kms:calleraccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principalisawsservice',
  'aws:principaltype',
  'aws:principalservicename',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceowner',
  'aws:sourcevpce',
  'aws:sourcevpc',
  'aws:sourceip',
  'aws:viaawsservice',
  'kms:viaservice',
  'aws:calledvia',
]);

export function policyLiterals(policy: Policy, g: Rng): PolicyLiterals {
  const all = literalsOf(policy.raw);
  const accounts = new Set<string>([T, M, X, Y, Z, W]);
  for (const s of all) for (const m of s.matchAll(/(?<!\d)\d{12}(?!\d)/g)) accounts.add(m[0]);
  const accountPool = [...accounts].slice(0, 40);
  const condValues = (key: string) =>
    policy.statements.flatMap((s) => s.conditions.filter((c) => c.keyLower === key).flatMap((c) => c.values));
  const fillsPlain = ['', 'x', 'a', 'b', '1', 'ab'];
  const inst = (vs: string[], fills = fillsPlain) =>
    vs.flatMap((v) => [instantiate(g, v, fills), instantiate(g, v, fills)]);
  const principalArns = policy.statements.flatMap((s) => s.principal.aws.filter((a) => a.startsWith('arn:')));
  const arnPatterns = [
    ...condValues('aws:principalarn'),
    ...principalArns,
    ...all.filter((s) => /:(role|user)\//.test(s)),
  ];
  const keys = new Map<string, { key: string; values: string[] }>();
  for (const s of policy.statements)
    for (const c of s.conditions) {
      if (HANDLED_KEYS.has(c.keyLower)) continue;
      const e = keys.get(c.keyLower) ?? { key: c.key, values: [] };
      e.values.push(...c.values);
      keys.set(c.keyLower, e);
    }
  return {
    accounts: accountPool,
    arns: arnsFrom(g, [...new Set(arnPatterns)].slice(0, 60), accountPool),
    services: [...new Set(policy.statements.flatMap((s) => s.principal.service))],
    federated: [...new Set(policy.statements.flatMap((s) => s.principal.federated))],
    orgs: inst(condValues('aws:principalorgid')).filter((o) => /^o-[a-z0-9]{10,32}$/.test(o)),
    orgPaths: inst(condValues('aws:principalorgpaths')),
    vpces: inst(condValues('aws:sourcevpce'), ['', '0', 'a1b2c3d4e5f6a7b8', '0a1b2c3d4e5f6a7b8']),
    vpcs: inst(condValues('aws:sourcevpc'), ['0123456789abcdef0', '']),
    viaServices: inst(condValues('kms:viaservice'), ['ec2', 'us-east-1', 'rds.us-east-1', 'x']),
    sourceArns: inst(condValues('aws:sourcearn'), ['us-east-1', X, T, 'log-group:x', 'bucket-1']),
    actions: policy.statements.flatMap((s) => (s.action.negated ? [] : s.action.patterns)),
    keys,
  };
}

const CURRENT_TIME_KEYS = new Set(['aws:currenttime', 'aws:epochtime']);

function otherValue(g: Rng, keyLower: string, values: string[]): string | string[] {
  if (keyLower === 'aws:currenttime')
    return new Date(Date.now() + g.int(0, 3650) * 86_400_000 * g.next()).toISOString();
  if (keyLower === 'aws:epochtime') return String(Math.floor(Date.now() / 1000) + g.int(0, 10 ** 8));
  const pool = [
    ...values.map((v) => instantiate(g, v, ['', 'x', 'a', 'b'])),
    'fresh-value',
    'true',
    'false',
    '10',
    '4000',
  ];
  const one = g.pick(pool);
  if (MULTIVALUED_KEYS.has(keyLower)) return g.chance(0.5) ? [one] : [one, g.pick(pool)];
  return one;
}

function setKey(ctx: Record<string, string | string[]>, key: string, value: string | string[]): void {
  Object.defineProperty(ctx, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Concrete requests on a key (or through an endpoint) shaped by the policy: principals of trusted,
 * organization and foreign accounts (ARNs instantiated from the policy's patterns), services acting
 * for no account, a trusted one or a foreign one, every key action, both networks, AWS service
 * calls; other condition keys take a policy literal, a fresh value or are absent.
 */
export function sampleRequests(policy: Policy, kind: PolicyKind, seed: number, n: number): ConcreteRequest[] {
  const g = rng(seed);
  const lit = policyLiterals(policy, g);
  const actionPool = kind === 'key' ? KEY_ACTIONS : KMS_ACTIONS;
  const named = actionPool.filter((a) =>
    lit.actions.some((p) =>
      new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
        'i',
      ).test(a),
    ),
  );
  const out: ConcreteRequest[] = [];
  for (let i = 0; i < n; i++) {
    const context: Record<string, string | string[]> = {};
    let principal: ConcreteRequest['principal'];
    const who = g.next();
    const isService = kind === 'key' && who < 0.14;
    const isFederated = !isService && lit.federated.length > 0 && who < 0.18;
    if (isService) {
      const service = g.pick([...lit.services, ...lit.services, 'example-service.amazonaws.com']);
      principal = { Service: service };
      setKey(context, 'aws:PrincipalIsAWSService', 'true');
      setKey(context, 'aws:PrincipalServiceName', service);
      const sa = g.pick([undefined, T, g.pick(lit.accounts), X]);
      if (sa !== undefined) {
        setKey(context, 'aws:SourceAccount', sa);
        setKey(context, 'aws:SourceOwner', sa);
        const fromPolicy = lit.sourceArns.filter((a) => a.split(':')[4] === sa);
        setKey(context, 'aws:SourceArn', g.pick([...fromPolicy, `arn:aws:logs:${REGION}:${sa}:log-group:x`]));
      }
      setKey(context, 'aws:ViaAWSService', 'false');
    } else if (isFederated) {
      principal = { Federated: g.pick(lit.federated) };
      setKey(context, 'aws:PrincipalIsAWSService', 'false');
      setKey(context, 'aws:ViaAWSService', 'false');
    } else {
      let arn: string;
      if (lit.arns.length > 0 && g.chance(0.5)) arn = g.pick(lit.arns);
      else {
        const acct = g.pick([T, T, M, ...lit.accounts]);
        arn = g.pick([
          `arn:aws:iam::${acct}:root`,
          `arn:aws:iam::${acct}:role/${g.pick(['KeyAdmin', 'app', 'deploy-1', 'ci-runner', 'x', 'aws-service-role/ec2.amazonaws.com/AWSServiceRoleForEC2', 'aws:ec2-infrastructure', 'partner'])}`,
          `arn:aws:iam::${acct}:user/${g.pick(['bob', 'alice'])}`,
        ]);
      }
      const acct = IAM_ARN.exec(arn)![1]!;
      const roleMatch = /^arn:aws:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(arn);
      // A role acts through its sessions: the request's principal is the session.
      const session = roleMatch && g.chance(0.4);
      principal = { AWS: session ? `arn:aws:sts::${acct}:assumed-role/${roleMatch[1]}/s${i}` : arn };
      const org =
        acct === T
          ? g.pick([ORG, ORG, undefined])
          : acct === M
            ? ORG
            : g.pick([undefined, undefined, ORG, OTHER_ORG, ...lit.orgs]);
      setKey(context, 'aws:PrincipalAccount', acct);
      setKey(context, 'kms:CallerAccount', acct);
      setKey(context, 'aws:PrincipalArn', arn);
      setKey(context, 'aws:PrincipalIsAWSService', 'false');
      setKey(
        context,
        'aws:PrincipalType',
        arn.endsWith(':root') ? 'Account' : arn.includes(':user/') ? 'User' : 'AssumedRole',
      );
      if (org !== undefined) {
        setKey(context, 'aws:PrincipalOrgID', org);
        const paths = lit.orgPaths.filter((p) => p.startsWith(`${org}/`));
        setKey(context, 'aws:PrincipalOrgPaths', [g.pick([...paths, `${org}/r-ab12/ou-ab12-11111111/`])]);
      }
      const via = kind === 'key' && g.chance(0.2);
      setKey(context, 'aws:ViaAWSService', via ? 'true' : 'false');
      if (via) {
        const svc = g.pick([
          ...lit.viaServices,
          'ec2.us-east-1.amazonaws.com',
          'rds.us-east-1.amazonaws.com',
        ]);
        setKey(context, 'kms:ViaService', svc);
        setKey(context, 'aws:CalledVia', [svc.replace(/^([^.]+)\..*$/, '$1.amazonaws.com')]);
      }
    }
    // Network path: through the endpoint itself (endpoint policies), the approved endpoint, another
    // endpoint, or the public internet. AWS services never come through the customer's endpoint.
    if (kind === 'endpoint') {
      setKey(context, 'aws:SourceVpce', ENDPOINT_ID);
      setKey(context, 'aws:SourceVpc', VPC);
    } else {
      const net = isService ? 'public' : g.pick(['public', 'vpce', 'vpce', 'other']);
      if (net === 'public')
        setKey(context, 'aws:SourceIp', g.pick(['203.0.113.10', '10.1.2.3', '192.0.2.7']));
      else {
        setKey(
          context,
          'aws:SourceVpce',
          net === 'vpce'
            ? VPCE
            : g.pick([OTHER_VPCE, ...lit.vpces.filter((v) => /^vpce-[0-9a-f]{17}$/.test(v))]),
        );
        setKey(
          context,
          'aws:SourceVpc',
          g.pick([VPC, ...lit.vpcs.filter((v) => /^vpc-[0-9a-f]{17}$/.test(v))]),
        );
      }
    }
    for (const [keyLower, { key, values }] of lit.keys) {
      if (g.chance(0.3) && !CURRENT_TIME_KEYS.has(keyLower)) continue;
      setKey(context, key, otherValue(g, keyLower, values));
    }
    const action =
      named.length > 0 && g.chance(0.4)
        ? g.pick(named)
        : g.chance(0.25)
          ? 'kms:PutKeyPolicy'
          : g.pick(actionPool);
    const resourceArn =
      kind === 'key'
        ? KEY_ARN
        : g.pick([KEY_ARN, `arn:aws:kms:${REGION}:${X}:key/0000aaaa-12ab-34cd-56ef-1234567890ab`]);
    out.push({ principal, action, resource: resourceArn, context });
  }
  return out;
}

// ------------------------------------------------------------------------------ request classes

const get = (r: ConcreteRequest, key: string): string | string[] | undefined => {
  const wanted = key.toLowerCase();
  for (const [k, v] of Object.entries(r.context)) if (k.toLowerCase() === wanted) return v;
  return undefined;
};

/** SPEC §2: an IAM principal of an untrusted account and organization, or a service acting for one. */
export function isExternalRequest(r: ConcreteRequest, config: GuardConfig): boolean {
  const { accounts, organizationIds } = config.trust;
  if ('Service' in r.principal) {
    const sa = get(r, 'aws:SourceAccount');
    return typeof sa === 'string' && !accounts.includes(sa);
  }
  if ('Federated' in r.principal) {
    const acct = r.principal.Federated.split(':')[4];
    return !(acct !== undefined && accounts.includes(acct));
  }
  const acct = get(r, 'aws:PrincipalAccount');
  const org = get(r, 'aws:PrincipalOrgID');
  return (
    !(typeof acct === 'string' && accounts.includes(acct)) &&
    !(typeof org === 'string' && organizationIds.includes(org))
  );
}

const exemptPolicies = new WeakMap<GuardConfig, Policy | null>();

/** Whether the principal's ARN matches `network.exemptPrincipalArns` (ArnLike, read by the evaluator). */
function exemptByArn(r: ConcreteRequest, config: GuardConfig): boolean {
  let policy = exemptPolicies.get(config);
  if (policy === undefined) {
    const arns = config.network.exemptPrincipalArns;
    const parsed = arns.length
      ? parsePolicy({
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: '*',
              Resource: '*',
              Condition: { ArnLike: { 'aws:PrincipalArn': [...arns] } },
            },
          ],
        })
      : undefined;
    policy = parsed?.ok ? parsed.value : null;
    exemptPolicies.set(config, policy);
  }
  return policy !== null && evaluate(policy, r).decision === 'allow';
}

/**
 * The endpoint-owner approvals of issue 12 (item 4), read independently of the analyzer:
 * aws:VpceAccount, aws:VpceOrgID, an aws:VpceOrgPaths value StringLike an approved path, or
 * aws:SourceVpcArn ArnLike an approved ARN (part by part).
 */
function approvedByOwner(r: ConcreteRequest, config: GuardConfig): boolean {
  const n = config.network;
  const like = (pattern: string, v: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test(v);
  const account = get(r, 'aws:VpceAccount');
  const org = get(r, 'aws:VpceOrgID');
  const paths = get(r, 'aws:VpceOrgPaths');
  const arn = get(r, 'aws:SourceVpcArn');
  return (
    (typeof account === 'string' && n.vpceAccounts.includes(account)) ||
    (typeof org === 'string' && n.vpceOrgIds.includes(org)) ||
    (Array.isArray(paths) && paths.some((p) => n.vpceOrgPaths.some((pat) => like(pat, p)))) ||
    (typeof arn === 'string' &&
      n.vpcArns.some((pat) => {
        const [a, b] = [pat.split(':'), arn.split(':')];
        return a.length === b.length && a.every((part, i) => like(part, b[i]!));
      }))
  );
}

/**
 * SPEC §2 off-network crypto request: a configured crypto action, not through an approved endpoint
 * or VPC, not an AWS service call (when those are allowed), not by an exempt principal ARN.
 */
export function isOffNetworkCryptoRequest(
  r: ConcreteRequest,
  config: GuardConfig,
  cryptoActions: readonly string[],
): boolean {
  const n = config.network;
  if (!cryptoActions.some((a) => a.toLowerCase() === r.action.toLowerCase())) return false;
  const vpce = get(r, 'aws:SourceVpce');
  const vpc = get(r, 'aws:SourceVpc');
  if (typeof vpce === 'string' && n.vpceIds.includes(vpce)) return false;
  if (typeof vpc === 'string' && n.vpcIds.includes(vpc)) return false;
  if (approvedByOwner(r, config)) return false;
  if (
    n.allowAwsServiceCalls &&
    (get(r, 'aws:ViaAWSService') === 'true' || get(r, 'aws:PrincipalIsAWSService') === 'true')
  )
    return false;
  return !exemptByArn(r, config);
}
