import {
  PublishBatchCommand,
  type PublishBatchCommandInput,
  SNSClient,
  SNSServiceException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSnsClient } from '../../functions/adapters/clients.js';
import { createCallCounter } from '../../functions/adapters/counter.js';
import { chunkPublishEntries, createSnsAdapter, publishEntrySize } from '../../functions/adapters/sns.js';
import type { PublishEntry } from '../../functions/engine/ports.js';
import { fastRetry, serviceError } from './helpers.js';

const snsMock = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:kms-perimeter-guard-alerts';

function setup(retryOverrides = {}, maxBatchBytes?: number) {
  const counter = createCallCounter();
  const retry = fastRetry(retryOverrides);
  const sns = createSnsAdapter(createSnsClient({ region: 'eu-west-1' }), {
    counter,
    retry,
    ...(maxBatchBytes ? { maxBatchBytes } : {}),
  });
  return { sns, counter, retry };
}

function entry(n: number, overrides: Partial<PublishEntry> = {}): PublishEntry {
  return {
    id: `finding/${n}:key-no-external-principals`,
    message: JSON.stringify({ default: `finding ${n}`, sqs: JSON.stringify({ version: 1, n }) }),
    subject: `[high] key-no-external-principals on key ${n}`,
    messageStructure: 'json',
    messageAttributes: { severity: 'high', rule: 'key-no-external-principals', status: 'alerted' },
    ...overrides,
  };
}

/** Answers every PublishBatch with success, except the batch ids listed (first time only). */
function succeedExcept(failOnce: Record<string, { SenderFault: boolean; Code: string }> = {}) {
  const failed = new Set<string>();
  snsMock.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
    const Successful: { Id: string; MessageId: string }[] = [];
    const Failed: { Id: string; Code: string; SenderFault: boolean; Message: string }[] = [];
    for (const e of input.PublishBatchRequestEntries ?? []) {
      const fail = failOnce[e.Id!];
      if (fail && !failed.has(e.Id!)) {
        failed.add(e.Id!);
        Failed.push({ Id: e.Id!, Code: fail.Code, SenderFault: fail.SenderFault, Message: fail.Code });
      } else {
        Successful.push({ Id: e.Id!, MessageId: `msg-${e.Id}` });
      }
    }
    return { Successful, Failed };
  });
}

const sentBatches = () =>
  snsMock.commandCalls(PublishBatchCommand).map((c) => c.args[0].input.PublishBatchRequestEntries ?? []);

beforeEach(() => {
  snsMock.reset();
});

describe('publishBatch: at most 10 entries per PublishBatch call', () => {
  it('publishes 23 entries in 3 calls (10 + 10 + 3), one result per entry, in order', async () => {
    const { sns, counter } = setup();
    succeedExcept();
    const entries = Array.from({ length: 23 }, (_, i) => entry(i));
    const results = await sns.publishBatch(TOPIC, entries);
    expect(sentBatches().map((b) => b.length)).toEqual([10, 10, 3]);
    expect(counter.snapshot()).toEqual({ 'sns:PublishBatch': 3 });
    expect(results.map((r) => r.id)).toEqual(entries.map((e) => e.id));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(snsMock).toHaveReceivedCommandWith(PublishBatchCommand, { TopicArn: TOPIC });
  });

  it('sends MessageStructure json, the subject and String message attributes', async () => {
    const { sns } = setup();
    succeedExcept();
    await sns.publishBatch(TOPIC, [entry(1)]);
    const [sent] = sentBatches()[0]!;
    expect(sent).toEqual({
      Id: 'm0',
      Message: entry(1).message,
      Subject: entry(1).subject,
      MessageStructure: 'json',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'high' },
        rule: { DataType: 'String', StringValue: 'key-no-external-principals' },
        status: { DataType: 'String', StringValue: 'alerted' },
      },
    });
  });

  it('accepts entries in the SDK member names (as engine alerts build them)', async () => {
    const { sns } = setup();
    succeedExcept();
    const sdkShaped = {
      Id: 'alert-1',
      Subject: '[high] key-no-external-principals on key 1',
      Message: '{"default":"text"}',
      MessageStructure: 'json' as const,
      MessageAttributes: { severity: { DataType: 'String' as const, StringValue: 'high' } },
    };
    const [result] = await sns.publishBatch(TOPIC, [sdkShaped]);
    expect(result).toEqual({ id: 'alert-1', ok: true, messageId: 'msg-m0' });
    expect(sentBatches()[0]).toEqual([{ ...sdkShaped, Id: 'm0' }]);
  });

  it('sends nothing for no entries', async () => {
    const { sns } = setup();
    await expect(sns.publishBatch(TOPIC, [])).resolves.toEqual([]);
    expect(snsMock).not.toHaveReceivedAnyCommand();
  });
});

describe('publishBatch: partial failures', () => {
  it('retries only the entries SNS reports failed on its side', async () => {
    const { sns, counter, retry } = setup();
    succeedExcept({
      m3: { SenderFault: false, Code: 'InternalError' },
      m17: { SenderFault: false, Code: 'Throttled' },
    });
    const results = await sns.publishBatch(
      TOPIC,
      Array.from({ length: 23 }, (_, i) => entry(i)),
    );
    expect(sentBatches().map((b) => b.map((e) => e.Id))).toEqual([
      Array.from({ length: 10 }, (_, i) => `m${i}`),
      Array.from({ length: 10 }, (_, i) => `m${i + 10}`),
      ['m20', 'm21', 'm22'],
      ['m3', 'm17'],
    ]);
    expect(counter.total('sns')).toBe(4);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results[3]).toEqual({ id: entry(3).id, ok: true, messageId: 'msg-m3' });
    expect(retry.delays).toHaveLength(1);
  });

  it('does not retry entries SNS blames on the request (SenderFault)', async () => {
    const { sns } = setup();
    succeedExcept({ m1: { SenderFault: true, Code: 'InvalidParameter' } });
    const results = await sns.publishBatch(TOPIC, [entry(0), entry(1)]);
    expect(sentBatches()).toHaveLength(1);
    expect(results[1]).toEqual({
      id: entry(1).id,
      ok: false,
      code: 'InvalidParameter',
      message: 'InvalidParameter',
      senderFault: true,
      retryable: false,
    });
  });

  it('reports an entry still failing after the last round as retryable', async () => {
    const { sns } = setup({ attempts: 3 });
    snsMock
      .on(PublishBatchCommand)
      .resolves({ Failed: [{ Id: 'm0', Code: 'InternalError', SenderFault: false, Message: 'oops' }] });
    const [result] = await sns.publishBatch(TOPIC, [entry(0)]);
    expect(snsMock).toHaveReceivedCommandTimes(PublishBatchCommand, 3);
    expect(result).toMatchObject({ ok: false, code: 'InternalError', senderFault: false, retryable: true });
  });
});

describe('publishBatch: whole-call errors', () => {
  it('retries a throttled call, then publishes', async () => {
    const { sns } = setup();
    const fallback = snsMock.on(PublishBatchCommand);
    fallback.rejectsOnce(serviceError(SNSServiceException, 'Throttled'));
    fallback.resolves({ Successful: [{ Id: 'm0', MessageId: 'x' }] });
    const [result] = await sns.publishBatch(TOPIC, [entry(0)]);
    expect(result).toEqual({ id: entry(0).id, ok: true, messageId: 'x' });
    expect(snsMock).toHaveReceivedCommandTimes(PublishBatchCommand, 2);
  });

  it('a permanent error fails that batch’s entries, without throwing, and the next batch still goes', async () => {
    const { sns } = setup();
    snsMock
      .on(PublishBatchCommand)
      .rejectsOnce(serviceError(SNSServiceException, 'AuthorizationError', 403, 'not allowed'))
      .callsFake((input: PublishBatchCommandInput) => ({
        Successful: (input.PublishBatchRequestEntries ?? []).map((e) => ({ Id: e.Id, MessageId: 'ok' })),
      }));
    const results = await sns.publishBatch(
      TOPIC,
      Array.from({ length: 12 }, (_, i) => entry(i)),
    );
    expect(snsMock).toHaveReceivedCommandTimes(PublishBatchCommand, 2);
    expect(results.slice(0, 10).every((r) => !r.ok && r.code === 'AuthorizationError' && !r.retryable)).toBe(
      true,
    );
    expect(results.slice(10).every((r) => r.ok)).toBe(true);
  });
});

describe('chunking by size (256 KiB per PublishBatch)', () => {
  it('splits on the aggregate payload, not only the count', async () => {
    const big = (n: number) => entry(n, { message: 'x'.repeat(100_000), messageAttributes: {} });
    expect(chunkPublishEntries([big(0), big(1), big(2), big(3), big(4)]).map((c) => c.length)).toEqual([
      2, 2, 1,
    ]);
  });

  it('counts subject and attributes in the size', () => {
    expect(publishEntrySize({ id: 'a', message: 'ab', subject: 'cd', messageAttributes: { k: 'v' } })).toBe(
      2 + 2 + 1 + 'String'.length + 1,
    );
  });

  it('the adapter honours a custom maximum', async () => {
    const { sns } = setup({}, 1_000);
    succeedExcept();
    await sns.publishBatch(
      TOPIC,
      Array.from({ length: 4 }, (_, i) => entry(i, { message: 'y'.repeat(400), messageAttributes: {} })),
    );
    expect(sentBatches().map((b) => b.length)).toEqual([2, 2]);
  });
});
