import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { type ClientOptions, sdkConfig } from './client-config.js';

export function createCloudTrailClient(options: ClientOptions): CloudTrailClient {
  return new CloudTrailClient(sdkConfig(options));
}
