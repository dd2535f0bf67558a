import {
  type BatchResultErrorEntry,
  PublishBatchCommand,
  type PublishBatchCommandOutput,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { AlertEntry } from '../engine/alert-types.js';
import type { PublishResult, SnsPort } from '../engine/ports.js';
import { type AdapterOptions, createCaller } from './call.js';
import { DEFAULT_RETRY, SNS_BATCH_MAX_BYTES, SNS_BATCH_MAX_ENTRIES } from './constants.js';
import { classifyAwsError, isRetryableClassification, toAwsCallError } from './errors.js';
import { backoffDelay, defaultSleep } from './retry.js';

export interface SnsAdapterOptions extends AdapterOptions {
  /** Aggregate payload per PublishBatch call; raise it only for topics with a larger MaximumMessageSize. */
  maxBatchBytes?: number;
}

/**
 * The SNS port as this adapter implements it: it publishes the engine's alert entries, which it
 * maps to PublishBatch request entries (once, in `toRequestEntry`).
 */
interface SnsAdapter extends SnsPort {
  publishBatch(topicArn: string, entries: ReadonlyArray<AlertEntry>): Promise<PublishResult[]>;
}

/** The request entry for one alert, under the batch id SNS sees (the alert's own id may repeat). */
function toRequestEntry(entry: AlertEntry, batchId: string): PublishBatchRequestEntry {
  return {
    Id: batchId,
    Message: entry.Message,
    Subject: entry.Subject,
    MessageStructure: entry.MessageStructure,
    MessageAttributes: entry.MessageAttributes,
  };
}

/**
 * Bytes SNS counts for one entry: message, subject, and each attribute's name, type and value
 * (https://docs.aws.amazon.com/sns/latest/api/API_MessageAttributeValue.html).
 */
export function publishEntryBytes(entry: PublishBatchRequestEntry): number {
  let size = Buffer.byteLength(entry.Message ?? '') + Buffer.byteLength(entry.Subject ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    size +=
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? '');
  }
  return size;
}

/**
 * Split into PublishBatch calls, in order: at most 10 entries and at most `maxBytes` in total per
 * call (https://docs.aws.amazon.com/sns/latest/dg/sns-batch-api-actions.html). An entry larger
 * than `maxBytes` on its own still goes, alone, and SNS reports it failed.
 */
export function batchPublishEntries(
  entries: readonly PublishBatchRequestEntry[],
  maxBytes = SNS_BATCH_MAX_BYTES,
): PublishBatchRequestEntry[][] {
  const batches: PublishBatchRequestEntry[][] = [];
  let current: PublishBatchRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = publishEntryBytes(entry);
    if (current.length > 0 && (current.length >= SNS_BATCH_MAX_ENTRIES || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * An entry failure is worth another try when SNS does not blame the request ("SenderFault: false")
 * or names throttling/an internal error.
 * https://docs.aws.amazon.com/sns/latest/api/API_BatchResultErrorEntry.html
 */
function entryRetryable(failure: BatchResultErrorEntry): boolean {
  return !failure.SenderFault || isRetryableClassification(classifyAwsError({ name: failure.Code }));
}

/** `Omit` over each member of a union (the plain one would merge the members' keys). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The guard's SNS port over one injected `SNSClient`. */
export function createSnsAdapter(client: SNSClient, options: SnsAdapterOptions = {}): SnsAdapter {
  const call = createCaller('sns', options);
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const sleep = retry.sleep ?? defaultSleep;
  const maxBytes = options.maxBatchBytes ?? SNS_BATCH_MAX_BYTES;

  return {
    async publishBatch(topicArn, entries) {
      const results: (PublishResult | undefined)[] = entries.map(() => undefined);
      // Batch ids are positions (`m0`, `m1`, ...): unique, and `[A-Za-z0-9_-]{1,80}` as SNS requires,
      // whatever the entries' own ids are. Results come back under the entry's own id.
      const indexOf = new Map<string, number>();
      let pending = entries.map((entry, index) => {
        indexOf.set(`m${index}`, index);
        return toRequestEntry(entry, `m${index}`);
      });
      const settle = (request: PublishBatchRequestEntry, result: DistributiveOmit<PublishResult, 'id'>) => {
        const index = indexOf.get(request.Id ?? '') as number;
        results[index] = { id: (entries[index] as AlertEntry).Id, ...result };
      };

      // Each round publishes what is still pending; only failed entries go round again, so a
      // partial failure never republishes the messages SNS already accepted.
      for (let round = 1; pending.length > 0; round++) {
        const lastRound = round >= retry.attempts;
        const again: PublishBatchRequestEntry[] = [];
        for (const batch of batchPublishEntries(pending, maxBytes)) {
          const byBatchId = new Map(batch.map((request) => [request.Id, request]));
          let out: PublishBatchCommandOutput;
          try {
            out = await call('PublishBatch', topicArn, () =>
              client.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: batch })),
            );
          } catch (err) {
            // The call itself failed after our retries: every entry of this batch failed with it.
            const error = toAwsCallError(err, {
              service: 'sns',
              operation: 'PublishBatch',
              resourceId: topicArn,
            });
            for (const request of batch) {
              settle(request, {
                ok: false,
                code: error.code,
                message: error.message,
                senderFault: (err as { $fault?: unknown } | undefined)?.$fault === 'client',
                retryable: error.retryable,
              });
            }
            continue;
          }
          for (const success of out.Successful ?? []) {
            const request = byBatchId.get(success.Id);
            if (!request) continue;
            byBatchId.delete(success.Id);
            settle(request, { ok: true, messageId: success.MessageId ?? '' });
          }
          for (const failure of out.Failed ?? []) {
            const request = byBatchId.get(failure.Id);
            if (!request) continue;
            byBatchId.delete(failure.Id);
            const retryable = entryRetryable(failure);
            if (retryable && !lastRound) {
              again.push(request);
              continue;
            }
            settle(request, {
              ok: false,
              code: failure.Code ?? 'UnknownError',
              message: failure.Message ?? '',
              senderFault: failure.SenderFault ?? false,
              retryable,
            });
          }
          // Neither successful nor failed: SNS did not report it; treat as a service-side failure.
          for (const request of byBatchId.values()) {
            if (!lastRound) again.push(request);
            else {
              settle(request, {
                ok: false,
                code: 'MissingFromResponse',
                message: 'PublishBatch did not report this entry',
                senderFault: false,
                retryable: true,
              });
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
