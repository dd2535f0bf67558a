/**
 * The VPC endpoints an EC2 trigger record names (CreateVpcEndpoint, ModifyVpcEndpoint, CreateTags),
 * with the owner, service and policy the record carries.
 */

import { accountClaim, type Claim, type ResourceClaims, stringMember } from './claims.js';
import {
  type CloudTrailRecord,
  describe,
  ec2Bodies,
  ec2Members,
  ec2Strings,
  isJsonObject,
  jsonPath,
  member,
} from './envelope.js';
import type { Issue } from './types.js';

/** VPC endpoint ids, as the config schema accepts them. */
const VPCE_ID = /^vpce-[0-9a-f]{8,17}$/;

export type EndpointIds = ResourceClaims & { kind: 'endpoint'; ids: string[]; serviceName?: string };

/**
 * The VPC endpoint ids of a CreateVpcEndpoint/ModifyVpcEndpoint record: `VpcEndpointId` in the
 * request (ModifyVpcEndpoint), `vpcEndpoint.vpcEndpointId` in the response (CreateVpcEndpoint).
 */
export function readEndpointIds(record: CloudTrailRecord, base: string): EndpointIds {
  const out: EndpointIds = { kind: 'endpoint', ids: [], issues: [], accounts: [], regions: [] };
  const idClaims: Claim[] = [];
  let requestedService: string | undefined;
  let responseService: string | undefined;

  if (record.requestParameters) {
    for (const { body, path } of ec2Bodies(record.requestParameters, `${base}.requestParameters`)) {
      const id = member(body, 'VpcEndpointId');
      if (id) {
        const found = ec2Strings(id.value, jsonPath([id.key], path));
        idClaims.push(...found.strings);
        out.issues.push(...found.issues);
      }
      requestedService ??= stringMember(body, 'ServiceName', path, out.issues);
      out.policyText ??= stringMember(body, 'PolicyDocument', path, out.issues);
    }
  }
  if (record.responseElements) {
    for (const { body, path } of ec2Bodies(record.responseElements, `${base}.responseElements`)) {
      const endpoint = member(body, 'vpcEndpoint') ?? member(body, 'vpcEndpointSet');
      if (!endpoint) continue;
      for (const item of ec2Members(endpoint.value, jsonPath([endpoint.key], path))) {
        if (!isJsonObject(item.value)) {
          out.issues.push({ path: item.path, message: `expected an object, got ${describe(item.value)}` });
          continue;
        }
        const id = stringMember(item.value, 'vpcEndpointId', item.path, out.issues);
        if (id !== undefined) idClaims.push({ value: id, path: jsonPath(['vpcEndpointId'], item.path) });
        responseService ??= stringMember(item.value, 'serviceName', item.path, out.issues);
        out.policyText ??= stringMember(item.value, 'policyDocument', item.path, out.issues);
        const owner = member(item.value, 'ownerId');
        if (owner && owner.value !== null && owner.value !== undefined) {
          accountClaim(owner.value, jsonPath([owner.key], item.path), out);
        }
      }
    }
  }

  for (const claim of idClaims) {
    if (!VPCE_ID.test(claim.value)) {
      out.issues.push({ path: claim.path, message: `"${claim.value}" is not a VPC endpoint id (vpce-...)` });
    } else if (!out.ids.includes(claim.value)) {
      out.ids.push(claim.value);
    }
  }
  if (idClaims.length === 0) {
    out.issues.push({
      path: `${base}.requestParameters`,
      message:
        'no VPC endpoint id in the record (request VpcEndpointId or response vpcEndpoint.vpcEndpointId)',
    });
  }
  // The response names the service AWS actually attached; the request what was asked for.
  const serviceName = responseService ?? requestedService;
  if (serviceName !== undefined) out.serviceName = serviceName;
  return out;
}

export function tagsVpcEndpoint(record: CloudTrailRecord): boolean {
  return taggedResourceIds(record, '$').ids.some((c) => c.value.startsWith('vpce-'));
}

/** `resourcesSet.items[].resourceId` of a CreateTags record (EC2 sets, see ec2Members). */
function taggedResourceIds(record: CloudTrailRecord, base: string): { ids: Claim[]; issues: Issue[] } {
  const ids: Claim[] = [];
  const issues: Issue[] = [];
  const path = `${base}.requestParameters`;
  const set = record.requestParameters ? member(record.requestParameters, 'resourcesSet') : undefined;
  if (!set) return { ids, issues };
  for (const item of ec2Members(set.value, jsonPath([set.key], path))) {
    if (!isJsonObject(item.value)) continue;
    const id = stringMember(item.value, 'resourceId', item.path, issues);
    if (id !== undefined) ids.push({ value: id, path: jsonPath(['resourceId'], item.path) });
  }
  return { ids, issues };
}

/**
 * A CreateTags record: the VPC endpoints among the tagged resources, and the tags
 * (`requestParameters.tagSet.items[].key/value`).
 */
export function readTaggedEndpoints(record: CloudTrailRecord, base: string): EndpointIds {
  const out: EndpointIds = { kind: 'endpoint', ids: [], issues: [], accounts: [], regions: [] };
  const found = taggedResourceIds(record, base);
  out.issues.push(...found.issues);
  for (const claim of found.ids) {
    if (!claim.value.startsWith('vpce-')) continue;
    if (!VPCE_ID.test(claim.value))
      out.issues.push({ path: claim.path, message: `"${claim.value}" is not a VPC endpoint id (vpce-...)` });
    else if (!out.ids.includes(claim.value)) out.ids.push(claim.value);
  }
  const path = `${base}.requestParameters`;
  const tagSet = record.requestParameters ? member(record.requestParameters, 'tagSet') : undefined;
  if (tagSet) {
    const tags: { key: string; value: string }[] = [];
    for (const item of ec2Members(tagSet.value, jsonPath([tagSet.key], path))) {
      if (!isJsonObject(item.value)) continue;
      const key = stringMember(item.value, 'key', item.path, out.issues);
      const value = member(item.value, 'value');
      if (key !== undefined) tags.push({ key, value: typeof value?.value === 'string' ? value.value : '' });
    }
    out.tags = tags;
  }
  return out;
}
