import { STSClient } from '@aws-sdk/client-sts';
import { applyRetryPolicy, type ClientOptions, sdkConfig } from './client-config.js';

export function createStsClient(options: ClientOptions): STSClient {
  return applyRetryPolicy(new STSClient(sdkConfig(options)));
}
