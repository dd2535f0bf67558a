// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables (`${aws:username}`) are plain strings here
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type Decision,
  evaluate,
  principalMatches,
  statementMatches,
} from '../../functions/policy/evaluate.js';
import {
  conditionMatches,
  ipInRange,
  OPERATORS,
  parseCidr,
  parseDate,
  parseNumber,
} from '../../functions/policy/evaluate-conditions.js';
import {
  literalPattern,
  resolvePolicyValue,
  wildcardMatch,
} from '../../functions/policy/evaluate-patterns.js';
import { parsePolicy } from '../../functions/policy/parse.js';
import type {
  BaseOperator,
  ConcreteRequest,
  ConditionEntry,
  Policy,
  PrincipalElement,
  RequestPrincipal,
  SetQualifier,
  Statement,
} from '../../functions/policy/types.js';

// Statements are built by hand here so that these tests do not depend on the parser; the
// data-driven cases at the end go through parsePolicy like production code does.

const TRUSTED = '111122223333';
const OTHER = '444455556666';
const KEY = `arn:aws:kms:us-east-1:${TRUSTED}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

function principal(fields: Partial<PrincipalElement> = {}): PrincipalElement {
  return { negated: false, any: false, aws: [], service: [], federated: [], canonicalUser: [], ...fields };
}

function condition(operator: string, key: string, values: string[]): ConditionEntry {
  const m = /^(?:(ForAllValues|ForAnyValue):)?(.+?)(IfExists)?$/.exec(operator);
  const qualifier = m?.[1] as SetQualifier | undefined;
  return {
    operator,
    base: m?.[2] as BaseOperator,
    ...(qualifier ? { qualifier } : {}),
    ifExists: m?.[3] !== undefined,
    key,
    keyLower: key.toLowerCase(),
    values,
    path: `Statement[0].Condition.${operator}.${key}`,
  };
}

function statement(fields: Partial<Statement> = {}): Statement {
  return {
    index: 0,
    effect: 'Allow',
    principal: principal({ any: true }),
    action: { negated: false, patterns: ['kms:*'] },
    resource: { negated: false, patterns: ['*'] },
    conditions: [],
    path: 'Statement[0]',
    raw: {},
    ...fields,
  };
}

function policyOf(statements: Statement[], version: string | null = '2012-10-17'): Policy {
  return {
    ...(version ? { version } : {}),
    statements: statements.map((s, index) => ({ ...s, index, path: `Statement[${index}]` })),
    raw: {},
    sizeBytes: 0,
    text: '{}',
  };
}

function request(fields: Partial<ConcreteRequest> = {}): ConcreteRequest {
  return {
    principal: { AWS: `arn:aws:iam::${TRUSTED}:user/alice` },
    action: 'kms:Decrypt',
    resource: KEY,
    context: {},
    ...fields,
  };
}

const holds = (entry: ConditionEntry, context: ConcreteRequest['context']): boolean =>
  conditionMatches(entry, context, { policyVariables: true });

const NEGATED: BaseOperator[] = [
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
  'ArnNotEquals',
  'ArnNotLike',
];
const ALL_BUT_NULL = Object.keys(OPERATORS) as Exclude<BaseOperator, 'Null'>[];

describe('SPEC §2: a request is allowed iff some Allow statement matches it and no Deny statement matches it', () => {
  it('allows when an Allow matches and no Deny does', () => {
    const result = evaluate(policyOf([statement()]), request());
    expect(result).toEqual({ decision: 'allow', allowedBy: [0], deniedBy: [] });
  });

  it('denies explicitly when a Deny matches, whatever the statement order', () => {
    const deny = statement({ effect: 'Deny' });
    expect(evaluate(policyOf([deny, statement()]), request())).toEqual({
      decision: 'explicit-deny',
      allowedBy: [1],
      deniedBy: [0],
    });
    expect(evaluate(policyOf([statement(), deny]), request()).decision).toBe('explicit-deny');
  });

  it('denies implicitly when nothing matches, including an empty policy', () => {
    const other = statement({ action: { negated: false, patterns: ['kms:Encrypt'] } });
    expect(evaluate(policyOf([other]), request())).toEqual({
      decision: 'implicit-deny',
      allowedBy: [],
      deniedBy: [],
    });
    expect(evaluate(policyOf([]), request()).decision).toBe('implicit-deny');
  });

  it('a Deny that does not match does not affect the decision', () => {
    const deny = statement({ effect: 'Deny', action: { negated: false, patterns: ['kms:PutKeyPolicy'] } });
    expect(evaluate(policyOf([statement(), deny]), request()).decision).toBe('allow');
  });

  it('reports Statement.index, the position in the document', () => {
    const policy: Policy = { statements: [statement({ index: 7 })], raw: {}, sizeBytes: 0, text: '{}' };
    expect(evaluate(policy, request()).allowedBy).toEqual([7]);
  });
});

describe('SPEC §2: a statement matches iff its principal, action, resource and every condition match', () => {
  const failing: [string, Partial<Statement>][] = [
    ['principal', { principal: principal({ aws: [`arn:aws:iam::${OTHER}:root`] }) }],
    ['action', { action: { negated: false, patterns: ['kms:Encrypt'] } }],
    ['resource', { resource: { negated: false, patterns: ['arn:aws:kms:*:999999999999:key/*'] } }],
    ['one condition of several', { conditions: [condition('Bool', 'aws:SecureTransport', ['true'])] }],
  ];
  it.each(failing)('fails when the %s does not match', (_name, fields) => {
    const context = { 'aws:PrincipalAccount': TRUSTED };
    const matching = [condition('StringEquals', 'aws:PrincipalAccount', [TRUSTED])];
    const conditions = [...matching, ...(fields.conditions ?? [])];
    expect(statementMatches(statement({ conditions: matching }), request({ context }))).toBe(true);
    expect(statementMatches(statement({ ...fields, conditions }), request({ context }))).toBe(false);
  });

  it('actions: * and ? wildcards, case-insensitive, whole name', () => {
    const matches = (patterns: string[], action: string, negated = false): boolean =>
      statementMatches(statement({ action: { negated, patterns } }), request({ action }));
    expect(matches(['KMS:decrypt'], 'kms:Decrypt')).toBe(true);
    expect(matches(['kms:Decrypt'], 'KMS:DECRYPT')).toBe(true);
    expect(matches(['kms:*'], 'kms:Decrypt')).toBe(true);
    expect(matches(['*'], 'kms:Decrypt')).toBe(true);
    expect(matches(['kms:?ecrypt'], 'kms:Decrypt')).toBe(true);
    expect(matches(['kms:Decrypt?'], 'kms:Decrypt')).toBe(false);
    expect(matches(['kms:crypt'], 'kms:Decrypt')).toBe(false);
    expect(matches(['kms:Encrypt', 'kms:De*'], 'kms:Decrypt')).toBe(true);
    expect(matches(['kms:Decrypt'], 'kms:Decrypt', true)).toBe(false);
    expect(matches(['kms:Decrypt'], 'kms:Encrypt', true)).toBe(true);
  });

  it('resources: wildcards, case-sensitive, * matches anything', () => {
    const matches = (patterns: string[], resource: string, negated = false): boolean =>
      statementMatches(statement({ resource: { negated, patterns } }), request({ resource }));
    expect(matches(['*'], KEY)).toBe(true);
    expect(matches([KEY], KEY)).toBe(true);
    expect(matches([KEY.replace('1234abcd', '1234ABCD')], KEY)).toBe(false);
    expect(matches([`arn:aws:kms:*:${TRUSTED}:key/*`], KEY)).toBe(true);
    expect(matches(['arn:aws:kms:*'], KEY)).toBe(true);
    expect(matches([`arn:aws:kms:*:${TRUSTED}:key/*`], KEY, true)).toBe(false);
    expect(matches([`arn:aws:kms:*:${OTHER}:key/*`], KEY, true)).toBe(true);
  });
});

describe('SPEC §2: Principal may be "*", {"AWS": ...} (account id, root, role/user/assumed-role ARN), {"Service": ...}, {"Federated": ...}', () => {
  const root = (account: string): string => `arn:aws:iam::${account}:root`;
  const user = `arn:aws:iam::${TRUSTED}:user/alice`;
  const role = `arn:aws:iam::${TRUSTED}:role/ops/Admin`;
  const session = `arn:aws:sts::${TRUSTED}:assumed-role/Admin/alice`;
  const aws = (arn: string): RequestPrincipal => ({ AWS: arn });

  const cases: [string, PrincipalElement, RequestPrincipal, boolean][] = [
    ['"*" / any, IAM user', principal({ any: true }), aws(user), true],
    ['"*" / any, service', principal({ any: true }), { Service: 'logs.amazonaws.com' }, true],
    [
      '{"AWS":"*"} left unnormalised, service',
      principal({ aws: ['*'] }),
      { Service: 'logs.amazonaws.com' },
      true,
    ],
    ['root ARN, root', principal({ aws: [root(TRUSTED)] }), aws(root(TRUSTED)), true],
    ['root ARN, user of the account', principal({ aws: [root(TRUSTED)] }), aws(user), true],
    ['root ARN, session of the account', principal({ aws: [root(TRUSTED)] }), aws(session), true],
    ['root ARN, other account', principal({ aws: [root(OTHER)] }), aws(user), false],
    ['bare account id, user of the account', principal({ aws: [TRUSTED] }), aws(user), true],
    ['user ARN, that user', principal({ aws: [user] }), aws(user), true],
    ['user ARN, the root', principal({ aws: [user] }), aws(root(TRUSTED)), false],
    ['role ARN with path, session of the role', principal({ aws: [role] }), aws(session), true],
    [
      'role ARN, session of another role',
      principal({ aws: [role] }),
      aws(`arn:aws:sts::${TRUSTED}:assumed-role/Reader/alice`),
      false,
    ],
    [
      'role ARN, same role name in another account',
      principal({ aws: [role] }),
      aws(`arn:aws:sts::${OTHER}:assumed-role/Admin/alice`),
      false,
    ],
    ['session ARN, that session', principal({ aws: [session] }), aws(session), true],
    [
      'session ARN, another session',
      principal({ aws: [session] }),
      aws(`arn:aws:sts::${TRUSTED}:assumed-role/Admin/bob`),
      false,
    ],
    ['role unique id', principal({ aws: ['AROADBQP57FF2AEXAMPLE'] }), aws(session), false],
    ['user unique id', principal({ aws: ['AIDACKCEVSQ6C2EXAMPLE'] }), aws(user), false],
    [
      'partial wildcard is not expanded',
      principal({ aws: ['arn:aws:iam::*:root'] }),
      aws(root(TRUSTED)),
      false,
    ],
    [
      'service, same',
      principal({ service: ['logs.amazonaws.com'] }),
      { Service: 'logs.amazonaws.com' },
      true,
    ],
    [
      'service, other',
      principal({ service: ['logs.amazonaws.com'] }),
      { Service: 's3.amazonaws.com' },
      false,
    ],
    ['service entry, IAM request', principal({ service: ['logs.amazonaws.com'] }), aws(user), false],
    [
      'account entry, service request',
      principal({ aws: [root(TRUSTED)] }),
      { Service: 'logs.amazonaws.com' },
      false,
    ],
    [
      'federated, same',
      principal({ federated: ['accounts.google.com'] }),
      { Federated: 'accounts.google.com' },
      true,
    ],
    [
      'federated, other',
      principal({ federated: ['accounts.google.com'] }),
      { Federated: 'cognito-identity.amazonaws.com' },
      false,
    ],
  ];
  it.each(cases)('Principal %s → %s', (_name, element, requester, expected) => {
    expect(principalMatches(element, requester)).toBe(expected);
  });

  // NotPrincipal: "you must also specify the account ARN of the principal that must not be denied"
  // (IAM User Guide, NotPrincipal). The statement applies unless every level of the requester is listed.
  const notCases: [string, string[], RequestPrincipal, boolean][] = [
    ['account; root', [root(TRUSTED)], aws(root(TRUSTED)), false],
    ['account; user', [root(TRUSTED)], aws(user), true],
    ['account + user; user', [root(TRUSTED), user], aws(user), false],
    ['user only; user', [user], aws(user), true],
    ['account + role; session', [root(TRUSTED), role], aws(session), false],
    ['account + role; role', [root(TRUSTED), role], aws(role), false],
    ['role only; session', [role], aws(session), true],
    ['account + session; session', [root(TRUSTED), session], aws(session), false],
    [
      'account + session; other session',
      [root(TRUSTED), session],
      aws(`arn:aws:sts::${TRUSTED}:assumed-role/Admin/bob`),
      true,
    ],
    ['account id + user; user', [TRUSTED, user], aws(user), false],
    ['account; other account', [root(TRUSTED)], aws(root(OTHER)), true],
    ['account; service', [root(TRUSTED)], { Service: 'logs.amazonaws.com' }, true],
  ];
  it.each(notCases)('NotPrincipal %s → applies: %s', (_name, listed, requester, applies) => {
    expect(principalMatches(principal({ negated: true, aws: listed }), requester)).toBe(applies);
  });

  it('NotPrincipal "*" applies to nobody; listed services and providers are excluded', () => {
    expect(principalMatches(principal({ negated: true, any: true }), aws(user))).toBe(false);
    const services = principal({ negated: true, service: ['logs.amazonaws.com'] });
    expect(principalMatches(services, { Service: 'logs.amazonaws.com' })).toBe(false);
    expect(principalMatches(services, { Service: 's3.amazonaws.com' })).toBe(true);
    const providers = principal({ negated: true, federated: ['accounts.google.com'] });
    expect(principalMatches(providers, { Federated: 'accounts.google.com' })).toBe(false);
  });
});

describe('SPEC §2 conditions: operators are ANDed, keys inside an operator are ANDed, values of one key are ORed for positive operators and NORed for negated ones', () => {
  it('ANDs entries', () => {
    const both = statement({
      conditions: [
        condition('StringEquals', 'aws:PrincipalAccount', [TRUSTED]),
        condition('StringEquals', 'aws:SourceVpce', ['vpce-1']),
      ],
    });
    expect(
      statementMatches(
        both,
        request({ context: { 'aws:PrincipalAccount': TRUSTED, 'aws:SourceVpce': 'vpce-1' } }),
      ),
    ).toBe(true);
    expect(
      statementMatches(
        both,
        request({ context: { 'aws:PrincipalAccount': OTHER, 'aws:SourceVpce': 'vpce-1' } }),
      ),
    ).toBe(false);
  });

  it('ORs the values of a positive operator', () => {
    const entry = condition('StringEquals', 'k', ['a', 'b']);
    expect(holds(entry, { k: 'b' })).toBe(true);
    expect(holds(entry, { k: 'c' })).toBe(false);
  });

  // A request value that matches one policy value, and one that matches none, for every negated operator.
  const negatedSamples: Record<string, [string[], string, string]> = {
    StringNotEquals: [['a', 'b'], 'b', 'c'],
    StringNotEqualsIgnoreCase: [['a', 'b'], 'B', 'c'],
    StringNotLike: [['a*', 'b?'], 'bx', 'cx'],
    NumericNotEquals: [['1', '2'], '2.0', '3'],
    DateNotEquals: [['2020-01-01T00:00:00Z', '2021-01-01'], '1609459200', '2022-01-01'],
    NotIpAddress: [['10.0.0.0/8', '2001:db8::/32'], '2001:db8::1', '192.168.0.1'],
    ArnNotEquals: [
      ['arn:aws:sns:*:1:t', 'arn:aws:sqs:*:1:q'],
      'arn:aws:sqs:eu-west-1:1:q',
      'arn:aws:sqs:eu-west-1:2:q',
    ],
    ArnNotLike: [['arn:aws:sns:*:1:t', 'arn:aws:sqs:*:1:q'], 'arn:aws:sns:eu-west-1:1:t', 'arn:aws:s3:::b'],
  };
  it.each(NEGATED)('NORs the values of %s', (operator) => {
    const [values, listed, unlisted] = negatedSamples[operator] ?? [[], '', ''];
    const entry = condition(operator, 'k', values);
    expect(holds(entry, { k: listed })).toBe(false);
    expect(holds(entry, { k: unlisted })).toBe(true);
  });

  it('knows exactly which operators are negated', () => {
    expect(ALL_BUT_NULL.filter((op) => OPERATORS[op].negated).sort()).toEqual([...NEGATED].sort());
  });
});

describe('SPEC §2 conditions: condition key names are case-insensitive, operator names are not', () => {
  it('looks keys up case-insensitively in both directions', () => {
    expect(
      holds(condition('StringEquals', 'AWS:SOURCEVPCE', ['vpce-1']), { 'aws:SourceVpce': 'vpce-1' }),
    ).toBe(true);
    expect(
      holds(condition('StringEquals', 'aws:SourceVpce', ['vpce-1']), { 'AWS:sourcevpce': 'vpce-1' }),
    ).toBe(true);
  });

  it('compares values case-sensitively unless the operator ignores case', () => {
    expect(holds(condition('StringEquals', 'k', ['Value']), { k: 'value' })).toBe(false);
    expect(holds(condition('StringEqualsIgnoreCase', 'k', ['Value']), { k: 'VALUE' })).toBe(true);
  });
});

describe('SPEC §2 conditions: a key absent from the request makes a positive operator false and a negated operator true', () => {
  it.each(ALL_BUT_NULL)('%s on an absent key', (operator) => {
    expect(holds(condition(operator, 'k', ['x']), {})).toBe(NEGATED.includes(operator));
    expect(holds(condition(operator, 'k', ['x']), { other: 'x' })).toBe(NEGATED.includes(operator));
  });

  it('treats an empty list of values as absent', () => {
    expect(holds(condition('StringLike', 'k', ['*']), { k: [] })).toBe(false);
    expect(holds(condition('StringNotLike', 'k', ['*']), { k: [] })).toBe(true);
  });
});

describe('SPEC §2 conditions: ...IfExists makes the condition true when the key is absent', () => {
  it.each(ALL_BUT_NULL)('%sIfExists on an absent key is true', (operator) => {
    expect(holds(condition(`${operator}IfExists`, 'k', ['x']), {})).toBe(true);
    expect(holds(condition(`ForAnyValue:${operator}IfExists`, 'k', ['x']), {})).toBe(true);
  });

  it('tests a present key as the operator without IfExists would', () => {
    expect(holds(condition('StringEqualsIfExists', 'k', ['a']), { k: 'b' })).toBe(false);
    expect(holds(condition('StringNotEqualsIfExists', 'k', ['a']), { k: 'a' })).toBe(false);
  });
});

describe('SPEC §2 conditions: ForAllValues: is true when the key is absent, ForAnyValue: is false', () => {
  it.each(ALL_BUT_NULL)('ForAllValues:/ForAnyValue:%s on an absent or empty key', (operator) => {
    const contexts: ConcreteRequest['context'][] = [{}, { k: [] }];
    for (const context of contexts) {
      expect(holds(condition(`ForAllValues:${operator}`, 'k', ['x']), context)).toBe(true);
      expect(holds(condition(`ForAnyValue:${operator}`, 'k', ['x']), context)).toBe(false);
    }
  });

  it('ForAnyValue needs some request value, ForAllValues every one', () => {
    const values = { k: ['a', 'z'] };
    expect(holds(condition('ForAnyValue:StringEquals', 'k', ['a', 'b']), values)).toBe(true);
    expect(holds(condition('ForAllValues:StringEquals', 'k', ['a', 'b']), values)).toBe(false);
    expect(holds(condition('ForAllValues:StringEquals', 'k', ['a', 'z']), values)).toBe(true);
  });

  it('applies the qualifier to the per-value negated test', () => {
    expect(holds(condition('ForAllValues:StringNotEquals', 'k', ['x']), { k: ['a', 'b'] })).toBe(true);
    expect(holds(condition('ForAllValues:StringNotEquals', 'k', ['a']), { k: ['a', 'b'] })).toBe(false);
    expect(holds(condition('ForAnyValue:StringNotEquals', 'k', ['a']), { k: ['a', 'b'] })).toBe(true);
    expect(holds(condition('ForAnyValue:StringNotEquals', 'k', ['a', 'b']), { k: ['a', 'b'] })).toBe(false);
  });

  it('reads a single value as a one-element set', () => {
    expect(holds(condition('ForAnyValue:StringEquals', 'k', ['a']), { k: 'a' })).toBe(true);
    expect(holds(condition('ForAllValues:StringEquals', 'k', ['a']), { k: 'b' })).toBe(false);
  });

  it('without a qualifier, reads a list as "some value" (positive) / "no value" (negated)', () => {
    expect(holds(condition('StringEquals', 'k', ['a']), { k: ['z', 'a'] })).toBe(true);
    expect(holds(condition('StringNotEquals', 'k', ['a']), { k: ['z', 'a'] })).toBe(false);
    expect(holds(condition('StringNotEquals', 'k', ['a']), { k: ['z', 'y'] })).toBe(true);
  });
});

describe('SPEC §2 conditions: Null tests presence', () => {
  it('"true" means absent, "false" present, case-insensitively', () => {
    expect(holds(condition('Null', 'k', ['true']), {})).toBe(true);
    expect(holds(condition('Null', 'k', ['true']), { k: 'v' })).toBe(false);
    expect(holds(condition('Null', 'k', ['False']), { K: 'v' })).toBe(true);
    expect(holds(condition('Null', 'k', ['false']), {})).toBe(false);
    expect(holds(condition('Null', 'k', ['true']), { k: [] })).toBe(true);
  });
});

describe('SPEC §2 conditions: Bool, Arn*, String*, Numeric*, Date*, IpAddress as AWS documents them', () => {
  const like = (pattern: string, value: string, ignoreCase = false): boolean =>
    wildcardMatch(literalPattern(pattern), value, ignoreCase);

  it('String: Like with * (any run, possibly empty) and ? (one character), over the whole value', () => {
    expect(like('a*c', 'ac')).toBe(true);
    expect(like('a*c', 'abbbc')).toBe(true);
    expect(like('a?c', 'abc')).toBe(true);
    expect(like('a?c', 'ac')).toBe(false);
    expect(like('a*', 'ba')).toBe(false);
    expect(like('*', '')).toBe(true);
    expect(like('', '')).toBe(true);
    expect(like('*a*a*', 'xaxxa')).toBe(true);
    expect(like('A*', 'abc')).toBe(false);
    expect(like('A*', 'abc', true)).toBe(true);
    expect(like('?', '😀')).toBe(true);
  });

  it('String: Equals keeps * literal', () => {
    expect(holds(condition('StringEquals', 'k', ['a*']), { k: 'abc' })).toBe(false);
    expect(holds(condition('StringEquals', 'k', ['a*']), { k: 'a*' })).toBe(true);
  });

  it('Numeric: integers and decimals (and JSON exponent numbers); anything else fails the positive test', () => {
    expect(parseNumber('10')).toBe(10);
    expect(parseNumber('-1.5')).toBe(-1.5);
    expect(parseNumber('.5')).toBe(0.5);
    // A JSON number 1e21 reaches the policy as the text "1e+21": still that number.
    expect(parseNumber('1e+21')).toBe(1e21);
    expect(parseNumber('1e3')).toBe(1000);
    for (const bad of ['', 'ten', '0x10', ' 1', 'Infinity', '1e']) expect(parseNumber(bad)).toBeUndefined();
    expect(holds(condition('NumericEquals', 'k', ['10']), { k: '10.00' })).toBe(true);
    expect(holds(condition('NumericLessThan', 'k', ['10']), { k: '9' })).toBe(true);
    expect(holds(condition('NumericLessThan', 'k', ['ten']), { k: '9' })).toBe(false);
  });

  it('Date: W3C ISO 8601 date/times and epoch seconds compare as instants', () => {
    const epoch = Date.UTC(2020, 0, 1);
    expect(parseDate('2020-01-01')).toBe(epoch);
    expect(parseDate('2020-01-01T00:00:00Z')).toBe(epoch);
    expect(parseDate('2020-01-01T00:00Z')).toBe(epoch);
    expect(parseDate('2020-01-01T02:00:00+02:00')).toBe(epoch);
    expect(parseDate('2019-12-31T19:00:00-05:00')).toBe(epoch);
    expect(parseDate('2020-01-01T00:00:00.250Z')).toBe(epoch + 250);
    expect(parseDate('1577836800')).toBe(epoch);
    expect(parseDate('2020-02-29')).toBe(Date.UTC(2020, 1, 29));
    for (const bad of ['2019-02-29', '2020-13-01', '2020-01-01T24:00:00Z', 'yesterday', '']) {
      expect(parseDate(bad)).toBeUndefined();
    }
    expect(holds(condition('DateLessThan', 'k', ['2020-01-01T00:00:01Z']), { k: '1577836800' })).toBe(true);
  });

  it('Bool: "true"/"false", case-insensitive', () => {
    expect(holds(condition('Bool', 'k', ['true']), { k: 'TRUE' })).toBe(true);
    expect(holds(condition('Bool', 'k', ['false']), { k: 'true' })).toBe(false);
    expect(holds(condition('Bool', 'k', ['true']), { k: '1' })).toBe(false);
  });

  it('BinaryEquals: compares base64-decoded bytes', () => {
    expect(holds(condition('BinaryEquals', 'k', ['QmluYXJ5']), { k: 'QmluYXJ5' })).toBe(true);
    expect(holds(condition('BinaryEquals', 'k', ['QmluYXJ5']), { k: 'QmluYXJ6' })).toBe(false);
    expect(holds(condition('BinaryEquals', 'k', ['###']), { k: '###' })).toBe(false);
  });

  it('IpAddress: IPv4 and IPv6 CIDRs, bare addresses as /32 or /128, no cross-family match', () => {
    const inRange = (address: string, cidr: string): boolean => {
      const range = parseCidr(cidr);
      return range !== undefined && ipInRange(address, range);
    };
    expect(inRange('203.0.113.1', '203.0.113.0/24')).toBe(true);
    expect(inRange('203.0.114.1', '203.0.113.0/24')).toBe(false);
    expect(inRange('203.0.113.1', '203.0.113.1')).toBe(true);
    expect(inRange('203.0.113.2', '203.0.113.1')).toBe(false);
    expect(inRange('1.2.3.4', '0.0.0.0/0')).toBe(true);
    expect(inRange('2001:db8::1', '2001:DB8::/32')).toBe(true);
    expect(inRange('2001:db9::1', '2001:db8::/32')).toBe(false);
    expect(inRange('2001:db8:0:0:0:0:0:1', '2001:db8::1')).toBe(true);
    expect(inRange('::1', '::1/128')).toBe(true);
    expect(inRange('::', '::/0')).toBe(true);
    expect(inRange('fe80::1:2', 'fe80::/10')).toBe(true);
    expect(inRange('1.2.3.4', '::/0')).toBe(false);
    expect(inRange('::ffff:1.2.3.4', '1.2.3.0/24')).toBe(false);
    expect(inRange('::ffff:1.2.3.4', '::ffff:102:300/120')).toBe(true);
    for (const bad of [
      '1.2.3',
      '1.2.3.256',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '12345::',
      '1.2.3.4/33',
      '::/129',
      'x',
    ]) {
      expect(parseCidr(bad)).toBeUndefined();
    }
    expect(inRange('1.2.3.4/32', '0.0.0.0/0')).toBe(false);
  });

  it('Arn*: six components compared separately; wildcards cross ":" only in the resource component', () => {
    const arnLike = (pattern: string, value: string): boolean =>
      holds(condition('ArnLike', 'k', [pattern]), { k: value });
    expect(arnLike('arn:aws:iam::*:role/*', `arn:aws:iam::${TRUSTED}:role/a/b`)).toBe(true);
    expect(arnLike('arn:aws:s*:*:*:*', `arn:aws:iam::${TRUSTED}:role/x`)).toBe(false);
    expect(arnLike('arn:*:sns:*:1:t', 'arn:aws:sns:us-east-1:2:1:t')).toBe(false);
    expect(arnLike('arn:aws:logs:*:1:log-group:*', 'arn:aws:logs:eu-west-1:1:log-group:a:b')).toBe(true);
    expect(arnLike('arn:aws:sns:*', 'arn:aws:sns:us-east-1:1:t')).toBe(false);
    expect(arnLike('*', 'arn:aws:sns:us-east-1:1:t')).toBe(false);
    expect(
      holds(condition('ArnEquals', 'k', ['arn:aws:sns:*:1:*']), { k: 'arn:aws:sns:eu-west-1:1:t' }),
    ).toBe(true);
  });
});

describe('policy variables (IAM User Guide, Variables and tags)', () => {
  const text = (value: string, context: ConcreteRequest['context']): string | undefined =>
    resolvePolicyValue(value, context, true)
      ?.map((c) => c.ch)
      .join('');

  it('substitutes context values, with defaults and the special characters', () => {
    expect(text('home/${aws:username}/', { 'aws:username': 'alice' })).toBe('home/alice/');
    expect(text('${AWS:UserName}', { 'aws:username': 'alice' })).toBe('alice');
    expect(text("${aws:userid, 'anonymous'}", {})).toBe('anonymous');
    expect(text('${*}${?}${$}', {})).toBe('*?$');
    expect(text('${aws:username}', {})).toBeUndefined();
    expect(text('${aws:TagKeys}', { 'aws:TagKeys': ['a', 'b'] })).toBeUndefined();
    expect(text('${', {})).toBe('${');
  });

  it('keeps only policy-written wildcards as wildcards', () => {
    const pattern = resolvePolicyValue('${aws:username}*${*}', { 'aws:username': '?' }, true) ?? [];
    expect(pattern.map((c) => c.wild)).toEqual([false, true, false]);
  });

  it('substitutes only under Version 2012-10-17', () => {
    const s = statement({ conditions: [condition('StringEquals', 'k', ['${aws:username}'])] });
    const r = request({ context: { k: 'alice', 'aws:username': 'alice' } });
    expect(evaluate(policyOf([s]), r).decision).toBe('allow');
    expect(evaluate(policyOf([s], '2008-10-17'), r).decision).toBe('implicit-deny');
    expect(evaluate(policyOf([s], null), r).decision).toBe('implicit-deny');
  });
});

describe('the concrete evaluator is independent of the symbolic analyzer', () => {
  it('imports nothing but the shared types and its own condition and pattern modules', () => {
    const own = ['./types.js', './evaluate-conditions.js', './evaluate-patterns.js'];
    for (const file of ['evaluate.ts', 'evaluate-conditions.ts', 'evaluate-patterns.ts']) {
      const source = readFileSync(new URL(`../../functions/policy/${file}`, import.meta.url), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      for (const target of imports) expect(own).toContain(target);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Data-driven cases: test/cases/evaluate/*.json, each case a policy, a request, the expected
// decision and a `why` citing the SPEC.md §2 bullet it exercises.

interface EvaluateCase {
  name: string;
  why: string;
  policy: unknown;
  request: ConcreteRequest;
  expected: Decision;
  allowedBy?: number[];
  deniedBy?: number[];
}

const casesDir = fileURLToPath(new URL('../cases/evaluate/', import.meta.url));
const caseFiles = readdirSync(casesDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe.each(caseFiles)('cases/evaluate/%s', (file) => {
  const { cases } = JSON.parse(readFileSync(`${casesDir}${file}`, 'utf8')) as { cases: EvaluateCase[] };

  it('is well formed', () => {
    expect(cases.length).toBeGreaterThan(0);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.why, c.name).toMatch(/^SPEC §2/);
      expect(['allow', 'implicit-deny', 'explicit-deny']).toContain(c.expected);
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const parsed = parsePolicy(c.policy);
    if (!parsed.ok) throw new Error(`policy does not parse: ${JSON.stringify(parsed.issues)}`);
    const result = evaluate(parsed.value, c.request);
    expect(result.decision, c.why).toBe(c.expected);
    if (c.allowedBy) expect(result.allowedBy).toEqual(c.allowedBy);
    if (c.deniedBy) expect(result.deniedBy).toEqual(c.deniedBy);
  });
});
