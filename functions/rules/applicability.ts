import type { EndpointResource, KeyResource, Resource } from './types.js';

/**
 * The KMS endpoint services: `com.amazonaws.<region>.kms` and `.kms-fips`, for any region. An
 * interface endpoint may reach the service in another region (cross-region PrivateLink for AWS
 * services; the endpoint's `ServiceRegion` names it), so the region in the name need not be the
 * endpoint's own.
 */
const KMS_SERVICE_NAME = /^com\.amazonaws\.([a-z0-9-]+)\.kms(-fips)?$/;

export function isKmsServiceName(serviceName: string): boolean {
  return KMS_SERVICE_NAME.test(serviceName);
}

/** The region a KMS service name serves (`com.amazonaws.us-west-2.kms` → `us-west-2`). */
export function kmsServiceRegion(serviceName: string | undefined): string | undefined {
  return serviceName?.match(KMS_SERVICE_NAME)?.[1];
}

/** KMS interface endpoints: a KMS service name (any region, standard or FIPS), Interface, not requester-managed. */
export function isKmsInterfaceEndpoint(r: Resource): r is EndpointResource {
  if (r.type !== 'vpc-endpoint') return false;
  if (r.serviceName !== undefined && !isKmsServiceName(r.serviceName)) return false;
  if (r.vpcEndpointType !== undefined && r.vpcEndpointType.toLowerCase() !== 'interface') return false;
  return r.requesterManaged !== true;
}

/** Customer-managed keys; AWS-managed key policies cannot be changed and are not judged (SPEC.md §1). */
export function isCustomerManagedKey(r: Resource): r is KeyResource {
  return r.type === 'kms-key' && r.keyManager !== 'AWS';
}
