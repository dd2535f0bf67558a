import { STSClient } from '@aws-sdk/client-sts';
import { type ClientOptions, sdkConfig } from './client-config.js';

export function createStsClient(options: ClientOptions): STSClient {
  return new STSClient(sdkConfig(options));
}
