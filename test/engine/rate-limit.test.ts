import { describe, expect, it } from 'vitest';
import {
  type Clock,
  DEFAULT_RATE_LIMITS,
  forEachBounded,
  RateLimiter,
  TokenBucket,
} from '../../functions/engine/rate-limit.js';

/** A clock whose sleeps advance virtual time instantly. */
function virtualClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

describe('TokenBucket', () => {
  it('allows the burst at once, then exactly `rate` per second', async () => {
    const clock = virtualClock();
    const bucket = new TokenBucket({ rate: 10, burst: 5 }, clock);
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        await bucket.take();
        times.push(clock.now());
      }),
    );
    expect(times.filter((t) => t === 0)).toHaveLength(5);
    // 20 more at 10/s: the last one at 2 s.
    expect(Math.max(...times)).toBeCloseTo(2000, 5);
    expect(bucket.waited).toBeGreaterThan(0);
  });

  it('0.3/s serializes endpoint modifications about 3.3 s apart', async () => {
    const clock = virtualClock();
    const bucket = new TokenBucket(DEFAULT_RATE_LIMITS['ec2:ModifyVpcEndpoint'], clock);
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      await bucket.take();
      times.push(clock.now());
    }
    expect(times[0]).toBe(0);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeCloseTo(1000 / 0.3, 3);
  });

  it('rejects nonsense limits', () => {
    expect(() => new TokenBucket({ rate: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ rate: 1, burst: 0 })).toThrow(RangeError);
  });
});

describe('RateLimiter defaults', () => {
  it('are half of each AWS read quota (SPEC §6), and PutKeyPolicy 5/s', () => {
    expect(DEFAULT_RATE_LIMITS['kms:GetKeyPolicy'].rate).toBe(1000 / 2);
    expect(DEFAULT_RATE_LIMITS['kms:DescribeKey'].rate).toBe(2000 / 2);
    expect(DEFAULT_RATE_LIMITS['kms:ListKeys'].rate).toBe(500 / 2);
    expect(DEFAULT_RATE_LIMITS['kms:ListResourceTags'].rate).toBe(2000 / 2);
    expect(DEFAULT_RATE_LIMITS['ec2:Describe'].rate).toBe(20 / 2);
    expect(DEFAULT_RATE_LIMITS['kms:PutKeyPolicy'].rate).toBe(5);
    expect(DEFAULT_RATE_LIMITS['ec2:ModifyVpcEndpoint'].rate).toBeLessThanOrEqual(0.3);
  });

  it('keeps one bucket per API', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(
      { ...DEFAULT_RATE_LIMITS, 'kms:GetKeyPolicy': { rate: 1, burst: 1 } },
      clock,
    );
    await limiter.take('kms:GetKeyPolicy');
    await limiter.take('kms:DescribeKey');
    expect(clock.now()).toBe(0);
    await limiter.take('kms:GetKeyPolicy');
    expect(clock.now()).toBeCloseTo(1000, 5);
    expect(limiter.waits()['kms:GetKeyPolicy']).toBe(1000);
  });
});

describe('forEachBounded', () => {
  it('never has more than `concurrency` calls in flight and visits every item once', async () => {
    let inFlight = 0;
    let max = 0;
    const seen: number[] = [];
    async function* source() {
      for (let i = 0; i < 200; i++) yield i;
    }
    await forEachBounded(source(), 7, async (i) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, i % 3));
      seen.push(i);
      inFlight--;
    });
    expect(max).toBe(7);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('stops pulling and rethrows when a call fails', async () => {
    let calls = 0;
    await expect(
      forEachBounded([1, 2, 3, 4, 5, 6], 2, async (i) => {
        calls++;
        if (i === 2) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(calls).toBeLessThan(6);
  });
});
