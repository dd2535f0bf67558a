/**
 * What every SDK client of the guard shares: configuration (standard retry, timeouts, endpoint override) and
 * the retry policy. One module per service builds its client (`kms-client.ts`, ...), so a bundle
 * that lazily loads a client (SNS, STS in the Lambdas) does not carry it in its entry chunk.
 */
import type { KMSClientConfig } from '@aws-sdk/client-kms';
import { StandardRetryStrategy } from '@smithy/util-retry';
import type { AwsCredentials, AwsCredentialsProvider } from '../engine/ports.js';
import { CONNECTION_TIMEOUT_MS, REQUEST_TIMEOUT_MS, SDK_MAX_ATTEMPTS } from './constants.js';
import { classifyAwsError } from './errors.js';

/**
 * How to build one SDK client. Build each client once (module scope, or once per account-region
 * through `createClientCache`) and reuse it: connections are kept alive and the standard retry
 * mode's retry quota (its circuit breaker in an outage) survives between calls.
 */
export interface ClientOptions {
  region: string;
  /** Static credentials or a provider; absent = the default chain (the function's own role). */
  credentials?: AwsCredentials | AwsCredentialsProvider;
  /** Endpoint override, e.g. LocalStack (`http://localhost:4566`). */
  endpoint?: string;
  /** SDK attempts per call before our own bound; defaults to `SDK_MAX_ATTEMPTS`. */
  maxAttempts?: number;
  /** Custom HTTP handler (tests, proxies); replaces the timeouts below. */
  requestHandler?: KMSClientConfig['requestHandler'];
  /** Whole request and response, per attempt; defaults to `REQUEST_TIMEOUT_MS`. */
  requestTimeoutMs?: number;
}

type RefreshRetryToken = StandardRetryStrategy['refreshRetryTokenForRetry'];

/**
 * The SDK's standard retry strategy, except for one error. Its default classifier counts
 * `LimitExceededException` as throttling, so the SDK would retry a KMS quota error. KMS uses it for
 * resource quotas (keys, aliases, grants), where waiting cannot help; KMS request-rate limits answer
 * `ThrottlingException`.
 * https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/throttling.html
 * A retry is refused whenever the SDK says "throttling" and our classification disagrees; every
 * other decision (attempts, backoff, retry quota) stays the SDK's.
 */
class QuotaAwareRetryStrategy extends StandardRetryStrategy {
  override async refreshRetryTokenForRetry(
    token: Parameters<RefreshRetryToken>[0],
    info: Parameters<RefreshRetryToken>[1],
  ): ReturnType<RefreshRetryToken> {
    if (info.errorType === 'THROTTLING' && classifyAwsError(info.error) !== 'throttling') {
      // The retry middleware rethrows the original error when a retry token is refused.
      throw new Error('not retried: quota error, not throttling');
    }
    return super.refreshRetryTokenForRetry(token, info);
  }
}

export function sdkConfig(options: ClientOptions) {
  const maxAttempts = options.maxAttempts ?? SDK_MAX_ATTEMPTS;
  return {
    region: options.region,
    // Standard, not adaptive: AWS recommends adaptive only for "single-resource, throttling-heavy,
    // latency-tolerant" clients (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html);
    // ours serve every key of an account-region, and sweeps already pace themselves with their own
    // token buckets. Measured on the simulator: with 10% of calls throttled, adaptive mode's client-
    // side limiter stretched a sweep of the demo estate from 5.0 s to 29.5 s (25%: 7.9 s vs 62.3 s).
    // A strategy given here replaces retryMode (and AWS_RETRY_MODE); one per client, so each client
    // keeps its own retry quota. maxAttempts is still read by the SDK for the amz-sdk-request header.
    retryStrategy: new QuotaAwareRetryStrategy(maxAttempts),
    maxAttempts,
    // Resolve each command's middleware stack once per client, not on every send: a sweep makes
    // thousands of calls per client, and the SDK's per-call overhead is what bounds it (measured
    // on the simulator: 1.2 ms of CPU per call). Nothing here changes a stack after the first send.
    cacheMiddleware: true,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    // The SDK's HTTP handler has no timeout by default ("Defaults to 0, which disables the timeout",
    // @smithy/types NodeHttpHandlerOptions): a connection that never answers would hold a Lambda
    // until it times out and lose every other result of a sweep. With these, it fails as a
    // TimeoutError, which is retried like any transient error.
    requestHandler: options.requestHandler ?? {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  };
}

/**
 * Clients per key (e.g. `<account>:<region>`), created on first use and reused for the life of the
 * Lambda container. Pair with a credentials provider (`credentialsProviderFor`) so a cached client
 * keeps working after its role session is renewed.
 */
export function createClientCache<C>(create: (options: ClientOptions) => C): {
  get(key: string, options: ClientOptions): C;
  readonly size: number;
} {
  const clients = new Map<string, C>();
  return {
    get(key, options) {
      let client = clients.get(key);
      if (client === undefined) {
        client = create(options);
        clients.set(key, client);
      }
      return client;
    },
    get size() {
      return clients.size;
    },
  };
}
