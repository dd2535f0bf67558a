import { SNSClient } from '@aws-sdk/client-sns';
import { type ClientOptions, sdkConfig } from './client-config.js';

export function createSnsClient(options: ClientOptions): SNSClient {
  return new SNSClient(sdkConfig(options));
}
