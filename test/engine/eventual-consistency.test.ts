import { describe, expect, it, vi } from 'vitest';
import { NOT_FOUND_RETRY, retryNotFound } from '../../functions/engine/eventual-consistency.js';
import { AwsCallError, ResourceNotFoundError } from '../../functions/errors.js';

const notFound = () =>
  new ResourceNotFoundError({
    service: 'kms',
    operation: 'DescribeKey',
    code: 'NotFoundException',
    classification: 'not-found',
    message: 'not yet',
  });

function failing(...errors: Error[]) {
  let i = 0;
  return vi.fn(async () => {
    if (i < errors.length) throw errors[i++];
    return 'ok';
  });
}

describe('retryNotFound: KMS eventual consistency right after CreateKey', () => {
  it('retries not-found briefly, then succeeds', async () => {
    const delays: number[] = [];
    const fn = failing(notFound(), notFound());
    const sleep = async (ms: number) => void delays.push(ms);
    await expect(retryNotFound(fn, { sleep, random: () => 0.5 })).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(3);
    expect(delays).toEqual([375, 750]);
  });

  it('gives up after 4 tries and about 3 seconds, rethrowing the not-found error', async () => {
    const delays: number[] = [];
    const last = notFound();
    const fn = failing(notFound(), notFound(), notFound(), last);
    const sleep = async (ms: number) => void delays.push(ms);
    await expect(retryNotFound(fn, { sleep, random: () => 0.5 })).rejects.toBe(last);
    expect(fn).toHaveBeenCalledTimes(NOT_FOUND_RETRY.attempts);
    const total = delays.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(1_750);
    expect(total).toBeLessThanOrEqual(3_500);
  });

  it('leaves throttling to the adapters (not retried here)', async () => {
    const err = new AwsCallError({
      service: 'kms',
      operation: 'DescribeKey',
      code: 'ThrottlingException',
      classification: 'throttling',
    });
    const fn = failing(err);
    await expect(retryNotFound(fn, { sleep: async () => {} })).rejects.toBe(err);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
