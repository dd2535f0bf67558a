/**
 * Batched delivery with partial failures, as BatchImportFindings and PutEvents report them: each
 * round sends what is still pending in batches; only the items AWS reported failed (and may take
 * again) go round again, after a backoff, so nothing accepted is sent twice. After the last round
 * whatever still failed is returned, by id, never thrown.
 */
import type { SinkResult } from '../engine/finding-sinks.js';
import { backoffDelay, defaultSleep, type RetryOptions } from './retry.js';

/** What the service said of one item of a batch. */
export type ItemOutcome = { ok: true } | { ok: false; retryable: boolean; code: string; message: string };

/**
 * Split into batches, in order: at most `maxItems` items and `maxBytes` in total each. An item
 * larger than `maxBytes` on its own still goes, alone (callers refuse those before).
 */
export function chunkBySize<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  maxItems: number,
  maxBytes: number,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export interface Rounds<T> {
  idOf: (item: T) => string;
  batches: (pending: readonly T[]) => T[][];
  /** One call for one batch: an outcome per item, in the batch's order (never throws). */
  send: (batch: readonly T[]) => Promise<ItemOutcome[]>;
  /** `attempts`: rounds in all, the first included; backoff between rounds as `withRetry`'s. */
  retry: RetryOptions;
}

export async function deliverInRounds<T>(items: readonly T[], r: Rounds<T>): Promise<SinkResult> {
  const result: SinkResult = { sent: 0, failed: [] };
  const sleep = r.retry.sleep ?? defaultSleep;
  const rounds = Math.max(1, Math.floor(r.retry.attempts));
  let pending: readonly T[] = items;
  for (let round = 1; pending.length > 0; round++) {
    const again: T[] = [];
    for (const batch of r.batches(pending)) {
      const outcomes = await r.send(batch);
      batch.forEach((item, i) => {
        const o = outcomes[i] ?? {
          ok: false,
          retryable: true,
          code: 'MissingFromResponse',
          message: 'the response did not report this item',
        };
        if (o.ok) result.sent++;
        else if (o.retryable && round < rounds) again.push(item);
        else result.failed.push({ id: r.idOf(item), code: o.code, message: o.message });
      });
    }
    pending = again;
    if (pending.length > 0) await sleep(backoffDelay(round - 1, r.retry));
  }
  return result;
}
