import { SNSClient } from '@aws-sdk/client-sns';
import { applyRetryPolicy, type ClientOptions, sdkConfig } from './client-config.js';

export function createSnsClient(options: ClientOptions): SNSClient {
  return applyRetryPolicy(new SNSClient(sdkConfig(options)));
}
