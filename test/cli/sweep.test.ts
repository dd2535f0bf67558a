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
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

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
  kms.on(GetKeyPolicyCommand).callsFake((input: { KeyId: string }) => ({
    Policy: policy(['00000002', '00000003'].includes(input.KeyId.slice(0, 8))),
  }));
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
});

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
    // Pending deletion: judged, not remediated.
    expect(byId[keyId(2)].results['key-no-external-principals'].status).toBe('remediation-failed');
    expect(report.apiCalls['kms:ListKeys']).toBe(3);
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
      Policy:
        input.KeyId === keyId(3) && written
          ? written
          : policy(['00000002', '00000003'].includes(input.KeyId.slice(0, 8))),
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
    expect(JSON.parse(readFileSync(out, 'utf8')).dryRun).toBe(false);
    // The pending-deletion key still has an open finding: exit 1.
    expect(run.code).toBe(1);
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
    [['sweep', '--format', 'sarif'], /--format must be one of text, json/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const run = await runCli([...argv, '--config', 'cfg.json'], { 'cfg.json': CONFIG }, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
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
