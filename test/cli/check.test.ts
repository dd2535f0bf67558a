import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_MODES, type RuleId } from '../../functions/config/schema.js';
import { RULE_IDS, ruleById } from '../../functions/rules/index.js';
import { EXTRA_KEY_READS } from '../../functions/rules/reads.js';
import { CONFIG, runCli } from './helpers.js';

const EX = 'examples/policies';
const withConfig = (...args: string[]) => ['check', '--config', 'cfg.json', ...args];
const files = (extra: Record<string, string> = {}) => ({ 'cfg.json': CONFIG, ...extra });

const keyPolicy = (statements: unknown[], id = 'key-policy-1') => ({
  Version: '2012-10-17',
  Id: id,
  Statement: statements,
});
const ROOT = {
  Sid: 'EnableIAMUserPermissions',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:root' },
  Action: 'kms:*',
  Resource: '*',
};
const EXTERNAL = {
  Sid: 'AllowPartner',
  Effect: 'Allow',
  Principal: { AWS: '444455556666' },
  Action: 'kms:CreateGrant',
  Resource: '*',
};

interface JsonReport {
  results: {
    file: string;
    resource: { type: string; id: string };
    findings: {
      rule: string;
      proof: string;
      witness?: unknown;
      example?: { request: { context: Record<string, unknown> }; decision: string };
      statements: string[];
      message: string;
    }[];
    rules: { rule: string; status: string }[];
    note?: string;
  }[];
  errors: { file: string; path: string; message: string }[];
  summary: { findings: number; resources: number; inputErrors: number };
}

async function json(argv: string[], extra: Record<string, string> = {}) {
  const run = await runCli([...withConfig('--format', 'json'), ...argv], files(extra));
  return { ...run, report: JSON.parse(run.stdout) as JsonReport };
}

describe('check on the shipped examples (one compliant and one non-compliant per rule)', () => {
  // Which rules each example must fail; every other applicable rule must pass.
  const expected: Record<string, string[]> = {
    'key-compliant.json': [],
    'key-external-account.json': ['key-no-external-principals'],
    'key-crypto-from-anywhere.json': ['key-crypto-via-vpce'],
    'key-sourceip-restriction.json': ['key-sourceip-ineffective'],
    'endpoints-compliant.json': [],
    'endpoint-private-dns-off.json': ['endpoint-private-dns'],
    'endpoint-open-policy.json': ['endpoint-no-external-principals'],
  };

  it.each(Object.entries(expected))('%s fails exactly %j', async (name, rules) => {
    const { code, report } = await json([`${EX}/${name}`], {
      'cfg.json': readFileSync('examples/config.json', 'utf8'),
    });
    expect(report.errors).toEqual([]);
    expect(report.results).toHaveLength(1);
    const [result] = report.results;
    expect(result?.findings.map((f) => f.rule)).toEqual(rules);
    // The example config sets every rule it shipped with; a rule added later keeps its default mode.
    const modes: Record<string, string> = {
      ...DEFAULT_RULE_MODES,
      ...JSON.parse(readFileSync('examples/config.json', 'utf8')).rules,
    };
    // A rule that needs state a policy file does not hold (a key's grants) is `not-read`, never ok.
    const needsMore = (id: string) =>
      ruleById(id as RuleId).reads.some((read) => (EXTRA_KEY_READS as readonly string[]).includes(read));
    for (const r of result?.rules ?? [])
      expect(r.status).toBe(
        rules.includes(r.rule)
          ? 'finding'
          : modes[r.rule] === 'off'
            ? 'off'
            : needsMore(r.rule)
              ? 'not-read'
              : 'compliant',
      );
    for (const f of result?.findings ?? []) {
      // Every finding carries a witness; key-sourceip-ineffective an example of a request it mishandles.
      if (f.rule === 'key-sourceip-ineffective') {
        expect(f.proof).toBe('example');
        expect(f.example?.request.context['aws:SourceVpce']).toMatch(/^vpce-[0-9a-f]{17}$/);
        expect(f.witness).toBeUndefined();
      } else {
        expect(f.proof).toBe('witness');
        if (f.rule !== 'endpoint-private-dns') expect(f.witness).toBeDefined();
      }
    }
    expect(code).toBe(rules.length > 0 ? 1 : 0);
  });

  it('covers every rule with a compliant and a non-compliant example', () => {
    const failing = new Set(Object.values(expected).flat());
    expect([...failing].sort()).toEqual([
      'endpoint-no-external-principals',
      'endpoint-private-dns',
      'key-crypto-via-vpce',
      'key-no-external-principals',
      'key-sourceip-ineffective',
    ]);
  });
});

describe('text output', () => {
  it('shows the witness as one readable sentence and the statement it comes from', async () => {
    const policy = { Policy: JSON.stringify(keyPolicy([ROOT, EXTERNAL])) };
    const { code, stdout } = await runCli(
      withConfig('key.json'),
      files({ 'key.json': JSON.stringify(policy) }),
    );
    expect(code).toBe(1);
    expect(stdout).toContain('FINDING [high] key-no-external-principals');
    expect(stdout).toContain('principal in account 444455556666 can call kms:CreateGrant');
    expect(stdout).toMatch(/statements: AllowPartner/);
    expect(stdout).toMatch(/1 resource in 1 file: 2 findings on 1 resource/);
  });

  it('prefers the plainest witness: a direct call, not one made through an AWS service', async () => {
    const vpceOnly = {
      Sid: 'CryptoOnlyThroughOurEndpoint',
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        StringNotEqualsIfExists: { 'aws:SourceVpce': 'vpce-0a1b2c3d4e5f6a7b8' },
        BoolIfExists: { 'aws:ViaAWSService': 'false' },
      },
    };
    const partner = { ...EXTERNAL, Action: 'kms:Decrypt' };
    const policy = { Policy: JSON.stringify(keyPolicy([ROOT, vpceOnly, partner])) };
    const { code, stdout } = await runCli(
      withConfig('key.json'),
      files({ 'key.json': JSON.stringify(policy) }),
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /principal in account 444455556666 can call kms:Decrypt (on \S+ )?through VPC endpoint vpce-0a1b2c3d4e5f6a7b8/,
    );
    expect(stdout).not.toContain('via an AWS service');
  });

  it('says when a key is AWS-managed and judges none of the key rules', async () => {
    const policy = keyPolicy([{ ...EXTERNAL, Principal: { AWS: '*' } }], 'auto-ebs-2');
    const { code, stdout } = await runCli(
      withConfig('--kind', 'key-policy', 'ebs.json'),
      files({ 'ebs.json': JSON.stringify(policy) }),
    );
    expect(stdout).toMatch(/AWS-managed key \(policy Id auto-ebs-2\)/);
    expect(code).toBe(0);
  });
});

describe('input shapes (SPEC §5)', () => {
  const endpoint = (id: string, extra: Record<string, unknown> = {}) => ({
    VpcEndpointId: id,
    VpcEndpointType: 'Interface',
    ServiceName: 'com.amazonaws.eu-west-1.kms',
    PrivateDnsEnabled: true,
    RequesterManaged: false,
    PolicyDocument: JSON.stringify({
      Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
    }),
    ...extra,
  });

  it('reads a VpcEndpoint, {"VpcEndpoint"} and {"VpcEndpoints"} and names each endpoint', async () => {
    const { report } = await json(['a.json', 'b.json', 'c.json'], {
      'a.json': JSON.stringify(endpoint('vpce-0aaaaaaaaaaaaaaa1')),
      'b.json': JSON.stringify({
        VpcEndpoint: endpoint('vpce-0aaaaaaaaaaaaaaa2', { PrivateDnsEnabled: false }),
      }),
      'c.json': JSON.stringify({
        VpcEndpoints: [
          endpoint('vpce-0aaaaaaaaaaaaaaa3'),
          endpoint('vpce-0aaaaaaaaaaaaaaa4', { ServiceName: 'com.amazonaws.eu-west-1.s3' }),
        ],
      }),
    });
    expect(report.results.map((r) => r.resource.id)).toEqual([
      'vpce-0aaaaaaaaaaaaaaa1',
      'vpce-0aaaaaaaaaaaaaaa2',
      'vpce-0aaaaaaaaaaaaaaa3',
      'vpce-0aaaaaaaaaaaaaaa4',
    ]);
    const rules = (id: string) =>
      report.results.find((r) => r.resource.id === id)?.findings.map((f) => f.rule) ?? ['missing'];
    expect(rules('vpce-0aaaaaaaaaaaaaaa1')).toEqual(['endpoint-no-external-principals']);
    expect(rules('vpce-0aaaaaaaaaaaaaaa2')).toEqual([
      'endpoint-private-dns',
      'endpoint-no-external-principals',
    ]);
    // An S3 endpoint in the same response is read, said to be out of scope and not judged.
    expect(rules('vpce-0aaaaaaaaaaaaaaa4')).toEqual([]);
    expect(report.results.find((r) => r.resource.id === 'vpce-0aaaaaaaaaaaaaaa4')?.note).toMatch(
      /not a KMS endpoint/,
    );
  });

  it('an endpoint without a PolicyDocument gets AWS full access and is judged so', async () => {
    const { report } = await json(['e.json'], {
      'e.json': JSON.stringify({ ...endpoint('vpce-0aaaaaaaaaaaaaaa5'), PolicyDocument: undefined }),
    });
    expect(report.results[0]?.findings.map((f) => f.rule)).toEqual(['endpoint-no-external-principals']);
  });

  it('a bare policy document needs --kind, and is judged as that kind', async () => {
    const doc = JSON.stringify(keyPolicy([ROOT, EXTERNAL]));
    const bare = await runCli(withConfig('p.json'), files({ 'p.json': doc }));
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain('p.json: $: a bare policy document: say what it is with --kind');
    const asKey = await json(['--kind', 'key-policy', 'p.json'], { 'p.json': doc });
    expect(asKey.report.results[0]?.resource.type).toBe('kms-key');
    expect(asKey.code).toBe(1);
    const asEndpoint = await json(['--kind', 'endpoint-policy', 'p.json'], { 'p.json': doc });
    expect(asEndpoint.report.results[0]?.resource.type).toBe('vpc-endpoint');
    expect(asEndpoint.report.results[0]?.findings.map((f) => f.rule)).toEqual([
      'endpoint-no-external-principals',
    ]);
  });
});

describe('bad input: exit 2, the file and the JSON path named, the other files still judged', () => {
  it('names the JSON path inside a GetKeyPolicy response', async () => {
    const bad = keyPolicy([
      ROOT,
      { ...ROOT, Sid: 'Bad', Condition: { StringEqual: { 'aws:PrincipalAccount': '111122223333' } } },
    ]);
    const { code, stdout } = await runCli(
      withConfig('bad.json', 'good.json'),
      files({
        'bad.json': JSON.stringify({ Policy: JSON.stringify(bad) }),
        'good.json': JSON.stringify({ Policy: JSON.stringify(keyPolicy([ROOT, EXTERNAL])) }),
      }),
    );
    expect(code).toBe(2);
    expect(stdout).toMatch(/error: bad\.json: Policy → Statement\[1\]\.Condition\.StringEqual: .*operator/);
    // The good file's finding is still reported, and the bad one is never called compliant.
    expect(stdout).toContain('good.json: kms-key good');
    expect(stdout).not.toMatch(/bad\.json: kms-key/);
  });

  it('names the endpoint and field inside a DescribeVpcEndpoints response', async () => {
    const { code, report, stderr } = await json(['d.json'], {
      'd.json': JSON.stringify({
        VpcEndpoints: [
          {
            VpcEndpointId: 'vpce-0aaaaaaaaaaaaaaa1',
            ServiceName: 'com.amazonaws.us-east-1.kms',
            PrivateDnsEnabled: true,
          },
          {
            VpcEndpointId: 'vpce-0aaaaaaaaaaaaaaa2',
            ServiceName: 'com.amazonaws.us-east-1.kms',
            PolicyDocument:
              '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resourse": "*"}]}',
          },
          { VpcEndpointId: 'vpce-0aaaaaaaaaaaaaaa3', PrivateDnsEnabled: 'yes' },
        ],
      }),
    });
    expect(code).toBe(2);
    expect(report.errors.map((e) => e.path)).toEqual([
      'VpcEndpoints[1].PolicyDocument → Statement[0].Resourse',
      'VpcEndpoints[1].PolicyDocument → Statement[0]',
      'VpcEndpoints[2].PrivateDnsEnabled',
    ]);
    expect(report.results.map((r) => r.resource.id)).toEqual(['vpce-0aaaaaaaaaaaaaaa1']);
    expect(stderr).toContain('error: d.json: VpcEndpoints[2].PrivateDnsEnabled');
  });

  it.each([
    ['{"Policy": ', /not valid JSON at line 1/],
    ['[1, 2]', /expected a JSON object .* got an array/],
    ['{"Foo": 1}', /not a policy document, GetKeyPolicy response or VPC endpoint/],
  ])('rejects %s', async (text, message) => {
    const { code, stdout } = await runCli(withConfig('x.json'), files({ 'x.json': text }));
    expect(code).toBe(2);
    expect(stdout).toMatch(message);
  });

  it('rejects a policy over 32 KB rather than judging part of it', async () => {
    const many = Array.from({ length: 400 }, (_, i) => ({ ...ROOT, Sid: `S${i}` }));
    const { code, stdout } = await runCli(
      withConfig('--kind', 'key-policy', 'big.json'),
      files({ 'big.json': JSON.stringify(keyPolicy(many)) }),
    );
    expect(code).toBe(2);
    expect(stdout).toMatch(/big\.json: .*32/);
  });

  it('a missing file is an input error', async () => {
    const { code, stdout } = await runCli(withConfig('nope.json'), files());
    expect(code).toBe(2);
    expect(stdout).toContain('error: nope.json: $: cannot read file (ENOENT)');
  });
});

describe('usage and configuration errors exit 2 with a message', () => {
  it.each([
    [['check', 'a.json'], /no configuration/],
    [['check', '--config', 'cfg.json'], /at least one FILE/],
    [
      ['check', '--config', 'cfg.json', '--format', 'xml', 'a.json'],
      /--format must be one of text\|json\|sarif\|asff\|ocsf, got "xml"/,
    ],
    [
      ['check', '--config', 'cfg.json', '--kind', 'key', 'a.json'],
      /--kind must be one of key-policy\|endpoint-policy\|endpoint/,
    ],
    [
      ['check', '--config', 'cfg.json', '--fail-on', 'critical', 'a.json'],
      /--fail-on must be one of low\|medium\|high/,
    ],
    [['check', '--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [
      ['check', '--config', 'bad.json', 'a.json'],
      /invalid configuration in bad\.json:\n {2}trust\.accounts\[0\]: must be a 12-digit/,
    ],
  ])('%j', async (argv, message) => {
    const { code, stderr } = await runCli(
      argv,
      files({ 'bad.json': '{"trust":{"accounts":["1"]}}', 'a.json': '{}' }),
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('reads the config from GUARD_CONFIG when --config is not given', async () => {
    const { code, stdout } = await runCli(
      ['check', `${EX}/key-compliant.json`],
      {},
      { GUARD_CONFIG: CONFIG },
    );
    expect(stdout).toContain('no findings');
    expect(code).toBe(0);
  });
});

describe('--format json and sarif', () => {
  it('json follows the SPEC §5 document', async () => {
    const { report } = await json([`${EX}/key-external-account.json`]);
    expect(report.results[0]).toMatchObject({
      file: `${EX}/key-external-account.json`,
      resource: { type: 'kms-key', id: 'key-external-account' },
      findings: [
        {
          rule: 'key-no-external-principals',
          severity: 'high',
          proof: 'witness',
          statements: ['AllowPartnerAccount'],
          witness: { principal: { AWS: 'arn:aws:iam::444455556666:root' } },
        },
      ],
    });
    expect(report.summary).toMatchObject({ findings: 1, resources: 1, inputErrors: 0 });
  });

  it('sarif is a 2.1.0 log with rules, levels and the line of the statement', async () => {
    const run = await runCli(
      withConfig('--format', 'sarif', `${EX}/key-external-account.json`, 'bad.json'),
      files({ 'bad.json': '{' }),
    );
    expect(run.code).toBe(2);
    const log = JSON.parse(run.stdout);
    expect(log.version).toBe('2.1.0');
    const [sarifRun] = log.runs;
    expect(sarifRun.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual([...RULE_IDS]);
    const [result] = sarifRun.results;
    expect(result.ruleId).toBe('key-no-external-principals');
    expect(sarifRun.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
    expect(result.level).toBe('error');
    const text = readFileSync(`${EX}/key-external-account.json`, 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('AllowPartnerAccount')) + 1;
    expect(result.locations[0].physicalLocation.region.startLine).toBe(line);
    expect(result.properties.witness.action).toMatch(/^kms:/);
    expect(sarifRun.invocations[0].executionSuccessful).toBe(false);
    expect(sarifRun.invocations[0].toolExecutionNotifications[0].message.text).toMatch(/not valid JSON/);
  });
});

describe('reading inputs a user actually has', () => {
  const getKeyPolicy = (statements: unknown[]) =>
    JSON.stringify({ Policy: JSON.stringify(keyPolicy(statements)) });

  it('check - reads standard input', async () => {
    const run = await runCli(withConfig('-'), files(), {}, getKeyPolicy([ROOT, EXTERNAL]));
    expect(run.stdout).toContain('<stdin>: kms-key <stdin> (GetKeyPolicy response): 2 findings');
    expect(run.code).toBe(1);
  });

  it('a UTF-8 byte-order mark is accepted (bare policies and responses)', async () => {
    const bare = await runCli(
      withConfig('--kind', 'key-policy', 'p.json'),
      files({ 'p.json': `\ufeff${JSON.stringify(keyPolicy([ROOT]))}` }),
    );
    expect(bare.stdout).toContain('p.json: kms-key p (key policy)');
    const response = await runCli(withConfig('k.json'), files({ 'k.json': `\ufeff${getKeyPolicy([ROOT])}` }));
    expect(response.stdout).toContain('k.json: kms-key k (GetKeyPolicy response)');
    expect([bare.code, response.code]).toEqual([1, 1]); // key-crypto-via-vpce: no endpoint restriction
  });

  it('a trailing comma is named with its line and column, in the file and in the policy text inside it', async () => {
    const file = '{\n  "Version": "2012-10-17",\n  "Statement": [],\n}\n';
    const outer = await runCli(withConfig('--kind', 'key-policy', 'p.json'), files({ 'p.json': file }));
    expect(outer.code).toBe(2);
    expect(outer.stdout).toContain('error: p.json: $: trailing comma at line 3, column 18');
    const inner = await runCli(withConfig('k.json'), files({ 'k.json': JSON.stringify({ Policy: file }) }));
    expect(inner.code).toBe(2);
    expect(inner.stdout).toContain('error: k.json: Policy: trailing comma at line 3, column 18');
  });

  it('binary data is said to be binary and never echoed back', async () => {
    const garbage = '\u0000\u0001PK\u0003\u0004\u001b[31mred\u0007\ufffd';
    const run = await runCli(withConfig('blob.json'), files({ 'blob.json': garbage }));
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('error: blob.json: $: not JSON text (binary data); nothing in it was read');
    for (const echoed of ['PK', 'red', '\u001b', '\u0000']) expect(run.stdout).not.toContain(echoed);
  });

  it('a syntax error names the line and column without quoting the text', async () => {
    const run = await runCli(withConfig('x.json'), files({ 'x.json': '{\n  "Policy": secret-value\n}' }));
    expect(run.stdout).toContain("error: x.json: $: not valid JSON at line 2, column 13: unexpected 's'");
    expect(run.stdout).not.toContain('secret-value');
  });

  it.each([
    [
      'a bare policy',
      ['--kind', 'key-policy', 'p.json'],
      `{"Version": "2012-10-17", "Statement": [${JSON.stringify(ROOT).replace('"Effect":"Allow"', '"Effect":"Deny","Effect":"Allow"')}]}`,
      'p.json: Statement[0].Effect: duplicate key "Effect"',
    ],
    [
      'the policy text of a GetKeyPolicy response',
      ['k.json'],
      JSON.stringify({ Policy: '{"Statement": [], "Statement": []}' }),
      'k.json: Policy → Statement: duplicate key "Statement"',
    ],
    [
      'a GetKeyPolicy response itself',
      ['k.json'],
      `{"Policy": ${JSON.stringify(JSON.stringify(keyPolicy([ROOT, EXTERNAL])))}, "Policy": ${JSON.stringify(JSON.stringify(keyPolicy([ROOT])))}}`,
      'k.json: Policy: duplicate key "Policy"',
    ],
  ])(
    'duplicate keys in %s are reported with their JSON path, and nothing there is judged',
    async (_, args, text, error) => {
      const name = args.at(-1) as string;
      const run = await runCli(withConfig(...args), files({ [name]: text }));
      expect(run.code).toBe(2);
      expect(run.stdout).toContain(`error: ${error}`);
      expect(run.stdout).not.toMatch(/kms-key .* \(/);
    },
  );

  it('a duplicate key inside one endpoint of a DescribeVpcEndpoints response spoils that endpoint only', async () => {
    const endpoint = (id: string) =>
      `{"VpcEndpointId": "${id}", "ServiceName": "com.amazonaws.eu-west-1.kms", "PrivateDnsEnabled": true, "PolicyDocument": ${JSON.stringify(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }] }))}}`;
    const text = `{"VpcEndpoints": [${endpoint('vpce-0aaaaaaaaaaaaaaa1')}, ${endpoint('vpce-0aaaaaaaaaaaaaaa2').replace('"PrivateDnsEnabled": true', '"PrivateDnsEnabled": true, "PrivateDnsEnabled": false')}]}`;
    const { code, report } = await json(['d.json'], { 'd.json': text });
    expect(code).toBe(2);
    expect(report.errors.map((e) => e.path)).toEqual(['VpcEndpoints[1].PrivateDnsEnabled']);
    expect(report.results.map((r) => r.resource.id)).toEqual(['vpce-0aaaaaaaaaaaaaaa1']);
  });
});

describe('--fail-on', () => {
  const sourceIp = `${EX}/key-sourceip-restriction.json`; // one low finding

  it.each([
    ['low', 1],
    ['medium', 0],
    ['high', 0],
  ])('a low finding with --fail-on %s exits %i and is printed either way', async (failOn, code) => {
    const run = await runCli(withConfig('--fail-on', failOn, sourceIp), files());
    expect(run.stdout).toContain('FINDING [low] key-sourceip-ineffective');
    if (code === 0) expect(run.stdout).toContain(`1 finding below --fail-on ${failOn}: printed, not failing`);
    expect(run.code).toBe(code);
  });

  it('a high finding fails at every threshold; input errors stay 2', async () => {
    const high = await runCli(withConfig('--fail-on', 'high', `${EX}/key-external-account.json`), files());
    expect(high.code).toBe(1);
    const bad = await runCli(withConfig('--fail-on', 'high', 'x.json'), files({ 'x.json': '{' }));
    expect(bad.code).toBe(2);
  });
});

describe('text output never prints control characters raw', () => {
  it('a Sid with an ANSI escape and a newline is shown escaped', async () => {
    const sid = 'Partner\u001b[31m\nFINDING forged line';
    const run = await runCli(
      withConfig('k.json'),
      files({
        'k.json': JSON.stringify({ Policy: JSON.stringify(keyPolicy([ROOT, { ...EXTERNAL, Sid: sid }])) }),
      }),
    );
    expect(run.stdout).toContain('statements: Partner\\u001b[31m\\nFINDING forged line');
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout.split('\n').filter((l) => l.startsWith('FINDING forged'))).toEqual([]);
  });

  it('so is a file name and an input error message', async () => {
    const name = 'evil\u001b]0;title\u0007.json';
    const run = await runCli(withConfig(name), files());
    expect(run.stdout).toContain('error: evil\\u001b]0;title\\u0007.json: $: cannot read file (ENOENT)');
    expect([...run.stdout].filter((c) => c < ' ' && c !== '\n')).toEqual([]);
  });
});
