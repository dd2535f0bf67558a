// The only modules that import `@aws-sdk/*`. Handlers that care about bundle size import the file they
// need (`adapters/kms.js`) rather than this index; both tree-shake, since no module here has
// top-level side effects.

export type * from '../engine/ports.js';
export type { AdapterOptions } from './call.js';
export {
  type ClientOptions,
  createClientCache,
  createEc2Client,
  createKmsClient,
  createOrganizationsClient,
  createS3Client,
  createSnsClient,
  createSqsClient,
  createStsClient,
} from './clients.js';
export * from './constants.js';
export { createCallCounter, type RecordingCallCounter } from './counter.js';
export { createEc2Adapter, type Ec2AdapterOptions, toVpcEndpointRecord } from './ec2.js';
export {
  AwsCallError,
  type AwsCallErrorOptions,
  type AwsErrorClassification,
  awsErrorCode,
  classifyAwsError,
  isRetryableClassification,
  ResourceNotFoundError,
  RoleAssumptionError,
  type RoleAssumptionFailure,
  toAwsCallError,
} from './errors.js';
export { createKmsAdapter, type KmsAdapterOptions, toKeyDescription } from './kms.js';
export { backoffDelay, type RetryOptions, withRetry } from './retry.js';
export {
  chunkPublishEntries,
  createSnsAdapter,
  publishEntrySize,
  type SnsAdapterOptions,
  toPublishEntry,
} from './sns.js';
export {
  type CachingStsPort,
  createStsAdapter,
  credentialsProviderFor,
  memberRoleArn,
  type StsAdapterOptions,
  toRoleSessionName,
} from './sts.js';
