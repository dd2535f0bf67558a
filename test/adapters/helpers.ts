import type { RetryOptions } from '../../functions/adapters/retry.js';

type ServiceExceptionClass = new (options: {
  name: string;
  $fault: 'client' | 'server';
  $metadata: { httpStatusCode?: number; requestId?: string };
  message?: string;
}) => Error;

/** An error shaped as the SDK throws it for an unmodelled code (`name` = the AWS error code). */
export function serviceError(
  ServiceException: ServiceExceptionClass,
  code: string,
  httpStatusCode = 400,
  message = `${code} (test)`,
): Error {
  return new ServiceException({
    name: code,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, requestId: 'req-test' },
    message,
  });
}

/** Retry settings that never wait for real: every delay is recorded instead. */
export function fastRetry(overrides: Partial<RetryOptions> = {}): RetryOptions & { delays: number[] } {
  const delays: number[] = [];
  return {
    attempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 5_000,
    random: () => 0.5,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
    ...overrides,
    delays,
  };
}
