import { KMSClient } from '@aws-sdk/client-kms';
import { applyRetryPolicy, type ClientOptions, sdkConfig } from './client-config.js';

export function createKmsClient(options: ClientOptions): KMSClient {
  return applyRetryPolicy(new KMSClient(sdkConfig(options)));
}
