/**
 * `kms-perimeter-guard sweep` end to end with the real adapters over mocked SDK clients:
 * pagination on every list call, AWS-managed and pending-deletion keys, dry run by default.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeRegionsCommand, DescribeVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatSweepText } from '../../functions/cli/sweep-text.js';
import { buildReport } from '../../functions/engine/sweep-report.js';
import { memberRoleActions } from '../../functions/handlers/permissions.js';
import { answerKeyStateReads } from '../adapters/key-state-mocks.js';
import { profileFiles, runCli, signingKeyOf } from './helpers.js';

const OWN = '111122223333';
const kms = mockClient(KMSClient);
const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);
const orgs = mockClient(OrganizationsClient);

const keyId = (i: number) => `${String(i).padStart(8, '0')}-12ab-34cd-56ef-1234567890ab`;
const policy = (external: boolean) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Root',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OWN}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      ...(external
        ? [
            {
              Sid: 'Partner',
              Effect: 'Allow',
              Principal: { AWS: '444455556666' },
              Action: 'kms:Decrypt',
              Resource: '*',
            },
          ]
        : []),
    ],
  });

/** Keys 2 and 3 let an outside account in; key 1 is AWS-managed, its policy Id AWS's `auto-<service>-<n>`. */
function estatePolicy(id: string): string {
  const text = policy(['00000002', '00000003'].includes(id.slice(0, 8)));
  return id.startsWith('00000001') ? JSON.stringify({ Id: 'auto-ebs-1', ...JSON.parse(text) }) : text;
}

function mockEstate(keys = 7) {
  sts.on(GetCallerIdentityCommand).resolves({ Account: OWN, Arn: `arn:aws:iam::${OWN}:user/ci` });
  ec2
    .on(DescribeRegionsCommand)
    .resolves({ Regions: [{ RegionName: 'us-east-1' }, { RegionName: 'eu-west-1' }] });
  // Three ListKeys pages (Truncated + NextMarker).
  const all = Array.from({ length: keys }, (_, i) => ({
    KeyId: keyId(i),
    KeyArn: `arn:aws:kms:us-east-1:${OWN}:key/${keyId(i)}`,
  }));
  kms.on(ListKeysCommand).callsFake((input: { Marker?: string }) => {
    const start = input.Marker ? Number(input.Marker) : 0;
    const page = all.slice(start, start + 3);
    const next = start + 3;
    return next < all.length
      ? { Keys: page, Truncated: true, NextMarker: String(next) }
      : { Keys: page, Truncated: false };
  });
  kms.on(DescribeKeyCommand).callsFake((input: { KeyId: string }) => {
    const i = Number(input.KeyId.slice(0, 8));
    return {
      KeyMetadata: {
        KeyId: input.KeyId,
        Arn: `arn:aws:kms:us-east-1:${OWN}:key/${input.KeyId}`,
        AWSAccountId: OWN,
        KeyManager: i === 1 ? 'AWS' : 'CUSTOMER',
        KeyState: i === 2 ? 'PendingDeletion' : 'Enabled',
      },
    };
  });
  // Key 1 is AWS-managed: ListAliases gives it AWS's alias; a customer key has its own alias.
  kms.on(ListAliasesCommand).resolves({
    Aliases: [
      { AliasName: 'alias/aws/ebs', TargetKeyId: keyId(1) },
      { AliasName: 'alias/app', TargetKeyId: keyId(0) },
    ],
    Truncated: false,
  });
  // Key 1's policy also carries the `auto-<service>-<n>` Id AWS gives those policies.
  kms
    .on(GetKeyPolicyCommand)
    .callsFake((input: { KeyId: string }) => ({ Policy: estatePolicy(input.KeyId) }));
  // Two ListResourceTags pages for every key.
  kms
    .on(ListResourceTagsCommand)
    .callsFake((input: { Marker?: string }) =>
      input.Marker
        ? { Tags: [{ TagKey: 'team', TagValue: 'x' }], Truncated: false }
        : { Tags: [{ TagKey: 'env', TagValue: 'prod' }], Truncated: true, NextMarker: 'm2' },
    );
  // Two DescribeVpcEndpoints pages (NextToken).
  ec2
    .on(DescribeVpcEndpointsCommand)
    .callsFake((input: { NextToken?: string; Filters?: { Name: string; Values: string[] }[] }) => {
      const region = input.Filters?.[0]?.Values?.[0]?.split('.')[2] ?? 'us-east-1';
      const endpoint = (n: number, privateDns: boolean) => ({
        VpcEndpointId: `vpce-0${n}0000000000000${n}`,
        VpcEndpointType: 'Interface',
        VpcId: 'vpc-0a1b2c3d',
        ServiceName: `com.amazonaws.${region}.kms`,
        State: 'available',
        PrivateDnsEnabled: privateDns,
        RequesterManaged: false,
        OwnerId: OWN,
      });
      return input.NextToken
        ? { VpcEndpoints: [endpoint(2, true)] }
        : { VpcEndpoints: [endpoint(1, true)], NextToken: 'p2' };
    });
}

const CONFIG = JSON.stringify({
  trust: { accounts: [OWN] },
  rules: {
    'key-crypto-via-vpce': 'off',
    'key-no-external-principals': 'remediate',
    'endpoint-no-external-principals': 'alert',
  },
  sweep: { regions: ['us-east-1'] },
});

beforeEach(() => {
  for (const m of [kms, ec2, sts, orgs]) m.reset();
  answerKeyStateReads(kms);
});
afterEach(() => vi.unstubAllEnvs());

const env = { AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };

describe('sweep', () => {
  it('dry run by default: every listed key and endpoint judged across every page, nothing written, exit 1 on findings', async () => {
    mockEstate();
    const run = await runCli(
      ['sweep', '--config', 'cfg.json', '--format', 'json'],
      { 'cfg.json': CONFIG },
      env,
    );
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.dryRun).toBe(true);
    expect(report.resources.filter((r: { type: string }) => r.type === 'kms-key')).toHaveLength(7);
    expect(report.resources.filter((r: { type: string }) => r.type === 'vpc-endpoint')).toHaveLength(2);
    expect(report.scopes[0]).toMatchObject({
      account: OWN,
      region: 'us-east-1',
      keys: { listed: 7, awsManaged: 1 },
      endpoints: { listed: 2 },
    });
    expect(kms).toHaveReceivedCommandTimes(ListKeysCommand, 3);
    expect(ec2).toHaveReceivedCommandTimes(DescribeVpcEndpointsCommand, 2);
    expect(kms).not.toHaveReceivedCommand(PutKeyPolicyCommand);
    const byId = Object.fromEntries(report.resources.map((r: { id: string }) => [r.id, r]));
    expect(byId[keyId(3)].results['key-no-external-principals']).toMatchObject({
      status: 'finding',
      detail: 'dry-run',
    });
    // Pending deletion: judged; a dry run does not fail a remediation it never tried, it says the
    // guard could not make it.
    expect(byId[keyId(2)].results['key-no-external-principals']).toMatchObject({
      status: 'finding',
      detail: expect.stringMatching(/^cannot remediate: .*pending deletion/i),
    });
    expect(report.apiCalls['kms:ListKeys']).toBe(3);
    // The AWS-managed key is told by its alias/aws/* alias: one ListAliases, no read of the key.
    expect(report.apiCalls['kms:ListAliases']).toBe(1);
    expect(byId[keyId(1)]).toMatchObject({ status: 'skipped', reason: 'AWS-managed key' });
    for (const command of [DescribeKeyCommand, GetKeyPolicyCommand])
      expect(kms.commandCalls(command).filter((c) => c.args[0].input.KeyId === keyId(1))).toEqual([]);
    expect(report.scopes[0].keys.aliasesUnread).toBeUndefined();
    // IAM follows the calls: every KMS and EC2 call of the sweep is an action of the member role.
    const member = memberRoleActions();
    const calls = Object.keys(report.apiCalls).filter((op) => /^(kms|ec2):/.test(op));
    expect(calls).toContain('kms:ListAliases');
    expect(calls.filter((op) => !member.has(op))).toEqual([]);
    expect(run.stderr).toMatch(/111122223333\/us-east-1: 9\/9 resources judged/);
  });

  it('--remediate writes the fix; the text summary has one row per account-region', async () => {
    mockEstate();
    let written = '';
    kms.on(PutKeyPolicyCommand).callsFake((input: { Policy: string }) => {
      written = input.Policy;
      return {};
    });
    kms.on(GetKeyPolicyCommand).callsFake((input: { KeyId: string }) => ({
      Policy: input.KeyId === keyId(3) && written ? written : estatePolicy(input.KeyId),
    }));
    const dir = mkdtempSync(path.join(tmpdir(), 'kpg-sweep-'));
    const out = path.join(dir, 'report.json');
    const run = await runCli(
      ['sweep', '--config', 'cfg.json', '--remediate', '--output', out],
      { 'cfg.json': CONFIG },
      env,
    );
    expect(kms).toHaveReceivedCommandTimes(PutKeyPolicyCommand, 1);
    expect(kms).toHaveReceivedCommandWith(PutKeyPolicyCommand, {
      KeyId: keyId(3),
      BypassPolicyLockoutSafetyCheck: false,
    });
    expect(run.stdout).toMatch(/account\s+region\s+keys\s+AWS-managed/);
    expect(run.stdout).toMatch(/111122223333\s+us-east-1\s+7\s+1\s+2/);
    expect(run.stdout).toMatch(
      /REMEDIATED key-no-external-principals kms-key arn:aws:kms:us-east-1:111122223333:key\/00000003/,
    );
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.dryRun).toBe(false);
    // The text report kept only the results that are not compliant, and counted the rest: it is the
    // text of the whole report the file got as the sweep went.
    expect(file.resources).toHaveLength(9);
    expect(run.stdout).toBe(formatSweepText(file));
    // The pending-deletion key still has an open finding: exit 1.
    expect(run.code).toBe(1);
  });

  it('--format json with --output: the same report streamed to both, valid JSON', async () => {
    mockEstate();
    const dir = mkdtempSync(path.join(tmpdir(), 'kpg-sweep-'));
    const out = path.join(dir, 'report.json');
    const run = await runCli(
      ['sweep', '--config', 'cfg.json', '--format', 'json', '--output', out],
      { 'cfg.json': CONFIG },
      env,
    );
    expect(run.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe(run.stdout);
    const report = JSON.parse(run.stdout);
    expect(report.resources).toHaveLength(9);
    expect(report.totals).toMatchObject({
      resources: 9,
      byType: { 'kms-key': 7, 'vpc-endpoint': 2 },
      skipped: 1,
    });
  });

  it('"all-enabled" regions come from DescribeRegions; "organization" accounts from every ListAccounts page, ACTIVE only', async () => {
    mockEstate(2);
    orgs
      .on(ListAccountsCommand)
      .callsFake((input: { NextToken?: string }) =>
        input.NextToken
          ? { Accounts: [{ Id: '999900001111', Status: 'SUSPENDED' }] }
          : { Accounts: [{ Id: OWN, Status: 'ACTIVE' }], NextToken: 'n2' },
      );
    const config = JSON.stringify({
      trust: { accounts: [OWN] },
      sweep: { regions: 'all-enabled', accounts: 'organization' },
    });
    const run = await runCli(
      ['sweep', '--config', 'cfg.json', '--format', 'json'],
      { 'cfg.json': config },
      env,
    );
    const report = JSON.parse(run.stdout);
    expect(report.scopes.map((s: { account: string; region: string }) => `${s.account}/${s.region}`)).toEqual(
      [`${OWN}/eu-west-1`, `${OWN}/us-east-1`],
    );
    expect(orgs).toHaveReceivedCommandTimes(ListAccountsCommand, 2);
  });

  it.each([
    [['sweep', '--dry-run', '--remediate'], /exclude each other/],
    [['sweep', '--regions', 'moon-1'], /is not an AWS region/],
    [['sweep', '--endpoint-url', 'localhost'], /must be an http\(s\) URL/],
    [['sweep', '--format', 'sarif'], /--format must be one of text\|json\|asff\|ocsf, got "sarif"/],
    [['sweep', '--regions', 'us-east1'], /"us-east1" is not an AWS region \(did you mean us-east-1\?\)/],
    [['sweep', '--regions', 'eu-west-9'], /"eu-west-9" is not an AWS region/],
    [['sweep', '--fail-on', 'severe'], /--fail-on must be one of low\|medium\|high/],
    [['sweep', 'extra'], /sweep takes no FILE arguments/],
  ])('%j is a usage error (exit 2), said in one line, before any AWS call', async (argv, message) => {
    const run = await runCli([...argv, '--config', 'cfg.json'], { 'cfg.json': CONFIG }, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^kms-perimeter-guard sweep: /),
      'see `kms-perimeter-guard sweep --help`',
    ]);
    expect(sts).not.toHaveReceivedAnyCommand();
  });

  it('--profile: the profile signs the own account’s calls, and the environment is left alone', async () => {
    profileFiles('guard-audit', 'AKIDPROFILE');
    const before = process.env.AWS_PROFILE;
    mockEstate();
    const run = await runCli(
      ['sweep', '--config', 'cfg.json', '--profile', 'guard-audit'],
      { 'cfg.json': CONFIG },
      env,
    );
    expect(run.code).toBe(1);
    expect(process.env.AWS_PROFILE).toBe(before);
    for (const call of [
      sts.commandCalls(GetCallerIdentityCommand)[0],
      kms.commandCalls(ListKeysCommand)[0],
      ec2.commandCalls(DescribeVpcEndpointsCommand)[0],
    ]) {
      await expect(signingKeyOf(call)).resolves.toBe('AKIDPROFILE');
    }
  });

  it('no credentials: exit 2 with a message, before anything is judged', async () => {
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const run = await runCli(['sweep', '--config', 'cfg.json'], { 'cfg.json': CONFIG }, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no AWS credentials found/);
  });
});

describe('the exit contract', () => {
  it('a key that cannot be read makes coverage incomplete: exit 3, and the findings are still reported', async () => {
    mockEstate();
    kms.on(GetKeyPolicyCommand).callsFake((input: { KeyId: string }) => {
      if (input.KeyId === keyId(4))
        throw Object.assign(new Error('User is not authorized to perform: kms:GetKeyPolicy'), {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 400 },
        });
      return { Policy: estatePolicy(input.KeyId) };
    });
    const run = await runCli(['sweep', '--config', 'cfg.json'], { 'cfg.json': CONFIG }, env);
    expect(run.stdout).toMatch(
      /FINDING key-no-external-principals kms-key \S+00000003\S* \(would remediate\)/,
    );
    expect(run.stdout).toMatch(/UNREADABLE kms-key \S*00000004.*AccessDeniedException/);
    expect(run.stdout).toContain('coverage incomplete: 1 resource not judged (exit status 3)');
    expect(run.code).toBe(3);
  });

  it('an account-region that cannot be swept (role not assumable) is incomplete coverage too', async () => {
    mockEstate();
    const config = JSON.stringify({
      trust: { accounts: [OWN] },
      sweep: { regions: ['us-east-1'], accounts: [OWN, '999988887777'] },
    });
    const run = await runCli(
      ['sweep', '--config', 'cfg.json', '--format', 'json'],
      { 'cfg.json': config },
      env,
    );
    const report = JSON.parse(run.stdout);
    expect(report.scopes.find((s: { account: string }) => s.account === '999988887777').error).toBeDefined();
    expect(run.code).toBe(3);
  });

  it('--fail-on: findings below it are printed and leave the status 0', async () => {
    mockEstate(2);
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        {
          VpcEndpointId: 'vpce-0100000000000001',
          VpcEndpointType: 'Interface',
          VpcId: 'vpc-0a1b2c3d',
          ServiceName: 'com.amazonaws.us-east-1.kms',
          PrivateDnsEnabled: false,
          OwnerId: OWN,
          PolicyDocument: JSON.stringify({
            Statement: [
              {
                Effect: 'Allow',
                Principal: '*',
                Action: '*',
                Resource: '*',
                Condition: { StringEquals: { 'aws:PrincipalAccount': OWN } },
              },
            ],
          }),
        },
      ],
    });
    // Only the medium rule is on.
    const config = JSON.stringify({
      trust: { accounts: [OWN] },
      rules: {
        'endpoint-private-dns': 'alert',
        'endpoint-no-external-principals': 'off',
        'key-no-external-principals': 'off',
        'key-crypto-via-vpce': 'off',
        'key-sourceip-ineffective': 'off',
      },
      sweep: { regions: ['us-east-1'] },
    });
    const at = async (failOn: string) =>
      runCli(['sweep', '--config', 'cfg.json', '--fail-on', failOn], { 'cfg.json': config }, env);
    const high = await at('high');
    expect(high.stdout).toMatch(/FINDING endpoint-private-dns vpc-endpoint vpce-0100000000000001/);
    expect(high.code).toBe(0);
    expect((await at('medium')).code).toBe(1);
    expect((await at('low')).code).toBe(1);
  });
});

it('a Region of the configuration that is not an AWS region is a configuration error, before any AWS call', async () => {
  const config = JSON.stringify({
    trust: { accounts: [OWN] },
    sweep: { regions: ['us-east-1', 'eu-wset-1'] },
  });
  const run = await runCli(['sweep', '--config', 'cfg.json'], { 'cfg.json': config }, env);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(
    'invalid configuration in cfg.json:\n  sweep.regions[1]: "eu-wset-1" is not an AWS region',
  );
  expect(sts).not.toHaveReceivedAnyCommand();
});

describe('--output is checked before any AWS call', () => {
  it.each([
    ['a missing directory', () => path.join(tmpdir(), 'kpg-no-such-dir', 'report.json'), /no directory/],
    ['a directory', () => tmpdir(), /is a directory/],
  ])('%s is a usage error (exit 2)', async (_, out, message) => {
    mockEstate();
    const run = await runCli(
      ['sweep', '--config', 'cfg.json', '--output', out()],
      { 'cfg.json': CONFIG },
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(sts).not.toHaveReceivedAnyCommand();
    expect(kms).not.toHaveReceivedAnyCommand();
  });
});

describe('the text report of a dry run says what would happen', () => {
  it('would remediate / cannot remediate, never alerted or REMEDIATION-FAILED; compliant counts resources', async () => {
    mockEstate();
    const run = await runCli(['sweep', '--config', 'cfg.json'], { 'cfg.json': CONFIG }, env);
    expect(run.stdout).toMatch(
      /FINDING key-no-external-principals kms-key \S+00000003\S* \(would remediate\): principal in account 444455556666/,
    );
    expect(run.stdout).toMatch(
      /CANNOT-REMEDIATE key-no-external-principals kms-key \S+00000002\S* \(.*pending deletion/i,
    );
    // endpoint-no-external-principals is in alert mode: the CLI publishes nothing, so it is not "alerted".
    expect(run.stdout).toMatch(
      /FINDING endpoint-no-external-principals vpc-endpoint \S+ \(rule mode alert: reported, not remediated\)/,
    );
    expect(run.stdout).not.toMatch(/alerted|REMEDIATION-FAILED/);
    // 7 keys (1 AWS-managed) + 2 endpoints: 6 judged keys, 2 with findings; both endpoints have one.
    expect(run.stdout).toMatch(/111122223333\s+us-east-1\s+7\s+1\s+2\s+4\s+4\s+0\s+0/);
    expect(run.stdout).toContain('4 findings: 1 would be remediated, 1 cannot be remediated, 2 alert only');
    expect(run.code).toBe(1);
  });

  it('with --remediate, a refused change is CANNOT-REMEDIATE (nothing was written), not REMEDIATION-FAILED', async () => {
    mockEstate();
    const run = await runCli(['sweep', '--config', 'cfg.json', '--remediate'], { 'cfg.json': CONFIG }, env);
    expect(run.stdout).toMatch(
      /CANNOT-REMEDIATE key-no-external-principals kms-key \S+00000002\S* \(.*pending deletion/i,
    );
    expect(run.stdout).not.toMatch(/REMEDIATION-FAILED key-no-external-principals kms-key \S+00000002/);
  });

  it('ids and reasons from AWS are printed escaped', () => {
    const report = buildReport({
      runId: 'r',
      startedAt: new Date(0),
      finishedAt: new Date(1000),
      dryRun: true,
      apiCalls: {},
      sweeps: [
        {
          scope: {
            account: OWN,
            region: 'us-east-1',
            startedAt: '',
            durationMs: 1,
            keys: { listed: 1, awsManaged: 0 },
            endpoints: { listed: 0 },
          },
          alerts: [],
          resources: [
            {
              type: 'kms-key',
              id: 'k\u001b[2J',
              account: OWN,
              region: 'us-east-1',
              status: 'unreadable',
              reason: 'denied\nUNREADABLE forged',
              results: {},
            },
          ],
        },
      ],
    });
    const text = formatSweepText(report);
    expect(text).toContain('UNREADABLE kms-key k\\u001b[2J: denied\\nUNREADABLE forged');
    expect(text).not.toContain('\u001b');
  });
});
