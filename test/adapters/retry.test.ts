import { KMSServiceException, LimitExceededException, NotFoundException } from '@aws-sdk/client-kms';
import { describe, expect, it, vi } from 'vitest';
import { backoffDelay, withRetry } from '../../functions/adapters/retry.js';
import { fastRetry, serviceError } from './helpers.js';

const throttled = () => serviceError(KMSServiceException, 'ThrottlingException');

/** A function failing with `errors` in turn, then returning 'ok'. */
function failing(...errors: unknown[]) {
  return vi.fn(async () => {
    const next = errors.shift();
    if (next !== undefined) throw next;
    return 'ok';
  });
}

describe('backoffDelay: full-jitter exponential backoff', () => {
  it('draws uniformly below min(max, base * 2^retry)', () => {
    const opts = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelay(0, { ...opts, random: () => 0.999 })).toBe(100);
    expect(backoffDelay(2, { ...opts, random: () => 0.5 })).toBe(200);
    expect(backoffDelay(10, { ...opts, random: () => 0.999 })).toBe(999);
    expect(backoffDelay(3, { ...opts, random: () => 0 })).toBe(0);
  });

  it('equal jitter waits at least half the cap', () => {
    const opts = { baseDelayMs: 500, maxDelayMs: 2_000, jitter: 'equal' as const };
    expect(backoffDelay(0, { ...opts, random: () => 0 })).toBe(250);
    expect(backoffDelay(2, { ...opts, random: () => 0.999 })).toBe(1_999);
  });
});

describe('withRetry', () => {
  it('retries throttling, then returns the result', async () => {
    const retry = fastRetry();
    const fn = failing(throttled(), throttled());
    await expect(withRetry(fn, retry)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(3);
    expect(retry.delays).toEqual([50, 100]);
  });

  it('retries 5xx and network errors', async () => {
    const fn = failing(
      serviceError(KMSServiceException, 'KMSInternalException', 500),
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
    );
    await expect(withRetry(fn, fastRetry())).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('rethrows the last error when the budget is spent', async () => {
    const errors = [throttled(), throttled(), throttled()];
    const last = errors[2];
    const fn = failing(...errors, throttled());
    const retry = fastRetry({ attempts: 3 });
    await expect(withRetry(fn, retry)).rejects.toBe(last);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(retry.delays).toHaveLength(2);
  });

  it('never retries LimitExceededException (a quota, not throttling)', async () => {
    const quota = new LimitExceededException({ message: 'quota', $metadata: { httpStatusCode: 400 } });
    const fn = failing(quota);
    await expect(withRetry(fn, fastRetry())).rejects.toBe(quota);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('never retries not-found, access-denied or permanent errors by default', async () => {
    for (const err of [
      new NotFoundException({ message: 'gone', $metadata: {} }),
      serviceError(KMSServiceException, 'AccessDeniedException'),
      serviceError(KMSServiceException, 'MalformedPolicyDocumentException'),
    ]) {
      const fn = failing(err);
      await expect(withRetry(fn, fastRetry())).rejects.toBe(err);
      expect(fn).toHaveBeenCalledTimes(1);
    }
  });

  it('caps each delay at maxDelayMs', async () => {
    const retry = fastRetry({ attempts: 8, baseDelayMs: 100, maxDelayMs: 400, random: () => 0.999 });
    await expect(withRetry(failing(...Array.from({ length: 7 }, throttled)), retry)).resolves.toBe('ok');
    expect(Math.max(...retry.delays)).toBeLessThanOrEqual(400);
  });

  it('accepts a custom retryOn and reports each retry', async () => {
    const onRetry = vi.fn();
    const fn = failing(new Error('flaky'));
    await expect(withRetry(fn, fastRetry({ retryOn: () => true, onRetry }))).resolves.toBe('ok');
    expect(onRetry).toHaveBeenCalledWith(expect.objectContaining({ attempt: 1, delayMs: 50 }));
  });

  it('uses real timers by default (fake timers make it instant)', async () => {
    vi.useFakeTimers();
    try {
      const promise = withRetry(failing(throttled()), { attempts: 2, baseDelayMs: 1_000, maxDelayMs: 1_000 });
      await vi.runAllTimersAsync();
      await expect(promise).resolves.toBe('ok');
    } finally {
      vi.useRealTimers();
    }
  });
});
