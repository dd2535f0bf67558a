/**
 * `check --rcp FILE` (issue 12, item 5): repeatable, describe-policy output or a bare document;
 * what only an RCP stops is "blocked only by RCP p-..." in text, `protectedBy` in JSON, a SARIF
 * pass result; bad RCP files are input errors (exit 2) naming the file and the JSON path.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG, runCli } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/rcps/${name}`, import.meta.url), 'utf8');
const IDENTITY = fixture('identity-perimeter.json');
const S3_ONLY = fixture('s3-only.json');
const ROOT = {
  Sid: 'Root',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:root' },
  Action: 'kms:*',
  Resource: '*',
};
const PARTNER = {
  Sid: 'Partner',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::444455556666:role/partner' },
  Action: 'kms:Decrypt',
  Resource: '*',
};
const KEY = JSON.stringify({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [ROOT, PARTNER] }) });
const files = (extra: Record<string, string> = {}) => ({
  'cfg.json': CONFIG,
  'key.json': KEY,
  'id.json': IDENTITY,
  's3.json': S3_ONLY,
  ...extra,
});
const run = (args: string[], extra?: Record<string, string>) =>
  runCli(['check', '--config', 'cfg.json', ...args], files(extra));
const rulesOnly = {
  'cfg.json': JSON.stringify({ ...JSON.parse(CONFIG), rules: { 'key-crypto-via-vpce': 'off' } }),
};

interface JsonResult {
  findings: { rule: string }[];
  protectedBy?: { rule: string; policy: string; statement?: string; witness?: { principal: unknown } }[];
  rules: { rule: string; status: string }[];
}

describe('check --rcp', () => {
  it('without --rcp the outside role is a finding (exit 1)', async () => {
    const r = await run(['--format', 'json', 'key.json'], rulesOnly);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { results: JsonResult[]; rcps?: unknown };
    expect(doc.results[0]?.findings.map((f) => f.rule)).toEqual(['key-no-external-principals']);
    expect(doc.rcps).toBeUndefined();
  });

  it('with the identity-perimeter RCP (describe-policy output) the finding is blocked only by the RCP: exit 0, protectedBy', async () => {
    const r = await run(['--format', 'json', '--rcp', 'id.json', 'key.json'], rulesOnly);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      results: JsonResult[];
      rcps: { policies: string[]; keyTags: object; assumption: string };
    };
    const result = doc.results[0] as JsonResult;
    expect(result.findings).toEqual([]);
    expect(result.protectedBy).toMatchObject([
      {
        rule: 'key-no-external-principals',
        policy: 'p-identityperim1',
        statement: 'EnforceOrgIdentities',
        witness: { principal: { AWS: 'arn:aws:iam::444455556666:role/partner' }, action: 'kms:Decrypt' },
      },
    ]);
    expect(result.rules.find((x) => x.rule === 'key-no-external-principals')?.status).toBe('compliant');
    expect(doc.rcps.policies).toEqual(['p-identityperim1']);
    expect(doc.rcps.keyTags).toEqual({});
    expect(doc.rcps.assumption).toContain('without tags');
  });

  it('text says "blocked only by RCP p-..." and the assumption about tags', async () => {
    const r = await run(['--rcp', 'id.json', 'key.json'], rulesOnly);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'judged with RCPs p-identityperim1: each customer-managed key is judged as one in a member account',
    );
    expect(r.stdout).toContain('a key without tags');
    expect(r.stdout).toMatch(
      /ok key-no-external-principals\n\s+blocked only by RCP p-identityperim1 \(EnforceOrgIdentities\): .*444455556666:role\/partner.*kms:Decrypt/,
    );
  });

  it('--rcp is repeatable; a bare document is named by its file; an S3-only RCP changes nothing', async () => {
    const alone = await run(['--format', 'json', '--rcp', 's3.json', 'key.json']);
    const without = await run(['--format', 'json', 'key.json']);
    expect(alone.code).toBe(1);
    const a = JSON.parse(alone.stdout) as { results: JsonResult[]; rcps: { policies: string[] } };
    const w = JSON.parse(without.stdout) as { results: JsonResult[] };
    expect(a.rcps.policies).toEqual(['s3.json']);
    expect(a.results[0]?.findings).toEqual(w.results[0]?.findings);
    expect(a.results[0]?.protectedBy).toEqual([]);
    const both = await run(
      ['--format', 'json', '--rcp', 's3.json', '--rcp', 'id.json', 'key.json'],
      rulesOnly,
    );
    expect(both.code).toBe(0);
    expect((JSON.parse(both.stdout) as { rcps: { policies: string[] } }).rcps.policies).toEqual([
      's3.json',
      'p-identityperim1',
    ]);
  });

  it('--key-tag sets the key tags the RCP sees: dp:exclude:identity=true takes the key out of the RCP', async () => {
    const r = await run(
      ['--format', 'json', '--rcp', 'id.json', '--key-tag', 'dp:exclude:identity=true', 'key.json'],
      rulesOnly,
    );
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      results: JsonResult[];
      rcps: { keyTags: object; assumption: string };
    };
    expect(doc.rcps.keyTags).toEqual({ 'dp:exclude:identity': 'true' });
    expect(doc.results[0]?.findings.map((f) => f.rule)).toEqual(['key-no-external-principals']);
  });

  it('SARIF carries the protection as a pass result, the findings as usual', async () => {
    const r = await run(['--format', 'sarif', '--rcp', 'id.json', 'key.json'], rulesOnly);
    expect(r.code).toBe(0);
    const sarif = JSON.parse(r.stdout) as {
      runs: {
        results: { kind?: string; level: string; ruleId: string; message: { text: string } }[];
        properties?: { rcps: unknown };
      }[];
    };
    const results = sarif.runs[0]?.results ?? [];
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ kind: 'pass', level: 'none', ruleId: 'key-no-external-principals' });
    expect(results[0]?.message.text).toContain('blocked only by RCP p-identityperim1');
    expect(sarif.runs[0]?.properties?.rcps).toBeDefined();
  });

  it('an AWS-managed key ignores the RCPs', async () => {
    const managed = JSON.stringify({
      Policy: JSON.stringify({ Version: '2012-10-17', Id: 'auto-ebs-2', Statement: [ROOT, PARTNER] }),
    });
    const r = await run(['--rcp', 'id.json', 'managed.json'], { 'managed.json': managed });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('key rules do not apply (nor do RCPs)');
  });

  const scp = JSON.stringify({
    Policy: {
      PolicySummary: { Id: 'p-scp12345', Type: 'SERVICE_CONTROL_POLICY', Name: 's', AwsManaged: false },
      Content: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'kms:*', Resource: '*' }],
      }),
    },
  });
  const doc = (statement: Record<string, unknown>) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
  const DENY = { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' };
  it.each([
    ['an SCP (describe-policy output)', scp, 'Policy.PolicySummary.Type', 'SERVICE_CONTROL_POLICY'],
    [
      'an SCP document (no Principal)',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'kms:*', Resource: '*' }],
      }),
      'Statement[0]',
      'must have Principal "*"',
    ],
    [
      'an Allow other than full access',
      doc({ ...DENY, Effect: 'Allow', Action: 'kms:Decrypt' }),
      'Statement[0].Effect',
      'Allow is supported only in',
    ],
    [
      'a Principal other than "*"',
      doc({ ...DENY, Principal: { AWS: '111122223333' } }),
      'Statement[0].Principal',
      'only Principal "*"',
    ],
    [
      'NotPrincipal',
      doc({ Effect: 'Deny', NotPrincipal: { AWS: '111122223333' }, Action: 'kms:*', Resource: '*' }),
      'Statement[0].NotPrincipal',
      'not supported',
    ],
    [
      'NotAction',
      doc({ Effect: 'Deny', Principal: '*', NotAction: 'kms:Decrypt', Resource: '*' }),
      'Statement[0].NotAction',
      'not supported',
    ],
    ['Action "*"', doc({ ...DENY, Action: '*' }), 'Statement[0].Action', 'cannot use Action "*"'],
    ['an unsupported element', doc({ ...DENY, Extra: 1 }), 'Statement[0].Extra', ''],
    [
      'Version 2008-10-17',
      JSON.stringify({ Version: '2008-10-17', Statement: [DENY] }),
      'Version',
      '"2012-10-17"',
    ],
    [
      'a bad condition inside describe-policy Content',
      JSON.stringify({
        Policy: {
          PolicySummary: { Id: 'p-abcdefgh', Type: 'RESOURCE_CONTROL_POLICY' },
          Content: doc({ ...DENY, Condition: { StringEqual: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }),
        },
      }),
      'Policy.Content → Statement[0].Condition.StringEqual',
      '',
    ],
    ['not JSON', '{"Version": ', '$', ''],
  ])('%s is exit 2 naming the file and the JSON path', async (_name, text, path, message) => {
    const r = await run(['--rcp', 'bad.json', 'key.json'], { 'bad.json': text });
    expect(r.code).toBe(2);
    const line = r.stdout.split('\n').find((l) => l.startsWith(`error: bad.json: ${path}: `));
    expect(line, r.stdout).toBeDefined();
    expect(line).toContain(message);
  });

  it('an unreadable --rcp file is exit 2; --key-tag needs --rcp and KEY=VALUE', async () => {
    const r = await run(['--rcp', 'missing-rcp.json', 'key.json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('error: missing-rcp.json: $: cannot read RCP file');
    expect((await run(['--key-tag', 'a=b', 'key.json'])).code).toBe(2);
    const bad = await run(['--rcp', 'id.json', '--key-tag', 'novalue', 'key.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--key-tag must be KEY=VALUE');
  });
});
