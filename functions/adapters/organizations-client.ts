import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { type ClientOptions, sdkConfig } from './client-config.js';

export function createOrganizationsClient(options: ClientOptions): OrganizationsClient {
  return new OrganizationsClient(sdkConfig(options));
}
