import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DEFAULT_MAX_POLICY_BYTES,
  formatIssues,
  type ParseOptions,
  parseConditionOperator,
  parsePolicy,
  parsePolicyText,
} from '../../functions/policy/parse.js';
import type { Issue, Policy, Result } from '../../functions/policy/types.js';
import { corpusAvailable, listCorpus, readCorpusJson, readCorpusText } from '../corpus.js';

// ---------------------------------------------------------------------------------------------
// Data-driven cases: test/cases/parse/*.json, each case's input and expected output side by side.

const casesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../cases/parse');

const expectedIssue = z.strictObject({
  path: z.string(),
  /** Substring(s) the message must contain. */
  message: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
});

const parseCase = z
  .strictObject({
    name: z.string().min(1),
    input: z.unknown().optional(),
    text: z.string().optional(),
    options: z.strictObject({ maxBytes: z.number() }).optional(),
    expect: z.discriminatedUnion('ok', [
      /** `policy` is matched as a subset (toMatchObject): list lengths must agree, listed fields must match. */
      z.strictObject({ ok: z.literal(true), policy: z.record(z.string(), z.unknown()) }),
      z.strictObject({ ok: z.literal(false), issues: z.array(expectedIssue).min(1) }),
    ]),
  })
  .refine((c) => Object.hasOwn(c, 'input') !== (c.text !== undefined), {
    message: 'a case has exactly one of input (a value) and text (JSON text)',
  });

const caseFile = z.strictObject({ description: z.string().min(1), cases: z.array(parseCase).min(1) });

type ParseCase = z.infer<typeof parseCase>;

const caseFiles = readdirSync(casesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({
    file,
    cases: caseFile.parse(JSON.parse(readFileSync(path.join(casesDir, file), 'utf8'))).cases,
  }));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** The statements of a raw document as parsePolicy indexes them. */
function rawStatements(doc: Record<string, unknown>): unknown[] {
  const body = doc.Statement;
  return Array.isArray(body) ? body : [body];
}

/** Parses a case the way a caller would, and checks what every case must satisfy. */
function runCase(c: ParseCase): Result<Policy> {
  const options = c.options as ParseOptions | undefined;
  if (c.text !== undefined) {
    const result = parsePolicyText(c.text, options);
    expect(parsePolicy(c.text, options)).toEqual(result);
    if (result.ok) expect(result.value.raw).toEqual(JSON.parse(c.text));
    return result;
  }
  // Frozen: any attempt to mutate the input would throw and surface as an internal-error issue.
  const input = deepFreeze(structuredClone(c.input));
  const result = parsePolicy(input, options);
  if (result.ok) {
    expect(result.value.raw).toBe(input);
    const raws = rawStatements(input as Record<string, unknown>);
    for (const s of result.value.statements) expect(s.raw).toBe(raws[s.index]);
  }
  return result;
}

function assertIssues(actual: Issue[], expected: { path: string; message: string | string[] }[]): void {
  expect(actual.map((i) => i.path)).toEqual(expected.map((e) => e.path));
  expected.forEach((e, n) => {
    for (const part of typeof e.message === 'string' ? [e.message] : e.message) {
      expect(actual[n]?.message).toContain(part);
    }
  });
}

describe('parse cases (test/cases/parse)', () => {
  describe.each(caseFiles)('$file', ({ cases }) => {
    it.each(cases)('$name', (c) => {
      const result = runCase(c);
      if (c.expect.ok) {
        expect(result.ok, result.ok ? '' : formatIssues(result.issues)).toBe(true);
        expect(result).toMatchObject({ ok: true, value: c.expect.policy });
      } else {
        expect(result.ok).toBe(false);
        if (!result.ok) assertIssues(result.issues, c.expect.issues);
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------
// SPEC.md §2 bullets and API behaviour

function ok(result: Result<Policy>): Policy {
  if (!result.ok) throw new Error(`expected a policy, got:\n${formatIssues(result.issues)}`);
  return result.value;
}

const allowAll = { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' };

describe('SPEC §2: Statement may be one object or a list', () => {
  it('gives the same statement, at path Statement or Statement[0]', () => {
    const single = ok(parsePolicy({ Statement: allowAll })).statements;
    const listed = ok(parsePolicy({ Statement: [allowAll] })).statements;
    expect(single.map((s) => s.path)).toEqual(['Statement']);
    expect(listed.map((s) => s.path)).toEqual(['Statement[0]']);
    expect({ ...single[0], path: '' }).toEqual({ ...listed[0], path: '' });
  });
});

describe('SPEC §2: "*" and {"AWS":"*"} mean the same', () => {
  it('normalizes both to the same principal element', () => {
    const principals = ['*', { AWS: '*' }, { AWS: ['*'] }].map(
      (Principal) => ok(parsePolicy({ Statement: { ...allowAll, Principal } })).statements[0]?.principal,
    );
    expect(principals[1]).toEqual(principals[0]);
    expect(principals[2]).toEqual(principals[0]);
    expect(principals[0]).toMatchObject({ any: true, aws: [] });
  });

  it('a bare account id and its root ARN are the same principal', () => {
    const byId = ok(parsePolicy({ Statement: { ...allowAll, Principal: { AWS: '111122223333' } } }));
    const byArn = ok(
      parsePolicy({ Statement: { ...allowAll, Principal: { AWS: 'arn:aws:iam::111122223333:root' } } }),
    );
    expect(byId.statements[0]?.principal).toEqual(byArn.statements[0]?.principal);
  });
});

describe('SPEC §2: condition key names are case-insensitive, operator names are not', () => {
  it('fills keyLower and keeps the key as written', () => {
    const policy = ok(
      parsePolicy({
        Statement: { ...allowAll, Condition: { StringEquals: { 'AWS:SourceVPCE': 'vpce-1' } } },
      }),
    );
    expect(policy.statements[0]?.conditions[0]).toMatchObject({
      key: 'AWS:SourceVPCE',
      keyLower: 'aws:sourcevpce',
    });
  });

  it('rejects a lower-case operator', () => {
    const result = parsePolicy({
      Statement: { ...allowAll, Condition: { stringequals: { 'aws:SourceVpce': 'x' } } },
    });
    expect(result.ok).toBe(false);
  });
});

describe('parseConditionOperator', () => {
  it.each([
    ['StringEquals', { base: 'StringEquals', ifExists: false }],
    ['StringEqualsIfExists', { base: 'StringEquals', ifExists: true }],
    ['ForAllValues:StringLike', { base: 'StringLike', qualifier: 'ForAllValues', ifExists: false }],
    ['ForAnyValue:ArnNotLikeIfExists', { base: 'ArnNotLike', qualifier: 'ForAnyValue', ifExists: true }],
    ['Null', { base: 'Null', ifExists: false }],
    ['ForAnyValue:Null', { base: 'Null', qualifier: 'ForAnyValue', ifExists: false }],
  ])('%s', (operator, expected) => {
    expect(parseConditionOperator(operator)).toEqual(expected);
  });

  it.each([
    'NullIfExists',
    'stringEquals',
    'IfExists',
    'ForAllValues:',
    'ForAnyValues:StringEquals',
    'StringEquals ',
  ])('rejects %j', (operator) => {
    expect(parseConditionOperator(operator)).toBeUndefined();
  });
});

describe('size limit', () => {
  /** A document whose JSON text is exactly `bytes` long. */
  function documentOfSize(bytes: number): Record<string, unknown> {
    const empty = JSON.stringify({ Id: '', Statement: [] }).length;
    return { Id: 'a'.repeat(bytes - empty), Statement: [] };
  }

  it(`defaults to the KMS key policy limit, ${DEFAULT_MAX_POLICY_BYTES} bytes, inclusive`, () => {
    const atLimit = documentOfSize(DEFAULT_MAX_POLICY_BYTES);
    expect(ok(parsePolicy(atLimit)).sizeBytes).toBe(DEFAULT_MAX_POLICY_BYTES);
    expect(ok(parsePolicyText(JSON.stringify(atLimit))).sizeBytes).toBe(DEFAULT_MAX_POLICY_BYTES);
  });

  it('reports a document one byte over, with size and limit, for objects and for text', () => {
    const over = documentOfSize(DEFAULT_MAX_POLICY_BYTES + 1);
    const expected = [{ path: '$', message: 'policy is 32769 bytes, over the 32768-byte limit' }];
    expect(parsePolicy(over)).toEqual({ ok: false, issues: expected });
    expect(parsePolicyText(JSON.stringify(over))).toEqual({ ok: false, issues: expected });
  });

  it('honours maxBytes (for example the smaller VPC endpoint policy limit)', () => {
    const doc = documentOfSize(20_481);
    expect(parsePolicy(doc, { maxBytes: 20_480 }).ok).toBe(false);
    expect(parsePolicy(doc).ok).toBe(true);
  });
});

describe('inputs are never mutated and raw is kept exactly', () => {
  it('keeps the document and each statement by identity', () => {
    const doc = deepFreeze({ Version: '2012-10-17', Statement: [allowAll, { ...allowAll, Effect: 'Deny' }] });
    const policy = ok(parsePolicy(doc));
    expect(policy.raw).toBe(doc);
    expect(policy.statements[1]?.raw).toBe(doc.Statement[1]);
  });

  it('reads undefined members as absent, as JSON serialization would', () => {
    const doc = { Version: undefined, Statement: [{ ...allowAll, Sid: undefined, Condition: undefined }] };
    const policy = ok(parsePolicy(doc));
    expect(policy.version).toBeUndefined();
    expect(policy.statements[0]).not.toHaveProperty('sid');
    expect(policy.statements[0]?.conditions).toEqual([]);
  });
});

describe('never throws', () => {
  it('turns an exception inside the input into an issue', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    const result = parsePolicy(hostile);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.message).toContain('boom');
  });

  it('reports a document that cannot be serialized', () => {
    const cyclic: Record<string, unknown> = { Statement: [] };
    cyclic.Id = cyclic;
    const result = parsePolicy(cyclic);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((i) => i.path)).toEqual(['$', 'Id']);
      expect(result.issues[0]?.message).toContain('cannot be serialized as JSON');
    }
  });

  it.each([
    ['a Date', new Date(0)],
    ['a Map', new Map([['Statement', []]])],
    [
      'a class instance',
      new (class Doc {
        Statement = [];
      })(),
    ],
    ['undefined', undefined],
    ['a function', () => ({})],
  ])('rejects %s as a document', (_name, input) => {
    expect(parsePolicy(input)).toMatchObject({ ok: false, issues: [{ path: '$' }] });
  });

  it('rejects text that is not a string when called from untyped code', () => {
    expect(parsePolicyText(42 as unknown as string)).toMatchObject({ ok: false, issues: [{ path: '$' }] });
  });
});

describe('formatIssues', () => {
  const issues: Issue[] = [
    { path: 'Statement[2].Condition.StringEqual', message: 'unknown condition operator "StringEqual"' },
    { path: '$', message: 'missing Statement' },
  ];

  it('prints <source>: <path>: <message>, one line per issue', () => {
    expect(formatIssues(issues, 'key.json')).toBe(
      'key.json: Statement[2].Condition.StringEqual: unknown condition operator "StringEqual"\n' +
        'key.json: $: missing Statement',
    );
  });

  it('omits the source when none is given', () => {
    expect(formatIssues(issues)).toBe(
      'Statement[2].Condition.StringEqual: unknown condition operator "StringEqual"\n$: missing Statement',
    );
  });

  it('prints an empty path as the root, $', () => {
    expect(formatIssues([{ path: '', message: 'm' }], 'f')).toBe('f: $: m');
  });

  it('keeps one line per issue even when a message or key contains a newline', () => {
    const text = formatIssues([{ path: 'a\nb', message: 'x\ny' }], 'f');
    expect(text.split('\n')).toHaveLength(1);
    expect(text).toBe('f: a\\nb: x\\ny');
  });

  it('prints nothing for no issues', () => {
    expect(formatIssues([])).toBe('');
  });
});

// ---------------------------------------------------------------------------------------------
// Reference corpus (read in place; under CI=true a missing corpus fails instead of skipping)

const hasCorpus = corpusAvailable();
const corpusFiles = (dir: string, suffix?: string): string[] => (hasCorpus ? listCorpus(dir, suffix) : []);

const keyPolicyFiles = corpusFiles('policies').filter(
  (f) => path.basename(f).startsWith('kms-') && !f.endsWith('.getkeypolicy-response.json'),
);
const getKeyPolicyFiles = corpusFiles('policies', '.getkeypolicy-response.json');
const endpointPolicyFiles = corpusFiles('policies', '.txt').filter((f) =>
  path.basename(f).startsWith('vpce-default-policy-'),
);
const perimeterFiles = corpusFiles('perimeter');

/**
 * Every perimeter document and what parsing it must give. SCPs apply to the identities of an
 * organization and have no Principal element; they are not resource policies, so the parser
 * rejects them with a principal issue per statement. RCPs name `Principal: "*"` and parse.
 */
const PERIMETER_EXPECTED: Record<string, 'policy' | { missingPrincipal: string[] }> = {
  'perimeter/aws_kms_docs_vpce_restricted_key_policy.json': 'policy',
  'perimeter/derived_vpce_restricted_crypto_deny_with_service_exceptions.json': 'policy',
  'perimeter/dp_default_vpc_endpoint_policy.json': 'policy',
  'perimeter/dp_governance_scp_kms_creategrant.json': { missingPrincipal: ['Statement[0]'] },
  'perimeter/dp_identity_perimeter_rcp.json': 'policy',
  'perimeter/dp_kms_key_policy_resource_based_2024.json': 'policy',
  'perimeter/dp_network_perimeter_vpceorgid_rcp.json': 'policy',
  'perimeter/dp_network_perimeter_vpceorgid_scp.json': { missingPrincipal: ['Statement[0]'] },
};

/** A parsed policy without the fields that legitimately differ between object and text input. */
function comparable(policy: Policy): unknown {
  // The text and its size differ by construction (pretty-printed file vs compact serialization).
  return { ...policy, sizeBytes: 0, text: '' };
}

describe.runIf(hasCorpus)('reference corpus', () => {
  it('has the files this suite expects', () => {
    expect(keyPolicyFiles.length).toBeGreaterThanOrEqual(6);
    expect(getKeyPolicyFiles.length).toBeGreaterThanOrEqual(4);
    expect(endpointPolicyFiles.length).toBeGreaterThanOrEqual(2);
    expect(perimeterFiles).toEqual(Object.keys(PERIMETER_EXPECTED).sort());
  });

  describe('key policies (policies/kms-*.json) parse as objects and as text', () => {
    it.each(keyPolicyFiles)('%s', (file) => {
      const doc = readCorpusJson<Record<string, unknown>>(file);
      const fromObject = ok(parsePolicy(doc));
      const fromText = ok(parsePolicyText(readCorpusText(file)));
      expect(fromObject.raw).toBe(doc);
      expect(fromObject.version).toBe('2012-10-17');
      expect(fromObject.statements).toHaveLength(rawStatements(doc).length);
      expect(fromObject.statements.map((s) => s.path)).toEqual(
        rawStatements(doc).map((_, i) => `Statement[${i}]`),
      );
      expect(comparable(fromText)).toEqual(comparable(fromObject));
      expect(fromText.sizeBytes).toBeLessThanOrEqual(DEFAULT_MAX_POLICY_BYTES);
    });
  });

  describe('GetKeyPolicy responses: the Policy text parses to the same policy as the document', () => {
    it.each(getKeyPolicyFiles)('%s', (file) => {
      const response = readCorpusJson<{ Policy: string }>(file);
      expect(typeof response.Policy).toBe('string');
      const fromResponse = ok(parsePolicy(response.Policy));
      const sibling = file.replace(/\.getkeypolicy-response\.json$/, '.json');
      const fromDocument = ok(parsePolicy(readCorpusJson(sibling)));
      expect(comparable(fromResponse)).toEqual(comparable(fromDocument));
    });
  });

  it('reads what the corpus notes say each AWS-managed key policy shows', () => {
    const acm = ok(parsePolicy(readCorpusJson('policies/kms-aws-managed-aws-acm-auto-acm-3.json')));
    expect(acm.statements[0]?.principal).toMatchObject({ any: true, aws: [] });
    expect(acm.statements[0]?.conditions).toContainEqual(
      expect.objectContaining({
        qualifier: 'ForAllValues',
        keyLower: 'kms:grantoperations',
        values: ['Decrypt'],
      }),
    );
    expect(acm.statements[0]?.conditions).toContainEqual(
      expect.objectContaining({ base: 'Bool', key: 'kms:GrantIsForAWSResource', values: ['true'] }),
    );

    // "Action in the second statement is a plain string, not an array"
    const lambda = ok(parsePolicy(readCorpusJson('policies/kms-aws-managed-aws-lambda-auto-awslambda.json')));
    expect(lambda.statements[1]?.action).toEqual({ negated: false, patterns: ['kms:Describe*'] });

    // "kms:ViaService under StringLike with a wildcard region, and a Service principal statement"
    const dynamodb = ok(
      parsePolicy(readCorpusJson('policies/kms-aws-managed-aws-dynamodb-auto-dynamodb-3.json')),
    );
    expect(dynamodb.statements[0]?.conditions).toContainEqual(
      expect.objectContaining({
        base: 'StringLike',
        keyLower: 'kms:viaservice',
        values: ['dynamodb.*.amazonaws.com'],
      }),
    );
    expect(dynamodb.statements[2]?.principal).toMatchObject({
      any: false,
      service: ['dynamodb.amazonaws.com'],
    });

    const api = ok(parsePolicy(readCorpusJson('policies/kms-default-key-policy-api-created.json')));
    expect(api.statements[0]?.principal.aws).toEqual(['arn:aws:iam::111122223333:root']);
  });

  describe('default endpoint policies (policies/vpce-default-policy-*.txt, JSON text) parse', () => {
    const versions: Record<string, string | undefined> = {
      'policies/vpce-default-policy-interface.txt': undefined,
      'policies/vpce-default-policy-gateway.txt': '2008-10-17',
    };
    it.each(endpointPolicyFiles)('%s', (file) => {
      const policy = ok(parsePolicyText(readCorpusText(file)));
      expect(Object.hasOwn(versions, file)).toBe(true);
      expect(policy.version).toBe(versions[file]);
      expect(policy.statements).toHaveLength(1);
      expect(policy.statements[0]).toMatchObject({
        effect: 'Allow',
        principal: { negated: false, any: true },
        action: { negated: false, patterns: ['*'] },
        resource: { negated: false, patterns: ['*'] },
        conditions: [],
      });
    });
  });

  it('parses every PolicyDocument of the recorded DescribeVpcEndpoints response', () => {
    const response = readCorpusJson<{ data: { VpcEndpoints: { PolicyDocument?: string }[] } }>(
      'policies/ec2-DescribeVpcEndpoints-response-custodian.json',
    );
    const documents = response.data.VpcEndpoints.flatMap((e) => (e.PolicyDocument ? [e.PolicyDocument] : []));
    expect(documents.length).toBeGreaterThan(0);
    for (const text of documents) ok(parsePolicy(text, { maxBytes: 20_480 }));
  });

  describe('perimeter documents parse, or (SCPs) fail with a principal issue', () => {
    it.each(perimeterFiles)('%s', (file) => {
      const expected = PERIMETER_EXPECTED[file];
      const { policy, kind } = readCorpusJson<{ policy: unknown; kind: string }>(file);
      const result = parsePolicy(policy);
      if (expected === 'policy') {
        expect(result.ok, result.ok ? '' : formatIssues(result.issues, file)).toBe(true);
        expect(kind).not.toMatch(/^scp/);
      } else {
        expect(kind).toMatch(/^scp/);
        expect(result.ok).toBe(false);
        if (!result.ok) {
          assertIssues(
            result.issues,
            (expected?.missingPrincipal ?? []).map((p) => ({
              path: p,
              message: 'missing Principal (or NotPrincipal)',
            })),
          );
        }
      }
    });
  });

  it('reads the KMS-docs example account id as the account root and keeps the key spelling', () => {
    const { policy } = readCorpusJson<{ policy: unknown }>(
      'perimeter/aws_kms_docs_vpce_restricted_key_policy.json',
    );
    const parsed = ok(parsePolicy(policy));
    expect(parsed.statements[0]?.principal.aws).toEqual(['arn:aws:iam::111122223333:root']);
    expect(parsed.statements[1]?.conditions[0]).toMatchObject({
      key: 'aws:sourceVpce',
      keyLower: 'aws:sourcevpce',
      path: 'Statement[1].Condition.StringNotEquals.aws:sourceVpce',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzz: parsePolicy never throws and always returns a well-formed Result.

const STATEMENT_PATH = /^Statement(\[\d+\])?$/;

function assertWellFormed(result: Result<Policy>): void {
  if (result.ok) {
    expect(Array.isArray(result.value.statements)).toBe(true);
    expect(Number.isInteger(result.value.sizeBytes)).toBe(true);
    for (const s of result.value.statements) {
      expect(s.path).toMatch(STATEMENT_PATH);
      expect(['Allow', 'Deny']).toContain(s.effect);
      for (const c of s.conditions) {
        expect(c.path.startsWith(`${s.path}.Condition.`)).toBe(true);
        expect(c.keyLower).toBe(c.key.toLowerCase());
        expect(c.values.length).toBeGreaterThan(0);
        for (const v of c.values) expect(typeof v).toBe('string');
      }
    }
    return;
  }
  expect(result.issues.length).toBeGreaterThan(0);
  for (const issue of result.issues) {
    expect(typeof issue.path).toBe('string');
    expect(issue.message.length).toBeGreaterThan(0);
    expect(issue.message).not.toContain('internal error');
  }
  expect(formatIssues(result.issues, 'fuzz').split('\n')).toHaveLength(result.issues.length);
}

/** What must agree between parsing an object and parsing its JSON text. */
function summary(result: Result<Policy>): string {
  if (!result.ok) return JSON.stringify(result);
  return JSON.stringify({
    ...result.value,
    raw: undefined,
    statements: result.value.statements.map((s) => ({ ...s, raw: undefined })),
  });
}

const inlineSeeds: Record<string, unknown>[] = [
  {
    Version: '2012-10-17',
    Id: 'seed',
    Statement: [
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'Vpce',
        Effect: 'Deny',
        Principal: '*',
        NotAction: ['kms:Describe*'],
        Resource: '*',
        Condition: {
          StringNotEqualsIfExists: { 'aws:SourceVpce': ['vpce-1', 'vpce-2'] },
          'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-a1b2c3d4e5/*' },
          Bool: { 'aws:ViaAWSService': false },
        },
      },
    ],
  },
  {
    Statement: {
      Effect: 'Allow',
      NotPrincipal: { Service: ['sns.amazonaws.com'] },
      Action: '*',
      NotResource: '*',
    },
  },
];

const seeds: Record<string, unknown>[] = [
  ...inlineSeeds,
  ...keyPolicyFiles.map((f) => readCorpusJson<Record<string, unknown>>(f)),
  ...endpointPolicyFiles.map((f) => JSON.parse(readCorpusText(f)) as Record<string, unknown>),
  ...perimeterFiles.map((f) => readCorpusJson<{ policy: Record<string, unknown> }>(f).policy),
];

type Container = Record<string, unknown> | unknown[];
type Slot = { parent: Container; key: string | number };

function slots(value: unknown, out: Slot[] = []): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push({ parent: value, key: i });
      slots(v, out);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push({ parent: value as Record<string, unknown>, key: k });
      slots(v, out);
    }
  }
  return out;
}

const NAMES = [
  'Version',
  'Statement',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
  'AWS',
  'Service',
  'StringEquals',
  'NullIfExists',
  'ForAllValues:StringLike',
  '*',
  '__proto__',
  'toString',
];

const mutation = fc.record({
  target: fc.nat(),
  kind: fc.constantFrom('replace', 'delete', 'rename', 'wrap', 'unwrap', 'empty', 'duplicate', 'case'),
  value: fc.jsonValue({ maxDepth: 2 }),
  name: fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 12 })),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function setOwn(parent: Container, key: string | number, value: unknown): void {
  Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
}

function mutate(seed: Record<string, unknown>, mutations: Mutation[]): Record<string, unknown> {
  const doc = structuredClone(seed);
  for (const m of mutations) {
    const all = slots(doc);
    if (all.length === 0) break;
    const { parent, key } = all[m.target % all.length] as Slot;
    const current = (parent as Record<string | number, unknown>)[key];
    switch (m.kind) {
      case 'replace':
        setOwn(parent, key, m.value);
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
        break;
      case 'rename':
      case 'case':
        if (!Array.isArray(parent)) {
          const name = m.kind === 'rename' ? m.name : String(key).toLowerCase();
          delete parent[key as string];
          setOwn(parent, name, current);
        }
        break;
      case 'wrap':
        setOwn(parent, key, [current]);
        break;
      case 'unwrap':
        if (Array.isArray(current) && current.length > 0) setOwn(parent, key, current[0]);
        break;
      case 'empty':
        setOwn(parent, key, Array.isArray(current) ? [] : typeof current === 'object' ? {} : '');
        break;
      case 'duplicate':
        if (Array.isArray(parent)) parent.push(structuredClone(current));
        else setOwn(parent, m.name, structuredClone(current));
        break;
    }
  }
  return doc;
}

describe('fuzz: parsePolicy never throws and always returns a Result', () => {
  it('any JavaScript value', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withNullPrototype: true,
          withObjectString: true,
          withSet: true,
          withSparseArray: true,
          withTypedArray: true,
        }),
        (value) => assertWellFormed(parsePolicy(value)),
      ),
      { numRuns: 3000 },
    );
  });

  it('any JSON value, as an object and as its text, with the same outcome', () => {
    // A string given to parsePolicy is JSON text by contract, so strings are left out here.
    const nonString = fc.jsonValue().filter((v) => typeof v !== 'string');
    fc.assert(
      fc.property(nonString, (value) => {
        const fromValue = parsePolicy(value);
        const fromText = parsePolicyText(JSON.stringify(value));
        assertWellFormed(fromValue);
        assertWellFormed(fromText);
        expect(summary(fromText)).toBe(summary(fromValue));
      }),
      { numRuns: 2000 },
    );
  });

  it('any string as policy text; bad JSON always carries a line and column', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.json(), fc.string({ unit: 'grapheme-ascii' })),
        (text) => {
          const result = parsePolicyText(text);
          assertWellFormed(result);
          let valid = true;
          try {
            JSON.parse(text);
          } catch {
            valid = false;
          }
          if (!valid) {
            expect(result.ok).toBe(false);
            if (!result.ok)
              expect(result.issues.at(-1)?.message).toMatch(/^invalid JSON: .*\(line \d+, column \d+\)/);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('mutated real policies, as frozen objects and as text', () => {
    const outcomes = { ok: 0, issues: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (seed, mutations) => {
          const doc = deepFreeze(mutate(seed, mutations));
          const fromValue = parsePolicy(doc);
          assertWellFormed(fromValue);
          if (fromValue.ok) expect(fromValue.value.raw).toBe(doc);
          const fromText = parsePolicyText(JSON.stringify(doc, null, 2));
          assertWellFormed(fromText);
          expect(fromText.ok).toBe(fromValue.ok);
          outcomes[fromValue.ok ? 'ok' : 'issues']++;
        },
      ),
      { numRuns: 3000 },
    );
    // Not vacuous: mutations both keep documents legal and break them.
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.issues).toBeGreaterThan(100);
  });

  it('real policy text with a character deleted or inserted', () => {
    const texts = seeds.map((s) => JSON.stringify(s, null, 2));
    fc.assert(
      fc.property(
        fc.constantFrom(...texts),
        fc.nat(),
        fc.constantFrom('', '"', ',', '{', '}', '[', ']', ':', '\\', 'x', '\n', '\u2028', '\ud800'),
        (text, at, insert) => {
          const i = at % (text.length + 1);
          const corrupted = text.slice(0, i) + insert + text.slice(insert === '' ? i + 1 : i);
          assertWellFormed(parsePolicyText(corrupted));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
