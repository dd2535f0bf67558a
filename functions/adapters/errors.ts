import type { AwsService } from '../engine/ports.js';
import { AwsCallError, type AwsCallErrorOptions, ResourceNotFoundError } from '../errors.js';

/**
 * How the guard treats an AWS error:
 * - `throttling`, `transient`: retried with backoff; still failing when the budget is spent, thrown so
 *   Lambda's async retry (and the failure destination) take over;
 * - `not-found`: the resource is gone (or not yet visible, right after CreateKey);
 * - `access-denied`: our role lacks a permission, or the resource policy shuts us out;
 * - `invalid-state`: KMS refuses the operation for the key's state (pending deletion, pending import);
 * - `permanent`: anything else; retrying cannot help.
 */
export type { AwsErrorClassification } from '../errors.js';
export { AwsCallError, ResourceNotFoundError, RoleAssumptionError } from '../errors.js';

import type { AwsErrorClassification } from '../errors.js';

// KMS request quotas: ThrottlingException. https://docs.aws.amazon.com/kms/latest/developerguide/throttling.html
// EC2 request-rate bucket: RequestLimitExceeded. https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
// SNS: Throttled (ThrottledException in the SDK); KMSThrottlingException when SNS's own KMS calls are
// throttled. https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html
const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'Throttled',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'EC2ThrottledException',
  'KMSThrottlingException',
  'SlowDown',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
]);

// KMS LimitExceededException is a *resource* quota (keys, aliases, grants per key): waiting does not
// help, so it is permanent. The SDK's default classifier lists it as throttling; `clients.ts` stops the
// SDK from retrying it. https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html
const QUOTA_CODES = new Set(['LimitExceededException']);

// KMS: "The request can be retried" for KMSInternalException and DependencyTimeoutException.
// https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html
// EC2 server errors: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
const TRANSIENT_CODES = new Set([
  'InternalFailure',
  'InternalError',
  'InternalErrorException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'Unavailable',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'IDPCommunicationError',
]);

// Node.js socket errors (`err.code`), as the SDK's own classifier treats them.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

const NOT_FOUND_CODES = new Set([
  'NotFoundException',
  'NotFound',
  'InvalidVpcEndpointId.NotFound',
  'InvalidVpcId.NotFound',
  'ResourceNotFoundException',
]);

const ACCESS_DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'AuthorizationErrorException',
  'KMSAccessDeniedException',
]);

const INVALID_STATE_CODES = new Set(['KMSInvalidStateException']);

interface ErrorLike {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
}

function asErrorLike(err: unknown): ErrorLike | undefined {
  return typeof err === 'object' && err !== null ? (err as ErrorLike) : undefined;
}

/** The AWS error code: SDK v3 puts it in `name`; EC2/query errors may also carry `Code`. */
function awsErrorCode(err: unknown): string {
  if (err instanceof AwsCallError) return err.code;
  const e = asErrorLike(err);
  if (!e) return 'UnknownError';
  for (const candidate of [e.Code, e.name, e.code]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') return candidate;
  }
  return 'UnknownError';
}

function httpStatus(err: unknown): number | undefined {
  const status = asErrorLike(err)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function isNetworkError(err: unknown, depth = 0): boolean {
  const e = asErrorLike(err);
  if (!e || depth > 5) return false;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e.name === 'TimeoutError') return true;
  return isNetworkError(e.cause, depth + 1);
}

/** Classify any error thrown by an SDK call (or already mapped to an `AwsCallError`). */
export function classifyAwsError(err: unknown): AwsErrorClassification {
  if (err instanceof AwsCallError) return err.classification;
  const e = asErrorLike(err);
  if (!e) return 'permanent';
  const codes = [e.Code, e.name, e.code].filter((c): c is string => typeof c === 'string');
  const has = (set: Set<string>) => codes.some((c) => set.has(c));
  // A cancelled call was cancelled on purpose (Lambda deadline): never retry it.
  if (codes.includes('AbortError')) return 'permanent';
  if (has(QUOTA_CODES)) return 'permanent';
  if (has(THROTTLING_CODES) || httpStatus(err) === 429) return 'throttling';
  if (has(NOT_FOUND_CODES)) return 'not-found';
  if (has(ACCESS_DENIED_CODES)) return 'access-denied';
  if (has(INVALID_STATE_CODES)) return 'invalid-state';
  if (has(TRANSIENT_CODES) || isNetworkError(err)) return 'transient';
  const status = httpStatus(err);
  if (status !== undefined && status >= 500) return 'transient';
  return 'permanent';
}

export function isRetryableClassification(c: AwsErrorClassification): boolean {
  return c === 'throttling' || c === 'transient';
}

/** Map whatever an SDK call threw to an `AwsCallError` (or `ResourceNotFoundError`). */
export function toAwsCallError(
  err: unknown,
  context: { service: AwsService; operation: string; resourceId?: string },
): AwsCallError {
  if (err instanceof AwsCallError) return err;
  const e = asErrorLike(err);
  const classification = classifyAwsError(err);
  const requestId = e?.$metadata?.requestId;
  const options: AwsCallErrorOptions = {
    ...context,
    code: awsErrorCode(err),
    classification,
    cause: err,
  };
  if (typeof e?.message === 'string' && e.message !== '') options.message = e.message;
  const status = httpStatus(err);
  if (status !== undefined) options.httpStatusCode = status;
  if (typeof requestId === 'string') options.requestId = requestId;
  return classification === 'not-found' ? new ResourceNotFoundError(options) : new AwsCallError(options);
}
