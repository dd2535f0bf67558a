/**
 * The key-events Lambda with organization.rcps "read": the key's account's RCPs are read through
 * the real Organizations client (mocked), so a key protected only by an RCP is not remediated by an
 * event either; with "ignore" the same event remediates it and Organizations is never called.
 */
import { readFileSync } from 'node:fs';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const kms = mockClient(KMSClient);
const orgs = mockClient(OrganizationsClient);
const sns = mockClient(SNSClient);
const ACCOUNT = '111122223333';
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const identity = JSON.parse(
  readFileSync(new URL('../fixtures/rcps/identity-perimeter.json', import.meta.url), 'utf8'),
) as {
  Policy: { Content: string };
};
const policy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'Partner',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::444455556666:role/partner' },
      Action: 'kms:Decrypt',
      Resource: '*',
    },
  ],
});
const event = {
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.kms',
  account: ACCOUNT,
  region: 'us-east-1',
  detail: {
    eventID: 'evt-rcp',
    eventTime: '2026-11-24T00:00:00Z',
    eventSource: 'kms.amazonaws.com',
    eventName: 'PutKeyPolicy',
    awsRegion: 'us-east-1',
    recipientAccountId: ACCOUNT,
    userIdentity: { arn: `arn:aws:iam::${ACCOUNT}:user/alice` },
    requestParameters: { keyId: KEY },
  },
};
const context = {
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:guard`,
  functionName: 'guard',
  awsRequestId: 'r',
} as Context;

async function keyHandler(rcps: 'read' | 'ignore') {
  vi.resetModules();
  vi.stubEnv(
    'GUARD_CONFIG',
    JSON.stringify({
      trust: { accounts: [ACCOUNT], organizationIds: ['o-a1b2c3d4e5'] },
      rules: {
        'key-no-external-principals': 'remediate',
        'key-crypto-via-vpce': 'off',
        'key-sourceip-ineffective': 'off',
      },
      organization: { rcps },
    }),
  );
  vi.stubEnv('ALERT_TOPIC_ARN', 'arn:aws:sns:us-east-1:111122223333:kms-perimeter-guard-alerts');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'CRITICAL');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  return (await import('../../functions/handlers/key-events.js')).handler as unknown as (
    e: unknown,
    c: Context,
  ) => Promise<{ resources: { rules: Record<string, string> }[] }>;
}

beforeEach(() => {
  for (const m of [kms, orgs, sns]) m.reset();
  kms.on(DescribeKeyCommand).resolves({
    KeyMetadata: {
      KeyId: KEY,
      Arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY}`,
      AWSAccountId: ACCOUNT,
      KeyManager: 'CUSTOMER',
      KeyState: 'Enabled',
      Enabled: true,
    },
  });
  let current = policy;
  kms.on(GetKeyPolicyCommand).callsFake(() => ({ Policy: current, PolicyName: 'default' }));
  kms.on(ListResourceTagsCommand).resolves({ Tags: [], Truncated: false });
  kms.on(PutKeyPolicyCommand).callsFake((input: { Policy: string }) => {
    current = input.Policy;
    return {};
  });
  sns.on(PublishBatchCommand).resolves({ Successful: [], Failed: [] });
  orgs.on(DescribeOrganizationCommand).resolves({ Organization: { MasterAccountId: '999988887777' } });
  orgs.on(ListRootsCommand).resolves({
    Roots: [{ Id: 'r-ab12', PolicyTypes: [{ Type: 'RESOURCE_CONTROL_POLICY', Status: 'ENABLED' }] }],
  });
  orgs.on(ListParentsCommand).resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
  orgs.on(ListPoliciesForTargetCommand, { TargetId: 'r-ab12' }).resolves({
    Policies: [
      { Id: 'p-RCPFullAWSAccess', Name: 'RCPFullAWSAccess', AwsManaged: true },
      { Id: 'p-identityperim1', Name: 'identity', AwsManaged: false },
    ],
  });
  orgs
    .on(ListPoliciesForTargetCommand, { TargetId: ACCOUNT })
    .resolves({ Policies: [{ Id: 'p-RCPFullAWSAccess', Name: 'RCPFullAWSAccess', AwsManaged: true }] });
  orgs.on(DescribePolicyCommand).resolves({ Policy: { Content: identity.Policy.Content } });
});
afterEach(() => vi.unstubAllEnvs());

describe('key-events Lambda with RCPs', () => {
  it('"read": the key protected only by the RCP is compliant and nothing is written', async () => {
    const out = await (await keyHandler('read'))(event, context);
    expect(out.resources[0]?.rules['key-no-external-principals']).toBe('compliant');
    expect(kms).not.toHaveReceivedCommand(PutKeyPolicyCommand);
    expect(orgs).toHaveReceivedCommandWith(ListPoliciesForTargetCommand, {
      TargetId: ACCOUNT,
      Filter: 'RESOURCE_CONTROL_POLICY',
    });
  });

  it('"ignore": the same event remediates the key, and Organizations is not asked', async () => {
    const out = await (await keyHandler('ignore'))(event, context);
    expect(out.resources[0]?.rules['key-no-external-principals']).toBe('remediated');
    expect(kms).toHaveReceivedCommand(PutKeyPolicyCommand);
    expect(orgs.calls()).toHaveLength(0);
  });
});
