import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../functions/cli/check.js';
import { parseConfig } from '../../functions/config/load.js';
import { runCli } from '../cli/helpers.js';

const DIR = 'test/iac/fixtures';
const CONFIG_TEXT = readFileSync('examples/config.json', 'utf8');
const fixture = (name: string) => ({ name: `${DIR}/${name}`, text: readFileSync(`${DIR}/${name}`, 'utf8') });

function check(
  names: string[],
  target: { account?: string; region?: string } = { account: '111122223333', region: 'eu-west-1' },
) {
  const config = parseConfig(JSON.parse(CONFIG_TEXT), 'config.json');
  return runCheck({ files: names.map(fixture), config, where: target });
}

/** rule → status, and the proof of its finding when there is one, for one resource. */
function verdicts(report: ReturnType<typeof check>, id: string) {
  const r = report.results.find((x) => x.resource.id === id);
  if (!r) throw new Error(`no result for ${id}`);
  return Object.fromEntries(
    r.verdict.results.map((x) => [
      x.rule,
      x.status === 'finding' ? `finding:${x.findings[0]?.proof}` : x.status,
    ]),
  );
}

describe('CloudFormation YAML: every intrinsic', () => {
  const report = check(['intrinsics.yaml']);

  it('reads each judged resource by logical id with its line, and skips what is not created', () => {
    expect(report.problems).toEqual([]);
    const ids = report.results.map((r) => [r.resource.id, r.line]);
    expect(ids).toEqual([
      ['InAccountKey', 29],
      ['PartnerKey', 64],
      ['AdminKey', 75],
      ['ImportedKey', 86],
      ['DefaultPolicyKey', 98],
      ['KmsEndpoint', 107],
      ['DefaultsEndpoint', 124],
      ['S3Endpoint', 130],
    ]);
  });

  it('evaluates Sub, GetAtt, Split, FindInMap, Select, If, Equals/And/Or/Not, NoValue and ${!Literal}', () => {
    const key = report.results.find((r) => r.resource.id === 'InAccountKey')?.resource;
    if (key?.type !== 'kms-key') throw new Error('no key');
    const st = key.policy.statements;
    expect(st.map((s) => s.sid)).toEqual(['Root', 'App', 'Accounts', 'Literal']); // !If NotProd → NoValue
    expect(JSON.stringify(st[0]?.principal)).toContain('arn:aws:iam::111122223333:root');
    expect(JSON.stringify(st[1]?.principal)).toContain('arn:aws:iam::111122223333:role/app');
    expect(JSON.stringify(st[1]?.action)).toContain('kms:Encrypt');
    expect(JSON.stringify(st[1]?.conditions)).toContain('vpce-0a1b2c3d4e5f6a7b8');
    expect(JSON.stringify(st[2]?.principal)).toContain('111122223333');
    expect(JSON.stringify(st[3]?.conditions)).toContain('${NotAVariable}');
    expect(verdicts(report, 'InAccountKey')['key-no-external-principals']).toBe('compliant');
  });

  it('a parameter with a Default is judged at its default, and the output says so', () => {
    expect(verdicts(report, 'PartnerKey')['key-no-external-principals']).toBe('finding:witness');
    const r = report.results.find((x) => x.resource.id === 'PartnerKey');
    expect(r?.assumptions).toContain('parameter PartnerAccount taken at its Default');
    const f = r?.verdict.results.find((x) => x.rule === 'key-no-external-principals')?.findings[0];
    expect(JSON.stringify(f?.witness)).toContain('444455556666');
  });

  it('a parameter without Default or an import that decides the verdict is unproven, naming it', () => {
    for (const [id, name] of [
      ['AdminKey', 'parameter AdminRoleArn'],
      ['ImportedKey', 'Fn::ImportValue shared-role-arn'],
    ] as const) {
      const r = report.results.find((x) => x.resource.id === id);
      const res = r?.verdict.results.find((x) => x.rule === 'key-no-external-principals');
      expect(res?.status).toBe('finding');
      expect(res?.findings[0]?.proof).toBe('unproven');
      expect(res?.findings[0]?.reason).toContain(name);
      expect(res?.findings[0]?.witness).toBeUndefined();
    }
  });

  it('no KeyPolicy: the default key policy; no PrivateDnsEnabled: the CloudFormation default false', () => {
    expect(verdicts(report, 'DefaultPolicyKey')['key-no-external-principals']).toBe('compliant');
    expect(
      report.results.find((x) => x.resource.id === 'DefaultPolicyKey')?.assumptions?.join(' '),
    ).toContain('default key policy');
    expect(verdicts(report, 'DefaultsEndpoint')['endpoint-private-dns']).toBe('finding:witness');
    expect(verdicts(report, 'DefaultsEndpoint')['endpoint-no-external-principals']).toBe('finding:witness');
    expect(verdicts(report, 'KmsEndpoint')).toEqual({
      'endpoint-private-dns': 'compliant',
      'endpoint-no-external-principals': 'compliant',
    });
  });

  it('a non-KMS endpoint is read and noted, not judged', () => {
    expect(report.results.find((x) => x.resource.id === 'S3Endpoint')?.note).toMatch(/not a KMS endpoint/);
  });

  it('without --account the deploying account is the first trusted account, said per resource', () => {
    const r = check(['intrinsics.yaml'], { region: 'eu-west-1' });
    expect(r.results[0]?.assumptions?.join(' ')).toMatch(/no --account given.*111122223333/);
    expect(verdicts(r, 'InAccountKey')['key-no-external-principals']).toBe('compliant');
  });

  it('without --region, com.amazonaws.${AWS::Region}.kms is still a KMS endpoint; a policy on AWS::Region is unproven', () => {
    const r = check(['intrinsics.yaml'], { account: '111122223333' });
    expect(verdicts(r, 'KmsEndpoint')['endpoint-private-dns']).toBe('compliant');
    const t = check(['controltower-cloudtrail-key.yaml'], { account: '111122223333' });
    const reason = t.results[0]?.verdict.results.find((x) => x.rule === 'key-no-external-principals')
      ?.findings[0]?.reason;
    expect(reason).toContain('AWS::Region (no --region)');
  });
});

describe('CloudFormation: a real AWS documentation template and a JSON template', () => {
  it('the Control Tower CloudTrail key: unproven where ${AWS::StackName} decides a condition, judged elsewhere', () => {
    const report = check(['controltower-cloudtrail-key.yaml']);
    expect(report.problems).toEqual([]);
    expect(report.results.map((r) => [r.resource.id, r.line])).toEqual([['KMSKey', 2]]);
    const v = verdicts(report, 'KMSKey');
    expect(v['key-no-external-principals']).toBe('finding:unproven');
    const reason = report.results[0]?.verdict.results.find((x) => x.rule === 'key-no-external-principals')
      ?.findings[0]?.reason;
    expect(reason).toContain('AWS::StackName');
  });

  it('KeyPolicy as JSON text and Fn::ToJsonString are read', () => {
    const report = check(['template.json']);
    expect(report.problems).toEqual([]);
    expect(report.results.map((r) => [r.resource.id, r.line])).toEqual([
      ['TextPolicyKey', 4],
      ['TextPolicyEndpoint', 10],
    ]);
    expect(verdicts(report, 'TextPolicyKey')['key-no-external-principals']).toBe('finding:witness');
    expect(verdicts(report, 'TextPolicyEndpoint')['endpoint-no-external-principals']).toBe('compliant');
  });
});

describe('Terraform plan', () => {
  const report = check(['plan.json']);
  it('judges every resource type by address, with its line', () => {
    expect(report.problems).toEqual([]);
    expect(report.results.map((r) => [r.resource.id, r.line])).toEqual([
      ['aws_kms_key.app', 7],
      ['aws_kms_key.defaults', 25],
      ['aws_kms_key.from_role', 37],
      ['aws_kms_key_policy.app', 49],
      ['aws_kms_replica_key.replica["eu"]', 63],
      ['aws_kms_grant.partner', 78],
      ['aws_kms_grant.pending', 95],
      ['aws_vpc_endpoint.kms', 107],
      ['aws_vpc_endpoint_policy.kms', 123],
      ['aws_vpc_endpoint_private_dns.kms', 137],
    ]);
  });
  it('policies, defaults, attachments, grants and plan-time unknowns', () => {
    expect(verdicts(report, 'aws_kms_key.defaults')['key-no-external-principals']).toBe('compliant');
    expect(verdicts(report, 'aws_kms_key.from_role')['key-no-external-principals']).toBe('finding:unproven');
    expect(verdicts(report, 'aws_kms_key_policy.app')['key-no-external-principals']).toBe('compliant');
    // The key's own policy is replaced by aws_kms_key_policy.app: judged there, not on the key.
    expect(verdicts(report, 'aws_kms_key.app')['key-no-external-principals']).toBeUndefined();
    expect(verdicts(report, 'aws_kms_replica_key.replica["eu"]')['key-no-external-principals']).toBe(
      'finding:witness',
    );
    expect(verdicts(report, 'aws_kms_grant.partner')).toEqual({
      'key-no-external-grantees': 'finding:unproven',
    });
    expect(verdicts(report, 'aws_kms_grant.pending')).toEqual({
      'key-no-external-grantees': 'finding:unproven',
    });
    expect(verdicts(report, 'aws_vpc_endpoint.kms')).toEqual({});
    expect(verdicts(report, 'aws_vpc_endpoint_policy.kms')).toEqual({
      'endpoint-no-external-principals': 'compliant',
    });
    expect(verdicts(report, 'aws_vpc_endpoint_private_dns.kms')).toEqual({
      'endpoint-private-dns': 'compliant',
    });
  });
  it('a grant to an outside account is proven when no organization is trusted', () => {
    const config = parseConfig(
      { ...JSON.parse(CONFIG_TEXT), trust: { accounts: ['111122223333'] } },
      'config.json',
    );
    const r = runCheck({
      files: [fixture('plan.json')],
      config,
      where: { account: '111122223333', region: 'eu-west-1' },
    });
    expect(verdicts(r, 'aws_kms_grant.partner')).toEqual({ 'key-no-external-grantees': 'finding:witness' });
  });
});

describe('bad infrastructure code: one clear error with file, line and path; other files still judged', () => {
  it.each([
    ['syntax-error.yaml', 7, '$', /YAML syntax error/],
    [
      'unknown-intrinsic.yaml',
      9,
      'Resources.Key.Properties.KeyPolicy.Statement[0].Principal.AWS',
      /unknown intrinsic function tag !Reff/,
    ],
    [
      'unknown-long-intrinsic.json',
      6,
      'Resources.Key.Properties.KeyPolicy.Fn::Bogus',
      /unknown intrinsic function Fn::Bogus/,
    ],
    ['plan-format-2.json', 2, 'format_version', /plan format "2.0" is not supported/],
  ])('%s', (name, line, path, message) => {
    const report = check([name, 'template.json']);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ file: `${DIR}/${name}`, line, path });
    expect(report.problems[0]?.message).toMatch(message);
    expect(report.results.filter((r) => r.file === `${DIR}/template.json`)).toHaveLength(2);
  });

  it('the CLI exits 2 and prints file:line in text and the line in JSON and SARIF', async () => {
    const files = { 'cfg.json': CONFIG_TEXT };
    const args = ['check', '--config', 'cfg.json', '--account', '111122223333', '--region', 'eu-west-1'];
    const text = await runCli([...args, `${DIR}/unknown-intrinsic.yaml`, `${DIR}/template.json`], files);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(`error: ${DIR}/unknown-intrinsic.yaml:9: Resources.Key.Properties`);
    expect(text.stdout).toContain(
      `${DIR}/template.json:4: kms-key TextPolicyKey (CloudFormation template): 2 findings`,
    );
    const json = JSON.parse(
      (await runCli([...args, '--format', 'json', `${DIR}/template.json`], files)).stdout,
    );
    expect(json.results[0]).toMatchObject({
      file: `${DIR}/template.json`,
      line: 4,
      resource: { id: 'TextPolicyKey' },
    });
    const sarif = JSON.parse(
      (await runCli([...args, '--format', 'sarif', `${DIR}/plan.json`], files)).stdout,
    );
    const replica = sarif.runs[0].results.find((r: { message: { text: string } }) =>
      r.message.text.includes('aws_kms_replica_key.replica["eu"]'),
    );
    expect(replica.locations[0].physicalLocation.region.startLine).toBe(63);
  });

  it('usage errors for --account and --region', async () => {
    const bad = await runCli(['check', '--account', '12', `${DIR}/template.json`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--account must be a 12-digit account id/);
    const region = await runCli(['check', '--region', 'mars-1', `${DIR}/template.json`]);
    expect(region.stderr).toMatch(/--region must be an AWS region name/);
  });
});

describe('CDK cloud assembly', () => {
  const args = ['check', '--config', 'cfg.json', '--format', 'json'];
  it('the manifest names the stack templates; a stack environment fixes its account and region', async () => {
    const run = await runCli([...args, `${DIR}/cdk.out/manifest.json`], { 'cfg.json': CONFIG_TEXT });
    const report = JSON.parse(run.stdout);
    expect(report.errors).toEqual([]);
    expect(
      report.results.map((r: { file: string; resource: { id: string }; line: number }) => [
        r.file,
        r.resource.id,
        r.line,
      ]),
    ).toEqual([
      [`${DIR}/cdk.out/KeyStack.template.json`, 'AppKey6E9F9C2D', 3],
      [`${DIR}/cdk.out/AgnosticStack.template.json`, 'SharedKey1F2A3B4C', 3],
    ]);
    // KeyStack deploys to 222233334444 (the manifest says so), which the example config does not trust.
    const [keyStack, agnostic] = report.results;
    expect(
      keyStack.findings.find((f: { rule: string }) => f.rule === 'key-no-external-principals')?.proof,
    ).toBe('witness');
    // The environment-agnostic stack deploys where it is deployed from: the trusted account, said so.
    expect(
      agnostic.findings.find((f: { rule: string }) => f.rule === 'key-no-external-principals'),
    ).toBeUndefined();
    expect(agnostic.assumptions.join(' ')).toMatch(/no --account given/);
    expect(run.code).toBe(1);
  });

  it('a template the manifest names but that is missing is an error naming both', async () => {
    const manifest = JSON.stringify({
      version: '36.0.0',
      artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile: 'S.template.json' } } },
    });
    const run = await runCli([...args, 'out/manifest.json'], {
      'cfg.json': CONFIG_TEXT,
      'out/manifest.json': manifest,
    });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).errors[0]).toMatchObject({ file: 'out/S.template.json', path: '$' });
    expect(JSON.parse(run.stdout).errors[0].message).toMatch(/named by out\/manifest.json/);
  });
});
