/**
 * Client-side rate control for sweeps: token buckets per account-region and API, set under the AWS
 * request quotas (SPEC §6), so a sweep leaves most of each quota to production traffic; and a
 * bounded worker pool, so no sweep fans out an unbounded number of promises.
 */

import { RATE_LIMITED_APIS } from '../config/schema.js';

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface BucketLimit {
  /** Tokens added per second. */
  rate: number;
  /** Bucket size (the largest burst). */
  burst: number;
}

/**
 * A token bucket. Waiters are served in order (one queue), so a burst of callers does not wake up
 * together and overshoot the rate.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  private waitedMs = 0;

  constructor(
    readonly limit: BucketLimit,
    private readonly clock: Clock = realClock,
  ) {
    if (!(limit.rate > 0) || !(limit.burst >= 1)) {
      throw new RangeError(`a token bucket needs rate > 0 and burst >= 1, got ${JSON.stringify(limit)}`);
    }
    this.tokens = limit.burst;
    this.last = clock.now();
  }

  /** Total time callers spent waiting for tokens, in ms. */
  get waited(): number {
    return this.waitedMs;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) / 1000) * this.limit.rate);
    this.last = now;
  }

  /** Resolves when a token has been taken. */
  take(): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        this.refill();
        // Refill arithmetic is floating point: 0.1 s at 10/s gives 0.9999999999 tokens, and waiting
        // the remaining 1e-11 ms would not move the clock at all. Round to a nano-token.
        if (this.tokens >= 1 - 1e-9) {
          this.tokens = Math.max(0, this.tokens - 1);
          return;
        }
        const ms = ((1 - this.tokens) / this.limit.rate) * 1000;
        this.waitedMs += ms;
        await this.clock.sleep(ms);
      }
    });
    this.queue = turn;
    return turn;
  }
}

/** The APIs a sweep calls, as rate-limited groups. EC2 describe calls share one request-rate bucket. */
export type RateLimitedApi = (typeof RATE_LIMITED_APIS)[number];

/** The bucket an AWS operation draws from; undefined = not limited (STS, SNS). */
function rateLimitedApi(service: string, operation: string): RateLimitedApi | undefined {
  if (service === 'ec2') {
    if (operation === 'ModifyVpcEndpoint') return 'ec2:ModifyVpcEndpoint';
    return operation.startsWith('Describe') ? 'ec2:Describe' : undefined;
  }
  const api = `${service}:${operation}`;
  return (RATE_LIMITED_APIS as readonly string[]).includes(api) ? (api as RateLimitedApi) : undefined;
}

/**
 * Defaults: half of each AWS quota (SPEC §6), so production traffic keeps the other half; endpoint
 * modifications serialized at 0.3/s (EC2's own bucket refills at 0.3/s); PutKeyPolicy at 5/s of its 15/s.
 * KMS: https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html
 * EC2: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
 */
export const DEFAULT_RATE_LIMITS: Record<RateLimitedApi, BucketLimit> = {
  'kms:ListKeys': { rate: 250, burst: 25 },
  'kms:DescribeKey': { rate: 1000, burst: 100 },
  'kms:GetKeyPolicy': { rate: 500, burst: 50 },
  'kms:ListResourceTags': { rate: 1000, burst: 100 },
  // ListGrants and RevokeGrant: quotas of 100/s and 15/s in the KMS request quota table.
  'kms:ListGrants': { rate: 50, burst: 5 },
  'kms:PutKeyPolicy': { rate: 5, burst: 1 },
  'kms:RevokeGrant': { rate: 5, burst: 1 },
  'ec2:Describe': { rate: 10, burst: 50 },
  'ec2:ModifyVpcEndpoint': { rate: 0.3, burst: 1 },
};

/** One set of buckets for one account-region. */
export class RateLimiter {
  private readonly buckets = new Map<RateLimitedApi, TokenBucket>();

  readonly limits: Record<RateLimitedApi, BucketLimit>;

  constructor(overrides: Partial<Record<RateLimitedApi, BucketLimit>> = {}, clock: Clock = realClock) {
    this.limits = { ...DEFAULT_RATE_LIMITS, ...overrides };
    for (const [api, limit] of Object.entries(this.limits) as [RateLimitedApi, BucketLimit][]) {
      this.buckets.set(api, new TokenBucket(limit, clock));
    }
  }

  /** For adapters' `throttle` option: take a token for the bucket of this operation, if it has one. */
  readonly throttle = (service: string, operation: string): Promise<void> => {
    const api = rateLimitedApi(service, operation);
    return api ? this.take(api) : Promise.resolve();
  };

  take(api: RateLimitedApi): Promise<void> {
    const bucket = this.buckets.get(api);
    if (!bucket) throw new Error(`no rate limit for ${api}`);
    return bucket.take();
  }

  /** Time spent waiting per API (ms), for the report. */
  waits(): Partial<Record<RateLimitedApi, number>> {
    return Object.fromEntries([...this.buckets].map(([api, b]) => [api, Math.round(b.waited)]));
  }
}

/**
 * Run `fn` over `items` with at most `concurrency` calls in flight, reading the (possibly
 * paginated, async) source lazily: memory stays bounded whatever the number of items.
 */
export async function forEachBounded<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  if (!(concurrency >= 1)) throw new RangeError(`concurrency must be >= 1, got ${concurrency}`);
  const iterator =
    Symbol.asyncIterator in items
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
  let failure: unknown;
  let failed = false;
  // The source is shared: each worker pulls the next item when it is free.
  let pulling: Promise<unknown> = Promise.resolve();
  const next = (): Promise<IteratorResult<T>> => {
    const result = pulling.then(() => iterator.next());
    pulling = result.catch(() => undefined);
    return result;
  };
  const worker = async () => {
    while (!failed) {
      const r = await next();
      if (r.done) return;
      try {
        await fn(r.value);
      } catch (err) {
        failed = true;
        failure = err;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failed) throw failure;
}
