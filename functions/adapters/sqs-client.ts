import { SQSClient } from '@aws-sdk/client-sqs';
import { applyRetryPolicy, type ClientOptions, sdkConfig } from './client-config.js';

export function createSqsClient(options: ClientOptions): SQSClient {
  return applyRetryPolicy(new SQSClient(sdkConfig(options)));
}
