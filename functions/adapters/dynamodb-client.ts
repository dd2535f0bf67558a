import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type ClientOptions, sdkConfig } from './client-config.js';

export function createDynamoDbClient(options: ClientOptions): DynamoDBClient {
  return new DynamoDBClient(sdkConfig(options));
}
