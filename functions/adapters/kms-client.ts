import { KMSClient } from '@aws-sdk/client-kms';
import { type ClientOptions, sdkConfig } from './client-config.js';

export function createKmsClient(options: ClientOptions): KMSClient {
  return new KMSClient(sdkConfig(options));
}
