import { readFileSync } from 'node:fs';
import { DescribeVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListKeysCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import Ajv2020 from 'ajv/dist/2020.js';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { answerKeyStateReads } from '../adapters/key-state-mocks.js';

const OWN = '111122223333';
const QUEUE = `https://sqs.us-east-1.amazonaws.com/${OWN}/kms-perimeter-guard-sweep`;
const kms = mockClient(KMSClient);
const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);
const orgs = mockClient(OrganizationsClient);
const context = {
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${OWN}:function:sweep`,
  functionName: 'sweep',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 900_000,
} as Context;
const validateReport = new Ajv2020({ strict: true }).compile(
  JSON.parse(readFileSync(new URL('../../schema/sweep-report.v1.schema.json', import.meta.url), 'utf8')),
);

function env(config: unknown, extra: Record<string, string> = {}) {
  vi.resetModules();
  vi.stubEnv('GUARD_CONFIG', JSON.stringify(config));
  vi.stubEnv('ALERT_TOPIC_ARN', `arn:aws:sns:us-east-1:${OWN}:alerts`);
  vi.stubEnv('SWEEP_QUEUE_URL', QUEUE);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'CRITICAL');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  for (const [k, v] of Object.entries(extra)) vi.stubEnv(k, v);
}

beforeEach(() => {
  for (const m of [kms, ec2, sns, sqs, s3, orgs]) m.reset();
  answerKeyStateReads(kms);
  sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: { Id: string }[] }) => ({
    Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: 'm' })),
    Failed: [],
  }));
});
afterEach(() => vi.unstubAllEnvs());

describe('sweep planner', () => {
  it('enqueues one message per ACTIVE organization account and region, 10 per SendMessageBatch', async () => {
    env({
      trust: { accounts: [OWN] },
      sweep: {
        accounts: 'organization',
        regions: ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'us-west-2', 'sa-east-1'],
      },
    });
    orgs.on(ListAccountsCommand).callsFake((input: { NextToken?: string }) =>
      input.NextToken
        ? {
            Accounts: [
              { Id: '444455556666', Status: 'ACTIVE' },
              { Id: '999900001111', Status: 'SUSPENDED' },
            ],
          }
        : { Accounts: [{ Id: OWN, Status: 'ACTIVE' }], NextToken: 'next' },
    );
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: e.Id })),
      Failed: [],
    }));
    const { planSweep } = await import('../../functions/handlers/sweep-planner.js');
    const out = await planSweep({ time: '2026-11-24T03:00:00Z' }, context);
    expect(out).toEqual({ runId: 'sweep-2026-11-24T03:00:00Z', accounts: 2, regions: 6, messages: 12 });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
    const bodies = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.MessageBody!)));
    expect(bodies).toHaveLength(12);
    expect(new Set(bodies.map((b) => `${b.account}/${b.region}`)).size).toBe(12);
    expect(bodies.every((b) => b.runId === 'sweep-2026-11-24T03:00:00Z' && b.version === 1)).toBe(true);
    expect(bodies.some((b) => b.account === '999900001111')).toBe(false);
  });

  it('entries SQS fails are sent again', async () => {
    env({ trust: { accounts: [OWN] }, sweep: { regions: ['us-east-1', 'eu-west-1'] } });
    let first = true;
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => {
      if (first) {
        first = false;
        return {
          Successful: [{ Id: '0', MessageId: 'a' }],
          Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
        };
      }
      return { Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'b' })), Failed: [] };
    });
    const { planSweep } = await import('../../functions/handlers/sweep-planner.js');
    await planSweep({ time: '2026-11-24T03:00:00Z' }, context);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
    expect(sqs.commandCalls(SendMessageBatchCommand)[1]!.args[0].input.Entries).toHaveLength(1);
  });

  it('a bad SWEEP_QUEUE_URL fails the cold start with the variable named', async () => {
    env({ trust: { accounts: [OWN] } }, { SWEEP_QUEUE_URL: 'my-queue' });
    await expect(import('../../functions/handlers/sweep-planner.js')).rejects.toThrow(
      /SWEEP_QUEUE_URL: must be an SQS queue URL/,
    );
  });
});

describe('sweep worker', () => {
  function mockAccount() {
    kms
      .on(ListKeysCommand)
      .resolves({ Keys: [{ KeyId: 'k1', KeyArn: `arn:aws:kms:us-east-1:${OWN}:key/k1` }], Truncated: false });
    kms.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: 'k1',
        Arn: `arn:aws:kms:us-east-1:${OWN}:key/k1`,
        AWSAccountId: OWN,
        KeyManager: 'CUSTOMER',
        KeyState: 'Enabled',
      },
    });
    kms.on(GetKeyPolicyCommand).resolves({
      Policy: JSON.stringify({
        Statement: [
          { Effect: 'Allow', Principal: { AWS: '444455556666' }, Action: 'kms:Decrypt', Resource: '*' },
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWN}:root` }, Action: 'kms:*', Resource: '*' },
        ],
      }),
    });
    kms.on(ListResourceTagsCommand).resolves({ Tags: [], Truncated: false });
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
  }
  const record = (messageId: string, body: unknown) => ({
    messageId,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const valid = { version: 1, runId: 'sweep-2026-11-24T03:00:00Z', account: OWN, region: 'us-east-1' };

  it('sweeps, publishes alerts and a summary, writes the report to S3; a malformed message is a batch item failure', async () => {
    env({
      trust: { accounts: [OWN] },
      rules: { 'key-crypto-via-vpce': 'off' },
      sweep: { reportBucket: 'guard-reports' },
    });
    mockAccount();
    s3.on(PutObjectCommand).resolves({});
    const { handleSweepBatch } = await import('../../functions/handlers/sweep-worker.js');
    const out = await handleSweepBatch(
      { Records: [record('m-1', valid), record('m-2', '{"version": 1}')] } as unknown as SQSEvent,
      context,
    );
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-2' }]);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put.Bucket).toBe('guard-reports');
    expect(put.Key).toMatch(
      /^reports\/\d{4}\/\d{2}\/\d{2}\/sweep-2026-11-24T03:00:00Z\/111122223333-us-east-1\.json$/,
    );
    const report = JSON.parse(String(put.Body));
    expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
    expect(report.resources[0]).toMatchObject({
      id: 'k1',
      results: { 'key-no-external-principals': { status: 'finding' } },
    });
    expect(report.apiCalls['kms:ListKeys']).toBe(1);
    const subjects = sns
      .commandCalls(PublishBatchCommand)
      .flatMap((c) => c.args[0].input.PublishBatchRequestEntries!.map((e) => e.Subject));
    expect(subjects.some((s) => /sweep summary/.test(s ?? ''))).toBe(true);
    expect(subjects.some((s) => /key-no-external-principals/.test(s ?? ''))).toBe(true);
  });

  it('near its timeout the worker starts no resource, reports it, and leaves the message for retry', async () => {
    env({ trust: { accounts: [OWN] }, rules: { 'key-crypto-via-vpce': 'off' } });
    mockAccount();
    const { handleSweepBatch, STOP_MARGIN_MS } = await import('../../functions/handlers/sweep-worker.js');
    const late = { ...context, getRemainingTimeInMillis: () => STOP_MARGIN_MS - 1 } as Context;
    const out = await handleSweepBatch({ Records: [record('m-3', valid)] } as unknown as SQSEvent, late);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-3' }]);
    expect(kms).toHaveReceivedCommandTimes(GetKeyPolicyCommand, 0);
    const summary = sns
      .commandCalls(PublishBatchCommand)
      .flatMap((c) => c.args[0].input.PublishBatchRequestEntries!)
      .find((e) => /sweep summary/.test(e.Subject ?? ''));
    expect(summary?.Message).toMatch(/stopped before its time ran out/);
  });

  it('the Lambda handler sweeps one message at a time and lists exactly the failed ones', async () => {
    env({ trust: { accounts: [OWN] }, rules: { 'key-crypto-via-vpce': 'off' } });
    mockAccount();
    // Two sweeps at once would both be inside ListKeys here.
    let inFlight = 0;
    let most = 0;
    kms.on(ListKeysCommand).callsFake(async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return { Keys: [{ KeyId: 'k1', KeyArn: `arn:aws:kms:us-east-1:${OWN}:key/k1` }], Truncated: false };
    });
    const { handler } = await import('../../functions/handlers/sweep-worker.js');
    const out = await handler(
      {
        Records: [
          record('m-a', valid),
          record('m-b', 'not json'),
          record('m-c', { ...valid, region: 'eu-west-1' }),
          record('m-d', { ...valid, account: 'x' }),
        ],
      } as unknown as SQSEvent,
      context,
    );
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-b' }, { itemIdentifier: 'm-d' }]);
    expect(kms).toHaveReceivedCommandTimes(ListKeysCommand, 2);
    expect(most).toBe(1);
  });

  it('a crash while finishing an account-region leaves the message for retry', async () => {
    env({ trust: { accounts: [OWN] }, sweep: { reportBucket: 'guard-reports' } });
    mockAccount();
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('We encountered an internal error'), {
        name: 'InternalError',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      }),
    );
    const { handleSweepBatch } = await import('../../functions/handlers/sweep-worker.js');
    const out = await handleSweepBatch({ Records: [record('m-9', valid)] } as unknown as SQSEvent, context);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-9' }]);
  });
});
