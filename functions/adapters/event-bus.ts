/**
 * The event bus port: PutEvents of the guard's transition events on the default bus of the guard's
 * own account (no EventBusName: "If you omit this, the default event bus is used"). Each response
 * entry answers the request entry at the same index, with an EventId or an ErrorCode; of those,
 * InternalFailure and ThrottlingException are retryable
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html,
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html).
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { EventBusPort, SinkResult } from '../engine/finding-sinks.js';
import {
  EVENT_MAX_ENTRY_BYTES,
  eventEntryBytes,
  type TransitionEventEntry,
} from '../findings/transition-event.js';
import { type AdapterOptions, createCaller } from './call.js';
import { DEFAULT_RETRY, EVENTBRIDGE_BATCH_MAX_BYTES, EVENTBRIDGE_BATCH_MAX_ENTRIES } from './constants.js';
import { classifyAwsError, isRetryableClassification, toAwsCallError } from './errors.js';
import { chunkBySize, deliverInRounds, type ItemOutcome } from './sink-rounds.js';

function toRequestEntry(e: TransitionEventEntry): PutEventsRequestEntry {
  return {
    Source: e.Source,
    DetailType: e.DetailType,
    Detail: e.Detail,
    Resources: e.Resources,
    Time: new Date(e.Time),
  };
}

export function createEventBusAdapter(client: EventBridgeClient, options: AdapterOptions = {}): EventBusPort {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const call = createCaller('events', options);

  /** One call; a call that fails (after the caller's retries) fails every entry of the batch. */
  async function putBatch(batch: readonly TransitionEventEntry[]): Promise<ItemOutcome[]> {
    let out: PutEventsCommandOutput;
    try {
      const input = { Entries: batch.map(toRequestEntry) };
      out = await call('PutEvents', 'default', () => client.send(new PutEventsCommand(input)));
    } catch (err) {
      const e = toAwsCallError(err, { service: 'events', operation: 'PutEvents', resourceId: 'default' });
      return batch.map(() => ({ ok: false, retryable: false, code: e.code, message: e.message }));
    }
    return batch.map((_, i): ItemOutcome => {
      const r = out.Entries?.[i];
      if (r?.ErrorCode) {
        const retryable = isRetryableClassification(classifyAwsError({ name: r.ErrorCode }));
        return { ok: false, retryable, code: r.ErrorCode, message: r.ErrorMessage ?? '' };
      }
      if (r?.EventId) return { ok: true };
      return {
        ok: false,
        retryable: true,
        code: 'MissingFromResponse',
        message: 'PutEvents did not report this entry',
      };
    });
  }

  return {
    async putEvents(entries): Promise<SinkResult> {
      const tooLarge = entries.filter((e) => eventEntryBytes(e) > EVENT_MAX_ENTRY_BYTES);
      const result = await deliverInRounds(
        entries.filter((e) => !tooLarge.includes(e)),
        {
          idOf: (e) => e.findingId,
          batches: (pending) =>
            chunkBySize(pending, eventEntryBytes, EVENTBRIDGE_BATCH_MAX_ENTRIES, EVENTBRIDGE_BATCH_MAX_BYTES),
          send: putBatch,
          retry,
        },
      );
      for (const e of tooLarge) {
        result.failed.push({
          id: e.findingId,
          code: 'EntryTooLarge',
          message: `${eventEntryBytes(e)} bytes; EventBridge takes entries under 256 KB`,
        });
      }
      return result;
    },
  };
}
