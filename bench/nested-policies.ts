/**
 * Generated key policies of the shape issue 15 names for the analysis budget: conditions on
 * aws:PrincipalArn, aws:PrincipalOrgID (and aws:PrincipalOrgPaths) and aws:SourceVpce nested in
 * every statement, several operators per key, Allows and interacting Denies across many
 * statements. Deterministic in the seed (benchmarks only).
 */
import { prng } from './lib.js';

type Json = Record<string, unknown>;

const ACCOUNTS = ['111122223333', '444455556666', '777788889999', '123456789012', '210987654321'];
const ORGS = ['o-a1b2c3d4e5', 'o-zzzzzzzzzz', 'o-0123456789', 'o-abcdefghij'];
const VPCES = ['vpce-0a1b2c3d4e5f6a7b8', 'vpce-0fffffffffffffff0', 'vpce-01234567890abcdef'];
const ACTIONS = [
  'kms:*',
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
  'kms:Describe*',
];

export interface NestedOptions {
  /** Statements besides the account root's. */
  statements: number;
  /** Values per condition entry. */
  width: number;
  /** Share of Deny statements. */
  denyShare: number;
}

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)] as T;
}

function arnPattern(rand: () => number, i: number): string {
  const account = rand() < 0.4 ? '*' : pick(rand, ACCOUNTS);
  const name = pick(rand, [`team-${i}-*`, `*-admin*`, `app?-${i}*`, `*${i}*deploy*`, `svc-*-${i}`, '*']);
  return `arn:aws:iam::${account}:${pick(rand, ['role', 'user', 'role/path'])}/${name}`;
}

function orgValue(rand: () => number): string {
  return rand() < 0.2 ? `o-${pick(rand, ['a1b2', 'zz', '0123'])}*` : pick(rand, ORGS);
}

function vpceValue(rand: () => number, i: number): string {
  return rand() < 0.3 ? `vpce-0${i % 10}*` : pick(rand, VPCES);
}

/** One condition block: each of the three keys under one or two operators, each with `width` values. */
function conditionBlock(rand: () => number, i: number, width: number, deny: boolean): Json {
  const block: Record<string, Record<string, string[]>> = {};
  const add = (op: string, key: string, values: string[]) => {
    block[op] = { ...(block[op] ?? {}), [key]: values };
  };
  const many = (f: (j: number) => string) => Array.from({ length: width }, (_, j) => f(i * 7 + j));
  const not = (positive: string, negative: string) => (deny === rand() < 0.7 ? negative : positive);
  add(
    not(
      pick(rand, ['ArnLike', 'StringLike']),
      pick(rand, ['ArnNotLike', 'StringNotLike', 'ArnNotLikeIfExists']),
    ),
    'aws:PrincipalArn',
    many((j) => arnPattern(rand, j)),
  );
  if (rand() < 0.5)
    add(
      pick(rand, ['ArnLike', 'StringLike', 'ArnNotLike']),
      'aws:PrincipalArn',
      many((j) => arnPattern(rand, j + 1)),
    );
  add(
    not('StringEquals', pick(rand, ['StringNotEquals', 'StringNotEqualsIfExists'])),
    'aws:PrincipalOrgID',
    many(() => orgValue(rand)),
  );
  if (rand() < 0.4)
    add(pick(rand, ['ForAnyValue:StringLike', 'ForAllValues:StringLike']), 'aws:PrincipalOrgPaths', [
      `${pick(rand, ORGS)}/r-ab12/ou-${i}*`,
      `${pick(rand, ORGS)}/*`,
    ]);
  add(
    not(
      pick(rand, ['StringEquals', 'StringLike']),
      pick(rand, ['StringNotEquals', 'StringNotLike', 'StringNotEqualsIfExists']),
    ),
    'aws:SourceVpce',
    many((j) => vpceValue(rand, j)),
  );
  return block;
}

/** A key policy: the root's statement, then `statements` nested-condition statements. */
export function nestedConditionPolicy(seed: number, options: NestedOptions): Json {
  const rand = prng(seed);
  const statements: Json[] = [
    {
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNTS[0]}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ];
  for (let i = 1; i <= options.statements; i++) {
    const deny = rand() < options.denyShare;
    statements.push({
      Sid: `Nested${i}`,
      Effect: deny ? 'Deny' : 'Allow',
      Principal:
        rand() < 0.6
          ? '*'
          : { AWS: [pick(rand, ACCOUNTS), `arn:aws:iam::${pick(rand, ACCOUNTS)}:role/app-${i}`] },
      Action: [pick(rand, ACTIONS), pick(rand, ACTIONS)],
      Resource: '*',
      Condition: conditionBlock(rand, i, options.width, deny),
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}
