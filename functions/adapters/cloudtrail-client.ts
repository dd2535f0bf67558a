import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { applyRetryPolicy, type ClientOptions, sdkConfig } from './client-config.js';

export function createCloudTrailClient(options: ClientOptions): CloudTrailClient {
  return applyRetryPolicy(new CloudTrailClient(sdkConfig(options)));
}
