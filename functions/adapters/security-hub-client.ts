import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { type ClientOptions, sdkConfig } from './client-config.js';

export function createSecurityHubClient(options: ClientOptions): SecurityHubClient {
  return new SecurityHubClient(sdkConfig(options));
}
