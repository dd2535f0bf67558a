import type { AwsService, CallCounter } from '../engine/ports.js';
import { DEFAULT_RETRY } from './constants.js';
import { toAwsCallError } from './errors.js';
import { type RetryOptions, withRetry } from './retry.js';

/** What every adapter factory accepts besides its SDK client. */
export interface AdapterOptions {
  counter?: CallCounter;
  /** Our retry bound, on top of the SDK's standard retry; defaults to `DEFAULT_RETRY`. */
  retry?: Partial<RetryOptions>;
  /**
   * Awaited before every attempt: client-side rate control (sweeps take a token from the bucket of
   * the API, so retries count against the rate too).
   */
  throttle?: (service: AwsService, operation: string) => Promise<void>;
}

export type AwsCaller = <T>(
  operation: string,
  resourceId: string | undefined,
  send: () => Promise<T>,
) => Promise<T>;

/**
 * One AWS operation as the adapters make it: counted per attempt, errors mapped to `AwsCallError`
 * (so retry decisions and callers see one shape), throttling/transient retried within the bound.
 */
export function createCaller(service: AwsService, options: AdapterOptions = {}): AwsCaller {
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry };
  return (operation, resourceId, send) =>
    withRetry(async () => {
      if (options.throttle) await options.throttle(service, operation);
      options.counter?.count(service, operation);
      try {
        return await send();
      } catch (err) {
        throw toAwsCallError(
          err,
          resourceId === undefined ? { service, operation } : { service, operation, resourceId },
        );
      }
    }, retry);
}
