import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type ClientOptions, sdkConfig } from './client-config.js';

export function createEventBridgeClient(options: ClientOptions): EventBridgeClient {
  return new EventBridgeClient(sdkConfig(options));
}
