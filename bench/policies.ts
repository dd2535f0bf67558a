/** Deterministic generated key policies for the benchmarks (and nothing else). */
import { prng } from './lib.js';

const ACCOUNTS = ['111122223333', '444455556666', '777788889999', '123456789012'];
const ACTION_PATTERNS = [
  'kms:*',
  'kms:Gen*',
  'kms:*Key*',
  'kms:Re*',
  'kms:Describe*',
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:CreateGrant',
  'kms:List*',
  'kms:?e*',
];
const CONDITION_KEYS = [
  'aws:PrincipalArn',
  'aws:PrincipalAccount',
  'aws:PrincipalOrgID',
  'aws:SourceVpce',
  'aws:SourceVpc',
  'aws:SourceIp',
  'aws:ViaAWSService',
  'aws:PrincipalTag/team',
  'aws:PrincipalOrgPaths',
  'kms:ViaService',
  'kms:CallerAccount',
  'kms:EncryptionContext:app',
  'kms:EncryptionContext:tenant',
  'kms:GrantIsForAWSResource',
  'aws:SourceAccount',
  'aws:SourceArn',
  'aws:CalledVia',
  'aws:userid',
  'aws:RequestTag/env',
  'kms:KeySpec',
];

type Json = Record<string, unknown>;

function condition(rand: () => number, key: string, width: number): Json {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const many = (f: (i: number) => string) => Array.from({ length: width }, (_, i) => f(i));
  switch (key) {
    case 'aws:SourceIp':
      return {
        [pick(['IpAddress', 'NotIpAddress'])]: {
          [key]: many((i) => `10.${i}.${Math.floor(rand() * 255)}.0/24`),
        },
      };
    case 'aws:ViaAWSService':
    case 'kms:GrantIsForAWSResource':
      return { [pick(['Bool', 'BoolIfExists'])]: { [key]: pick(['true', 'false']) } };
    case 'aws:PrincipalArn':
    case 'aws:SourceArn':
      return {
        [pick(['ArnLike', 'ArnNotLike', 'ArnNotLikeIfExists', 'StringLike'])]: {
          [key]: many((i) => `arn:aws:iam::${pick(ACCOUNTS)}:role/team-${i}-*-admin*`),
        },
      };
    case 'aws:PrincipalAccount':
    case 'kms:CallerAccount':
    case 'aws:SourceAccount':
      return {
        [pick(['StringEquals', 'StringNotEquals', 'StringNotEqualsIfExists'])]: {
          [key]: many(() => pick(ACCOUNTS)),
        },
      };
    case 'aws:SourceVpce':
      return {
        [pick(['StringEquals', 'StringNotEquals', 'StringLike'])]: {
          [key]: many((i) => `vpce-0${i}a1b2c3d4e5f6*`),
        },
      };
    case 'aws:PrincipalOrgPaths':
    case 'aws:CalledVia':
      return {
        [pick(['ForAnyValue:StringLike', 'ForAllValues:StringLike', 'ForAnyValue:StringEquals'])]: {
          [key]: many((i) => `o-a1b2c3d4e5/r-ab12/ou-${i}*`),
        },
      };
    default:
      return {
        [pick([
          'StringLike',
          'StringNotLike',
          'StringEquals',
          'StringEqualsIgnoreCase',
          'StringLikeIfExists',
          'Null',
        ])]: {
          [key]:
            key.startsWith('kms:EncryptionContext') || key.includes('Tag')
              ? many((i) => `v${i}*-${pick(['a', 'b', '?'])}*`)
              : many((i) => `x${i}*`),
        },
      };
  }
}

function merge(into: Json, part: Json): void {
  for (const [op, body] of Object.entries(part))
    into[op] = { ...((into[op] as Json) ?? {}), ...(body as Json) };
}

/** One generated statement with `keys` condition keys of `width` values each. */
function statement(rand: () => number, i: number, keys: number, width: number): Json {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const cond: Json = {};
  for (let k = 0; k < keys; k++) {
    const key = CONDITION_KEYS[(i * 7 + k) % CONDITION_KEYS.length] as string;
    // Null takes "true"/"false" only; keep it valid.
    const c = condition(rand, key, width);
    if ('Null' in c) c.Null = { [key]: 'false' };
    merge(cond, c);
  }
  const deny = rand() < 0.4;
  const principal =
    deny && rand() < 0.2
      ? {
          NotPrincipal: {
            AWS: [`arn:aws:iam::${pick(ACCOUNTS)}:root`, `arn:aws:iam::${pick(ACCOUNTS)}:role/admin`],
          },
        }
      : {
          Principal:
            rand() < 0.5 ? '*' : { AWS: [pick(ACCOUNTS), `arn:aws:iam::${pick(ACCOUNTS)}:role/app-${i}`] },
        };
  return {
    Sid: `S${i}`,
    Effect: deny ? 'Deny' : 'Allow',
    ...principal,
    [rand() < 0.15 ? 'NotAction' : 'Action']: [pick(ACTION_PATTERNS), pick(ACTION_PATTERNS)],
    Resource: '*',
    ...(keys > 0 ? { Condition: cond } : {}),
  };
}

/** A policy whose compact JSON is close to (and not over) `targetBytes`. */
export function adversarialPolicy(targetBytes: number, seed = 1): Json {
  const rand = prng(seed);
  const statements: Json[] = [
    {
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 'kms:*',
      Resource: '*',
    },
  ];
  for (let i = 1; ; i++) {
    const next = statement(rand, i, 4 + (i % 5), 3 + (i % 4));
    const doc = { Version: '2012-10-17', Statement: [...statements, next] };
    if (Buffer.byteLength(JSON.stringify(doc)) > targetBytes)
      return { Version: '2012-10-17', Statement: statements };
    statements.push(next);
  }
}

/** A small, varied policy (2-5 statements) for the memory run. */
export function smallPolicy(seed: number): Json {
  const rand = prng(seed);
  const n = 2 + Math.floor(rand() * 4);
  const statements: Json[] = [
    {
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 'kms:*',
      Resource: '*',
    },
  ];
  for (let i = 1; i < n; i++)
    statements.push(statement(rand, i + seed, Math.floor(rand() * 3), 1 + Math.floor(rand() * 2)));
  return { Version: '2012-10-17', Statement: statements };
}
