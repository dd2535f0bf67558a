import { SQSClient } from '@aws-sdk/client-sqs';
import { type ClientOptions, sdkConfig } from './client-config.js';

export function createSqsClient(options: ClientOptions): SQSClient {
  return new SQSClient(sdkConfig(options));
}
