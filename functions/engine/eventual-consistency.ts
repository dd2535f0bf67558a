import { AwsCallError } from '../errors.js';

/**
 * KMS is eventually consistent: right after CreateKey, DescribeKey may not find the key yet
 * (https://docs.aws.amazon.com/kms/latest/developerguide/programming-eventual-consistency.html).
 * Four tries, waits of 0.5-2 s with "equal" jitter (a wait that must last:
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), about 3 s in all.
 */
export const NOT_FOUND_RETRY = { attempts: 4, baseDelayMs: 500, maxDelayMs: 2_000 } as const;

export interface NotFoundRetryOptions {
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Retry `fn` while it fails with not-found (a port's `AwsCallError` classified `not-found`), briefly.
 * Only not-found is retried here: the adapters already retry throttling inside `fn`. The last error
 * is rethrown unchanged.
 */
export async function retryNotFound<T>(fn: () => Promise<T>, options: NotFoundRetryOptions = {}): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const notFound = err instanceof AwsCallError && err.classification === 'not-found';
      if (!notFound || attempt >= NOT_FOUND_RETRY.attempts) throw err;
      const cap = Math.min(NOT_FOUND_RETRY.maxDelayMs, NOT_FOUND_RETRY.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.round(cap / 2 + (random() * cap) / 2));
    }
  }
}
