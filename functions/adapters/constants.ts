import type { RetryOptions } from './retry.js';

/**
 * Attempts the SDK itself makes per call before our own bound (`withRetry`) sees the error. Kept small
 * because the two multiply; the SDK's standard mode adds its retry quota, which stops retries on a
 * client during an outage.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export const SDK_MAX_ATTEMPTS = 2;

/**
 * Per attempt: KMS and EC2 answer these calls in well under a second; 10 s leaves room for a slow
 * DescribeVpcEndpoints page while bounding the worst case of one call (SDK attempts x our attempts).
 */
export const REQUEST_TIMEOUT_MS = 10_000;

/** TCP and TLS set-up to a regional endpoint. */
export const CONNECTION_TIMEOUT_MS = 3_000;

/** Our bound on top of the SDK's: full-jitter exponential backoff, then the error is rethrown. */
export const DEFAULT_RETRY: RetryOptions = { attempts: 4, baseDelayMs: 100, maxDelayMs: 5_000 };

/** GetKeyPolicy/PutKeyPolicy: "The only valid policy name is default." */
export const KEY_POLICY_NAME = 'default';

/** PublishBatch: at most 10 entries per call. https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html */
export const SNS_BATCH_MAX_ENTRIES = 10;

/**
 * PublishBatch: "the maximum total payload size (the sum of the individual lengths of all of the
 * batched messages) [is] 256 KiB (262,144 bytes)" unless the topic raises MaximumMessageSize.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-batch-api-actions.html
 */
export const SNS_BATCH_MAX_BYTES = 262_144;

/**
 * The SDK refreshes function-provided credentials once they are within 5 minutes of expiry
 * (`EXPIRATION_MS` in @smithy/core); our cache must hand out fresher ones than that, or every
 * request would call the provider again.
 */
export const CREDENTIALS_REFRESH_MARGIN_MS = 10 * 60_000;

/** AssumeRole DurationSeconds: default 3600, minimum 900. https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html */
export const ASSUME_ROLE_DURATION_SECONDS = 3_600;

/** ListKeys accepts Limit 1-1000 (default 100); larger pages mean fewer calls against the 500/s quota. */
export const LIST_KEYS_PAGE_SIZE = 1_000;

/**
 * ListAliases accepts Limit 1-100 (default 50); its own quota is 500/s.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html
 */
export const LIST_ALIASES_PAGE_SIZE = 100;

/** ListResourceTags accepts Limit 1-50. */
export const LIST_RESOURCE_TAGS_PAGE_SIZE = 50;
/** ListGrants `Limit`: 1-100 (https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html). */
export const LIST_GRANTS_PAGE_SIZE = 100;

/** DescribeVpcEndpoints returns at most 1000 items per page. */
export const DESCRIBE_VPC_ENDPOINTS_PAGE_SIZE = 1_000;

/**
 * BatchImportFindings: "up to 100 findings per batch, up to 240 KB per finding, and up to 6 MB per
 * batch"; 10 requests per second per account and Region, burst 30.
 * https://docs.aws.amazon.com/securityhub/latest/partnerguide/guidelines-batchimportfindings.html
 */
export const SECURITY_HUB_BATCH_MAX_FINDINGS = 100;
export const SECURITY_HUB_MAX_FINDING_BYTES = 240 * 1024;
export const SECURITY_HUB_BATCH_MAX_BYTES = 6 * 1024 * 1024;

/**
 * PutEvents: at most 10 entries per request, each entry under 256 KB, and (conservatively, as for
 * SNS batches) the entries of one request together under 256 KB.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
export const EVENTBRIDGE_BATCH_MAX_ENTRIES = 10;
export const EVENTBRIDGE_BATCH_MAX_BYTES = 262_143;
