import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { applyRetryPolicy, type ClientOptions, sdkConfig } from './client-config.js';

export function createOrganizationsClient(options: ClientOptions): OrganizationsClient {
  return applyRetryPolicy(new OrganizationsClient(sdkConfig(options)));
}
