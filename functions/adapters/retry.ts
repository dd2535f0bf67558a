import { type AwsErrorClassification, classifyAwsError, isRetryableClassification } from './errors.js';

export interface RetryOptions {
  /** Total tries, the first included (1 = no retry). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * `full` (default): delay uniform in [0, cap]; `equal`: in [cap/2, cap], for waits that must last
   * (eventual consistency). cap = min(maxDelayMs, baseDelayMs * 2^retry).
   * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
   */
  jitter?: 'full' | 'equal';
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
  /** Which errors to retry; default throttling and transient. */
  retryOn?: (classification: AwsErrorClassification, err: unknown) => boolean;
  /** Told before each wait (logging, metrics). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** The wait before retry number `retry` (0-based). */
export function backoffDelay(
  retry: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'jitter' | 'random'>,
): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  const r = (options.random ?? Math.random)();
  return options.jitter === 'equal' ? Math.round(cap / 2 + (r * cap) / 2) : Math.round(r * cap);
}

const retryThrottlingAndTransient = (c: AwsErrorClassification) => isRetryableClassification(c);

/**
 * Run `fn`, retrying the errors `retryOn` accepts with exponential backoff. When the budget is spent
 * (or the error is not retryable) the last error is rethrown unchanged: the caller decides, and a
 * handler that lets it escape hands the event to Lambda's async retry.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.attempts));
  const sleep = options.sleep ?? defaultSleep;
  const retryOn = options.retryOn ?? retryThrottlingAndTransient;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || !retryOn(classifyAwsError(err), err)) throw err;
      const delayMs = backoffDelay(attempt - 1, options);
      options.onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs);
    }
  }
}
