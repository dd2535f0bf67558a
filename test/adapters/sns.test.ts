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
import { batchPublishEntries, createSnsAdapter, publishEntryBytes } from '../../functions/adapters/sns.js';
import type { AlertEntry } from '../../functions/engine/alert-types.js';
import { errorAlert } from '../../functions/engine/alerts.js';
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

const attribute = (StringValue: string) => ({ DataType: 'String' as const, StringValue });

/** An alert entry as the engine builds them (engine/alerts.ts), with a given message. */
function entry(n: number, message?: string): AlertEntry {
  return {
    Id: `finding-${n}_key-no-external-principals`,
    Subject: `[high] key-no-external-principals on key ${n}`,
    Message: message ?? JSON.stringify({ default: `finding ${n}`, sqs: JSON.stringify({ version: 1, n }) }),
    MessageStructure: 'json',
    MessageAttributes: {
      kind: attribute('finding'),
      severity: attribute('high'),
      rule: attribute('key-no-external-principals'),
      account: attribute('111122223333'),
      region: attribute('eu-west-1'),
      resourceType: attribute('kms-key'),
      status: attribute('alerted'),
    },
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
    expect(results.map((r) => r.id)).toEqual(entries.map((e) => e.Id));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(snsMock).toHaveReceivedCommandWith(PublishBatchCommand, { TopicArn: TOPIC });
  });

  it('sends each alert entry as it is, under its batch id', async () => {
    const { sns } = setup();
    succeedExcept();
    const alert = entry(1);
    const [result] = await sns.publishBatch(TOPIC, [alert]);
    expect(result).toEqual({ id: alert.Id, ok: true, messageId: 'msg-m0' });
    expect(sentBatches()).toEqual([[{ ...alert, Id: 'm0' }]]);
  });

  it('entries built by the engine go through unchanged, one result per entry under its own id', async () => {
    const { sns } = setup();
    succeedExcept();
    const alerts = Array.from({ length: 25 }, (_, i) =>
      errorAlert({
        stage: 'read',
        message: `cannot read key ${i}`,
        account: '111122223333',
        region: 'eu-west-1',
      }),
    );
    const results = await sns.publishBatch(TOPIC, alerts);
    expect(sentBatches().map((b) => b.length)).toEqual([10, 10, 5]);
    expect(sentBatches().flat()).toEqual(alerts.map((a, i) => ({ ...a, Id: `m${i}` })));
    expect(results.map((r) => r.id)).toEqual(alerts.map((a) => a.Id));
  });

  it('the same entry given twice is two messages: batch ids are unique whatever the entries’ ids', async () => {
    const { sns } = setup();
    succeedExcept();
    const alert = entry(1);
    const results = await sns.publishBatch(TOPIC, [alert, alert, alert]);
    expect(sentBatches().map((b) => b.map((e) => e.Id))).toEqual([['m0', 'm1', 'm2']]);
    expect(results).toEqual([0, 1, 2].map((i) => ({ id: alert.Id, ok: true, messageId: `msg-m${i}` })));
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
    expect(results[3]).toEqual({ id: entry(3).Id, ok: true, messageId: 'msg-m3' });
    expect(retry.delays).toHaveLength(1);
  });

  it('does not retry entries SNS blames on the request (SenderFault)', async () => {
    const { sns } = setup();
    succeedExcept({ m1: { SenderFault: true, Code: 'InvalidParameter' } });
    const results = await sns.publishBatch(TOPIC, [entry(0), entry(1)]);
    expect(sentBatches()).toHaveLength(1);
    expect(results[1]).toEqual({
      id: entry(1).Id,
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
    expect(result).toEqual({ id: entry(0).Id, ok: true, messageId: 'x' });
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

describe('batching by size (256 KiB per PublishBatch)', () => {
  const request = (n: number, message?: string) => ({ ...entry(n, message), Id: `m${n}` });

  it('splits on the aggregate payload, not only the count, keeping the order', () => {
    const big = (n: number) => request(n, 'x'.repeat(100_000));
    const batches = batchPublishEntries([big(0), big(1), big(2), big(3), big(4)]);
    expect(batches.map((b) => b.map((e) => e.Id))).toEqual([['m0', 'm1'], ['m2', 'm3'], ['m4']]);
    for (const batch of batches) {
      expect(batch.reduce((n, e) => n + publishEntryBytes(e), 0)).toBeLessThanOrEqual(262_144);
    }
  });

  it('an entry larger than the limit on its own still goes, alone', () => {
    const batches = batchPublishEntries([request(0), request(1, 'x'.repeat(300_000)), request(2)]);
    expect(batches.map((b) => b.map((e) => e.Id))).toEqual([['m0'], ['m1'], ['m2']]);
  });

  it('counts message, subject and every attribute’s name, type and value, in UTF-8 bytes', () => {
    expect(
      publishEntryBytes({
        Id: 'a',
        Message: 'ab',
        Subject: 'é',
        MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
      }),
    ).toBe(2 + 2 + 1 + 'String'.length + 1);
  });

  it('the adapter honours a custom maximum', async () => {
    const size = publishEntryBytes(request(0, 'y'.repeat(400)));
    const { sns } = setup({}, 2 * size);
    succeedExcept();
    await sns.publishBatch(
      TOPIC,
      Array.from({ length: 4 }, (_, i) => entry(i, 'y'.repeat(400))),
    );
    expect(sentBatches().map((b) => b.length)).toEqual([2, 2]);
  });
});
