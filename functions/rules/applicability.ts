import type { EndpointResource, KeyResource, Resource } from './types.js';

/** KMS interface endpoints: service `com.amazonaws.<region>.kms` (or `kms-fips`), Interface, not requester-managed. */
export function isKmsInterfaceEndpoint(r: Resource): r is EndpointResource {
  if (r.type !== 'vpc-endpoint') return false;
  if (r.serviceName !== undefined && !/^com\.amazonaws\.[a-z0-9-]+\.kms(-fips)?$/.test(r.serviceName))
    return false;
  if (r.vpcEndpointType !== undefined && r.vpcEndpointType.toLowerCase() !== 'interface') return false;
  return r.requesterManaged !== true;
}

/** Customer-managed keys; AWS-managed key policies cannot be changed and are not judged (SPEC.md §1). */
export function isCustomerManagedKey(r: Resource): r is KeyResource {
  return r.type === 'kms-key' && r.keyManager !== 'AWS';
}
