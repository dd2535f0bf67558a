import {
  type BatchResultErrorEntry,
  PublishBatchCommand,
  type PublishBatchCommandOutput,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { PublishEntry, PublishResult, SdkPublishEntry, SnsPort } from '../engine/ports.js';
import { type AdapterOptions, createCaller } from './call.js';
import { DEFAULT_RETRY, SNS_BATCH_MAX_BYTES, SNS_BATCH_MAX_ENTRIES } from './constants.js';
import { classifyAwsError, isRetryableClassification, toAwsCallError } from './errors.js';
import { backoffDelay, defaultSleep } from './retry.js';

export interface SnsAdapterOptions extends AdapterOptions {
  /** Aggregate payload per PublishBatch call; raise it only for topics with a larger MaximumMessageSize. */
  maxBatchBytes?: number;
}

/** Normalise an SDK-shaped entry (`Id`, `Message`, ...) to the port's own shape. */
export function toPublishEntry(entry: PublishEntry | SdkPublishEntry): PublishEntry {
  if (!('Id' in entry)) return entry;
  const out: PublishEntry = { id: entry.Id, message: entry.Message };
  if (entry.Subject !== undefined) out.subject = entry.Subject;
  if (entry.MessageStructure !== undefined) out.messageStructure = entry.MessageStructure;
  if (entry.MessageGroupId !== undefined) out.messageGroupId = entry.MessageGroupId;
  if (entry.MessageDeduplicationId !== undefined) out.messageDeduplicationId = entry.MessageDeduplicationId;
  if (entry.MessageAttributes !== undefined) {
    out.messageAttributes = Object.fromEntries(
      Object.entries(entry.MessageAttributes).map(([name, attribute]) => [name, attribute.StringValue]),
    );
  }
  return out;
}

/** Bytes SNS counts for one entry: body, subject, and each attribute's name, type and value. */
export function publishEntrySize(entry: PublishEntry): number {
  let size = Buffer.byteLength(entry.message) + Buffer.byteLength(entry.subject ?? '');
  for (const [name, value] of Object.entries(entry.messageAttributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength('String') + Buffer.byteLength(value);
  }
  return size;
}

/**
 * Split into PublishBatch calls: at most 10 entries and at most `maxBytes` in total per call
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-batch-api-actions.html). An entry larger than
 * `maxBytes` on its own still goes, alone, and SNS reports it failed.
 */
export function chunkPublishEntries<T extends PublishEntry>(
  entries: T[],
  maxBytes = SNS_BATCH_MAX_BYTES,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = publishEntrySize(entry);
    if (current.length > 0 && (current.length >= SNS_BATCH_MAX_ENTRIES || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

interface Pending extends PublishEntry {
  /** Batch entry id sent to SNS: unique, `[A-Za-z0-9_-]{1,80}` whatever the caller's id looks like. */
  batchId: string;
  index: number;
}

function toRequestEntry(entry: Pending): PublishBatchRequestEntry {
  const request: PublishBatchRequestEntry = { Id: entry.batchId, Message: entry.message };
  if (entry.subject !== undefined) request.Subject = entry.subject;
  if (entry.messageStructure !== undefined) request.MessageStructure = entry.messageStructure;
  if (entry.messageGroupId !== undefined) request.MessageGroupId = entry.messageGroupId;
  if (entry.messageDeduplicationId !== undefined)
    request.MessageDeduplicationId = entry.messageDeduplicationId;
  const attributes = Object.entries(entry.messageAttributes ?? {});
  if (attributes.length > 0) {
    request.MessageAttributes = Object.fromEntries(
      attributes.map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
    );
  }
  return request;
}

/**
 * An entry failure is worth another try when SNS does not blame the request ("SenderFault: false")
 * or names throttling/an internal error.
 * https://docs.aws.amazon.com/sns/latest/api/API_BatchResultErrorEntry.html
 */
function entryRetryable(failure: BatchResultErrorEntry): boolean {
  return !failure.SenderFault || isRetryableClassification(classifyAwsError({ name: failure.Code }));
}

/** The guard's SNS port over one injected `SNSClient`. */
export function createSnsAdapter(client: SNSClient, options: SnsAdapterOptions = {}): SnsPort {
  const call = createCaller('sns', options);
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const sleep = retry.sleep ?? defaultSleep;
  const maxBytes = options.maxBatchBytes ?? SNS_BATCH_MAX_BYTES;

  return {
    async publishBatch(topicArn, entries) {
      const results: (PublishResult | undefined)[] = entries.map(() => undefined);
      let pending: Pending[] = entries.map((entry, index) => ({
        ...toPublishEntry(entry),
        batchId: `m${index}`,
        index,
      }));

      // Each round publishes what is still pending; only failed entries go round again, so a
      // partial failure never republishes the messages SNS already accepted.
      for (let round = 1; pending.length > 0; round++) {
        const lastRound = round >= retry.attempts;
        const again: Pending[] = [];
        for (const chunk of chunkPublishEntries(pending, maxBytes)) {
          const byBatchId = new Map(chunk.map((entry) => [entry.batchId, entry]));
          let out: PublishBatchCommandOutput;
          try {
            out = await call('PublishBatch', topicArn, () =>
              client.send(
                new PublishBatchCommand({
                  TopicArn: topicArn,
                  PublishBatchRequestEntries: chunk.map(toRequestEntry),
                }),
              ),
            );
          } catch (err) {
            // The call itself failed after our retries: every entry of this chunk failed with it.
            const error = toAwsCallError(err, {
              service: 'sns',
              operation: 'PublishBatch',
              resourceId: topicArn,
            });
            for (const entry of chunk) {
              results[entry.index] = {
                id: entry.id,
                ok: false,
                code: error.code,
                message: error.message,
                senderFault: (err as { $fault?: unknown } | undefined)?.$fault === 'client',
                retryable: error.retryable,
              };
            }
            continue;
          }
          for (const success of out.Successful ?? []) {
            const entry = success.Id ? byBatchId.get(success.Id) : undefined;
            if (!entry) continue;
            byBatchId.delete(entry.batchId);
            results[entry.index] = { id: entry.id, ok: true, messageId: success.MessageId ?? '' };
          }
          for (const failure of out.Failed ?? []) {
            const entry = failure.Id ? byBatchId.get(failure.Id) : undefined;
            if (!entry) continue;
            byBatchId.delete(entry.batchId);
            const retryable = entryRetryable(failure);
            if (retryable && !lastRound) {
              again.push(entry);
              continue;
            }
            results[entry.index] = {
              id: entry.id,
              ok: false,
              code: failure.Code ?? 'UnknownError',
              message: failure.Message ?? '',
              senderFault: failure.SenderFault ?? false,
              retryable,
            };
          }
          // Neither successful nor failed: SNS did not report it; treat as a service-side failure.
          for (const entry of byBatchId.values()) {
            if (!lastRound) again.push(entry);
            else {
              results[entry.index] = {
                id: entry.id,
                ok: false,
                code: 'MissingFromResponse',
                message: 'PublishBatch did not report this entry',
                senderFault: false,
                retryable: true,
              };
            }
          }
        }
        pending = again;
        if (pending.length > 0) await sleep(backoffDelay(round - 1, retry));
      }
      // Every entry has a result by now: each round either settles an entry or keeps it pending.
      return results.filter((result): result is PublishResult => result !== undefined);
    },
  };
}
