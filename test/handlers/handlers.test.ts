/**
 * The exported Lambda handlers end to end, with the real SDK clients mocked by aws-sdk-client-mock:
 * every real CloudTrail record of the corpus routed to the right handler, recorded Custodian
 * responses, cold-start configuration errors, multi-account role assumption.
 */
import {
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  ModifyVpcEndpointCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeKeyCommand,
  type DescribeKeyCommandOutput,
  GetKeyPolicyCommand,
  type GetKeyPolicyCommandOutput,
  KMSClient,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseTrigger } from '../../functions/events/triggers.js';
import { answerKeyStateReads } from '../adapters/key-state-mocks.js';
import { placeboAvailable, placeboOutput } from '../adapters/placebo.js';
import { corpusAvailable, listCorpus, readCorpusJson } from '../corpus.js';

const kms = mockClient(KMSClient);
const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const sts = mockClient(STSClient);

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:kms-perimeter-guard-alerts';
type Handler = (
  event: unknown,
  context: Context,
) => Promise<{ kind: string; resources: { status: string; rules: Record<string, string> }[] }>;

const contextFor = (account: string) =>
  ({
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${account}:function:guard`,
    functionName: 'guard',
    awsRequestId: 'req',
  }) as Context;

async function loadHandlers(config: unknown, extraEnv: Record<string, string> = {}) {
  vi.resetModules();
  vi.stubEnv('GUARD_CONFIG', JSON.stringify(config));
  vi.stubEnv('ALERT_TOPIC_ARN', TOPIC);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'CRITICAL');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  for (const [k, v] of Object.entries(extraEnv)) vi.stubEnv(k, v);
  const key = (await import('../../functions/handlers/key-events.js')).handler as unknown as Handler;
  const endpoint = (await import('../../functions/handlers/endpoint-events.js'))
    .handler as unknown as Handler;
  return { key, endpoint };
}

const rootPolicy = (account: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Root',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });

function mockCompliantAws(account: string) {
  kms.on(DescribeKeyCommand).callsFake((input: { KeyId: string }) => ({
    KeyMetadata: {
      KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      Arn: `arn:aws:kms:us-east-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      AWSAccountId: account,
      KeyManager: 'CUSTOMER',
      KeyState: 'Enabled',
      Description: `asked for ${input.KeyId}`,
    },
  }));
  kms.on(GetKeyPolicyCommand).resolves({ Policy: rootPolicy(account), PolicyName: 'default' });
  kms.on(ListResourceTagsCommand).resolves({ Tags: [], Truncated: false });
  ec2.on(DescribeVpcEndpointsCommand).callsFake((input: { VpcEndpointIds: string[] }) => ({
    VpcEndpoints: input.VpcEndpointIds.map((id) => ({
      VpcEndpointId: id,
      VpcEndpointType: 'Interface',
      VpcId: 'vpc-0a1b2c3d',
      ServiceName: 'com.amazonaws.us-east-1.kms',
      State: 'available',
      PrivateDnsEnabled: true,
      RequesterManaged: false,
      OwnerId: account,
      PolicyDocument: JSON.stringify({
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: '*',
            Resource: '*',
            Condition: { StringEquals: { 'aws:PrincipalAccount': account } },
          },
        ],
      }),
    })),
  }));
  sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: { Id: string }[] }) => ({
    Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
    Failed: [],
  }));
}

beforeEach(() => {
  kms.reset();
  answerKeyStateReads(kms);
  ec2.reset();
  sns.reset();
  sts.reset();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** Every record of the corpus (real ones and the marked synthetic shapes), as the handlers receive them. */
function corpusEvents(): { file: string; event: unknown }[] {
  const files = [
    ...listCorpus('events'),
    'events/synthesized/ec2-ModifyVpcEndpoint-policy-and-privatedns.json',
    'events/synthesized/ec2-ModifyVpcEndpoint-PrivateDns-failed.json',
    'events/synthesized/kms-PutKeyPolicy-eventbridge-envelope.json',
  ];
  return files.map((file) => ({ file, event: readCorpusJson(file) }));
}

describe.skipIf(!corpusAvailable())('every corpus event through the handlers', () => {
  it.each(corpusEvents())('$file', async ({ event }) => {
    const parsed = parseTrigger(event);
    const account = parsed.kind === 'trigger' ? parsed.trigger.account : '111122223333';
    mockCompliantAws(account);
    // Only the identity rules: the mocked resources are compliant with them, so nothing is alerted.
    const { key, endpoint } = await loadHandlers({
      trust: { accounts: [account] },
      rules: { 'key-crypto-via-vpce': 'off' },
    });
    const keyOut = await key(event, contextFor(account));
    const endpointOut = await endpoint(event, contextFor(account));
    if (parsed.kind !== 'trigger') {
      // Failed calls, other APIs, other services: nothing is read, nothing is written.
      expect(keyOut.kind).toBe(parsed.kind);
      expect(kms.calls()).toHaveLength(0);
      expect(ec2.calls()).toHaveLength(0);
      expect(sts.calls()).toHaveLength(0);
      return;
    }
    const t = parsed.trigger;
    if (t.family === 'key') {
      expect(keyOut.kind).toBe('processed');
      expect(endpointOut.kind).toBe('ignored');
      expect(kms).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: t.keyRef.value });
      expect(keyOut.resources[0]?.status).toBe('judged');
    } else {
      expect(endpointOut.kind).toBe('processed');
      expect(keyOut.kind).toBe('ignored');
      for (const id of t.resourceIds)
        expect(ec2).toHaveReceivedCommandWith(DescribeVpcEndpointsCommand, { VpcEndpointIds: [id] });
    }
    // A compliant resource is never written, and nothing is published.
    expect(kms).not.toHaveReceivedCommand(PutKeyPolicyCommand);
    expect(ec2).not.toHaveReceivedCommand(ModifyVpcEndpointCommand);
    expect(sns).not.toHaveReceivedCommand(PublishBatchCommand);
  });
});

describe.skipIf(!corpusAvailable())('every corpus trigger against a non-compliant resource', () => {
  const triggers = corpusEvents().filter(({ event }) => parseTrigger(event).kind === 'trigger');

  it.each(triggers)('$file: one write, read back, one SNS message', async ({ event }) => {
    const parsed = parseTrigger(event);
    if (parsed.kind !== 'trigger') throw new Error('not a trigger');
    const t = parsed.trigger;
    mockCompliantAws(t.account);
    // Make the re-read resource non-compliant, and let writes stick (for the read-back).
    let policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Root',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${t.account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        { Sid: 'Anyone', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
      ],
    });
    kms.on(GetKeyPolicyCommand).callsFake(() => ({ Policy: policy, PolicyName: 'default' }));
    kms.on(PutKeyPolicyCommand).callsFake((input: { Policy: string }) => {
      policy = input.Policy;
      return {};
    });
    let privateDns = false;
    ec2.on(DescribeVpcEndpointsCommand).callsFake((input: { VpcEndpointIds: string[] }) => ({
      VpcEndpoints: input.VpcEndpointIds.map((id) => ({
        VpcEndpointId: id,
        VpcEndpointType: 'Interface',
        VpcId: 'vpc-0a1b2c3d',
        ServiceName: 'com.amazonaws.us-east-1.kms',
        State: 'available',
        PrivateDnsEnabled: privateDns,
        RequesterManaged: false,
        OwnerId: t.account,
        PolicyDocument: JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: '*',
              Resource: '*',
              Condition: { StringEquals: { 'aws:PrincipalAccount': t.account } },
            },
          ],
        }),
      })),
    }));
    ec2
      .on(DescribeVpcAttributeCommand)
      .callsFake((input: { Attribute: string }) =>
        input.Attribute === 'enableDnsSupport'
          ? { EnableDnsSupport: { Value: true } }
          : { EnableDnsHostnames: { Value: true } },
      );
    ec2.on(ModifyVpcEndpointCommand).callsFake(() => {
      privateDns = true;
      return { Return: true };
    });
    const { key, endpoint } = await loadHandlers({
      trust: { accounts: [t.account] },
      rules: {
        'key-no-external-principals': 'remediate',
        'key-crypto-via-vpce': 'off',
        'endpoint-private-dns': 'remediate',
      },
    });
    const out =
      t.family === 'key'
        ? await key(event, contextFor(t.account))
        : await endpoint(event, contextFor(t.account));
    expect(out.resources.every((r) => r.status === 'judged')).toBe(true);
    if (t.family === 'key') {
      expect(kms).toHaveReceivedCommandTimes(PutKeyPolicyCommand, 1);
      expect(kms).toHaveReceivedCommandWith(PutKeyPolicyCommand, { BypassPolicyLockoutSafetyCheck: false });
    } else {
      expect(ec2).toHaveReceivedCommandTimes(ModifyVpcEndpointCommand, t.resourceIds.length);
      expect(ec2).toHaveReceivedCommandWith(ModifyVpcEndpointCommand, {
        VpcEndpointId: t.resourceIds[0],
        PrivateDnsEnabled: true,
      });
    }
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
    const entry = sns.commandCalls(PublishBatchCommand)[0]!.args[0].input.PublishBatchRequestEntries![0]!;
    const doc = JSON.parse(JSON.parse(entry.Message!).sqs);
    expect(doc).toMatchObject({
      status: 'remediated',
      trigger: { eventId: t.eventId, eventName: t.eventName },
    });
    if (t.actorArn) expect(doc.trigger.actorArn).toBe(t.actorArn);
  });
});

describe.skipIf(!placeboAvailable)('recorded Custodian responses', () => {
  const keyEvent = (keyId: string, account: string) => ({
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.kms',
    account,
    region: 'us-east-1',
    detail: {
      eventID: 'evt-placebo',
      eventTime: '2026-11-24T00:00:00Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'PutKeyPolicy',
      awsRegion: 'us-east-1',
      recipientAccountId: account,
      userIdentity: { arn: `arn:aws:iam::${account}:user/alice` },
      requestParameters: { keyId },
    },
  });

  it('test_cross_account_kms: the recorded Principal "*" grant is remediated with one PutKeyPolicy and one alert', async () => {
    const describe = placeboOutput<DescribeKeyCommandOutput>(
      'peers/custodian/raw/placebo/test_cross_account_kms/kms.DescribeKey_1.json',
    );
    const recorded = placeboOutput<GetKeyPolicyCommandOutput>(
      'peers/custodian/raw/placebo/test_cross_account_kms/kms.GetKeyPolicy_1.json',
    );
    const account = describe.KeyMetadata!.AWSAccountId!;
    let current = recorded.Policy!;
    kms.on(DescribeKeyCommand).resolves(describe);
    kms.on(GetKeyPolicyCommand).callsFake(() => ({ Policy: current, PolicyName: 'default' }));
    kms.on(ListResourceTagsCommand).resolves({ Tags: [], Truncated: false });
    kms.on(PutKeyPolicyCommand).callsFake((input: { Policy: string }) => {
      current = input.Policy;
      return {};
    });
    sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: { Id: string }[] }) => ({
      Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: 'm' })),
      Failed: [],
    }));
    const { key } = await loadHandlers({
      trust: { accounts: [account] },
      rules: { 'key-no-external-principals': 'remediate', 'key-crypto-via-vpce': 'off' },
    });
    const out = await key(keyEvent(describe.KeyMetadata!.KeyId!, account), contextFor(account));
    expect(out.resources[0]?.rules['key-no-external-principals']).toBe('remediated');
    expect(kms).toHaveReceivedCommandTimes(PutKeyPolicyCommand, 1);
    // Never bypasses KMS's lockout safety check.
    expect(kms).toHaveReceivedCommandWith(PutKeyPolicyCommand, {
      BypassPolicyLockoutSafetyCheck: false,
      PolicyName: 'default',
    });
    const written = JSON.parse(kms.commandCalls(PutKeyPolicyCommand)[0]!.args[0].input.Policy!);
    expect(written.Statement.slice(0, 2)).toEqual(JSON.parse(recorded.Policy!).Statement);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
    const entry = sns.commandCalls(PublishBatchCommand)[0]!.args[0].input.PublishBatchRequestEntries![0]!;
    expect(entry.MessageStructure).toBe('json');
    expect(entry.Subject).toMatch(/^\[HIGH\] key-no-external-principals: .* \(remediated\)$/);
    expect(entry.MessageAttributes?.status?.StringValue).toBe('remediated');
    expect(sns).toHaveReceivedCommandWith(PublishBatchCommand, { TopicArn: TOPIC });
  });

  it('test_endpoint_policy_filter: the recorded S3 and DynamoDB gateway endpoints are skipped', async () => {
    const recorded = placeboOutput<{ VpcEndpoints: { VpcEndpointId: string; OwnerId: string }[] }>(
      'peers/custodian/raw/placebo/test_endpoint_policy_filter/ec2.DescribeVpcEndpoints_1.json',
    );
    ec2.on(DescribeVpcEndpointsCommand).callsFake((input: { VpcEndpointIds: string[] }) => ({
      VpcEndpoints: recorded.VpcEndpoints.filter((e) => input.VpcEndpointIds.includes(e.VpcEndpointId)),
    }));
    const { endpoint } = await loadHandlers({ trust: { accounts: ['644160558196'] } });
    for (const e of recorded.VpcEndpoints) {
      const event = {
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.ec2',
        account: e.OwnerId,
        region: 'us-east-1',
        detail: {
          eventID: `evt-${e.VpcEndpointId}`,
          eventTime: '2026-11-24T00:00:00Z',
          eventSource: 'ec2.amazonaws.com',
          eventName: 'ModifyVpcEndpoint',
          awsRegion: 'us-east-1',
          recipientAccountId: e.OwnerId,
          requestParameters: {
            ModifyVpcEndpointRequest: { VpcEndpointId: e.VpcEndpointId, PrivateDnsEnabled: true },
          },
        },
      };
      const out = await endpoint(event, contextFor(e.OwnerId));
      expect(out.resources[0]?.status, e.VpcEndpointId).toBe('skipped');
    }
    expect(ec2).not.toHaveReceivedCommand(ModifyVpcEndpointCommand);
    expect(ec2).not.toHaveReceivedCommand(DescribeVpcAttributeCommand);
  });
});

describe('logs', () => {
  it('the correlation id is the CloudTrail eventID, of the record in the envelope or of a bare record', async () => {
    const own = '111122223333';
    const { key, endpoint } = await loadHandlers(
      { trust: { accounts: [own] } },
      { POWERTOOLS_LOG_LEVEL: 'INFO' },
    );
    mockCompliantAws(own);
    const lines: string[] = [];
    // Powertools writes INFO to stdout and ERROR to stderr.
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      await key(
        {
          'detail-type': 'AWS API Call via CloudTrail',
          id: 'envelope-id',
          detail: { eventID: 'ct-in-envelope' },
        },
        contextFor(own),
      );
      await endpoint({ eventID: 'ct-bare-record', eventSource: 'ec2.amazonaws.com' }, contextFor(own));
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    const logs = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { message: string; correlation_id?: string });
    expect(logs.filter((l) => l.message === 'event processed').map((l) => l.correlation_id)).toEqual([
      'ct-in-envelope',
      'ct-bare-record',
    ]);
    expect(logs.filter((l) => l.message.includes('cannot be understood'))).toHaveLength(2);
    expect(
      logs.every((l) => l.correlation_id === 'ct-in-envelope' || l.correlation_id === 'ct-bare-record'),
    ).toBe(true);
  });
});

describe('the correlation-id search', () => {
  it('gives what JMESPath gives for the handler’s expression, on every shape of event', async () => {
    const { search } = await import('@aws-lambda-powertools/logger/correlationId');
    const { searchCorrelationId } = await import('../../functions/handlers/event-handler.js');
    const expression = 'detail.eventID || eventID';
    const events: unknown[] = [
      { detail: { eventID: 'a' }, eventID: 'b' },
      { eventID: 'b' },
      { detail: { eventID: '' }, eventID: 'b' },
      { detail: { eventID: null }, eventID: 'b' },
      { detail: { eventID: [] }, eventID: 'b' },
      { detail: { eventID: {} }, eventID: 'b' },
      { detail: { eventID: false }, eventID: 'b' },
      { detail: { eventID: 0 }, eventID: 'b' },
      { detail: { eventID: ['x'] } },
      { detail: 'text' },
      {},
      null,
      'text',
      [],
    ];
    for (const e of events)
      expect(searchCorrelationId(expression, e), JSON.stringify(e)).toEqual(search(expression, e));
    expect(searchCorrelationId('id', { id: 'envelope' })).toBeNull();
  });
});

describe('cold start', () => {
  it('a bad GUARD_CONFIG fails the import with the field named', async () => {
    await expect(loadHandlers({ trust: { accounts: ['12345'] } })).rejects.toThrow(
      /trust\.accounts\[0\]: must be a 12-digit AWS account id/,
    );
  });
  it('an unknown field fails the import', async () => {
    await expect(loadHandlers({ trust: { accounts: ['111122223333'] }, dryrun: true })).rejects.toThrow(
      /dryrun: unknown field/,
    );
  });
  it('a missing or malformed ALERT_TOPIC_ARN fails the import', async () => {
    await expect(
      loadHandlers({ trust: { accounts: ['111122223333'] } }, { ALERT_TOPIC_ARN: 'my-topic' }),
    ).rejects.toThrow(/ALERT_TOPIC_ARN: must be an SNS topic ARN/);
  });
});

describe('multi-account', () => {
  const MEMBER = '444455556666';
  const event = (id: string) => ({
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.kms',
    account: MEMBER,
    region: 'us-east-1',
    detail: {
      eventID: id,
      eventTime: '2026-11-24T00:00:00Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'PutKeyPolicy',
      awsRegion: 'us-east-1',
      recipientAccountId: MEMBER,
      requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
    },
  });

  it('assumes the member role once and reuses the session for the next event', async () => {
    mockCompliantAws(MEMBER);
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIA',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
    const { key } = await loadHandlers({
      trust: { accounts: ['111122223333', MEMBER] },
      memberRoleName: 'GuardMember',
    });
    await key(event('e1'), contextFor('111122223333'));
    await key(event('e2'), contextFor('111122223333'));
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${MEMBER}:role/GuardMember`,
    });
    expect(kms).toHaveReceivedCommandTimes(DescribeKeyCommand, 2);
  });

  it('a role that cannot be assumed is an alert naming the role; nothing is read', async () => {
    mockCompliantAws(MEMBER);
    sts.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'not authorized to perform sts:AssumeRole',
      }),
    );
    const { key } = await loadHandlers({ trust: { accounts: ['111122223333'] } });
    const out = await key(event('e3'), contextFor('111122223333'));
    expect(out.resources[0]?.status).toBe('error');
    expect(kms.calls()).toHaveLength(0);
    const entry = sns.commandCalls(PublishBatchCommand)[0]!.args[0].input.PublishBatchRequestEntries![0]!;
    expect(entry.Message).toContain(`arn:aws:iam::${MEMBER}:role/KmsPerimeterGuardMember`);
    expect(entry.MessageAttributes?.status?.StringValue).toBe('error');
  });
});

describe('throttling', () => {
  const throttled = () =>
    Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  const event = {
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.kms',
    account: '111122223333',
    region: 'us-east-1',
    detail: {
      eventID: 'evt-storm',
      eventTime: '2026-11-24T00:00:00Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'PutKeyPolicy',
      awsRegion: 'us-east-1',
      recipientAccountId: '111122223333',
      requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
    },
  };

  it('a short storm is absorbed by the bounded retry: the event is judged', async () => {
    mockCompliantAws('111122223333');
    kms
      .on(GetKeyPolicyCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ Policy: rootPolicy('111122223333'), PolicyName: 'default' });
    const { key } = await loadHandlers({
      trust: { accounts: ['111122223333'] },
      rules: { 'key-crypto-via-vpce': 'off' },
    });
    const out = await key(event, contextFor('111122223333'));
    expect(out.resources[0]?.status).toBe('judged');
    expect(kms).toHaveReceivedCommandTimes(GetKeyPolicyCommand, 3);
  });

  it('a storm that outlasts the budget is thrown, so Lambda retries the event (no write, no alert)', async () => {
    mockCompliantAws('111122223333');
    kms.on(GetKeyPolicyCommand).rejects(throttled());
    const { key } = await loadHandlers({ trust: { accounts: ['111122223333'] } });
    await expect(key(event, contextFor('111122223333'))).rejects.toMatchObject({
      code: 'ThrottlingException',
    });
    expect(kms).toHaveReceivedCommandTimes(GetKeyPolicyCommand, 4);
    expect(kms).not.toHaveReceivedCommand(PutKeyPolicyCommand);
    expect(sns).not.toHaveReceivedCommand(PublishBatchCommand);
  });
});
