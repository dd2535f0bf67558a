import { parsePolicyText } from '../../policy/parse.js';
import { samePolicyText } from '../../remediations/policy-text-write.js';
import { isKmsInterfaceEndpoint, kmsServiceRegion } from '../../rules/applicability.js';
import type { EndpointResource } from '../../rules/types.js';
import type { ResourceContext } from '../deps.js';
import type { Ec2Port, VpcEndpointRecord } from '../ports.js';
import type { DriverRead, ResourceDriver } from './types.js';

function endpointResource(e: VpcEndpointRecord, ctx: ResourceContext): DriverRead<VpcEndpointRecord> {
  const resource: EndpointResource = {
    type: 'vpc-endpoint',
    id: e.id,
    account: e.ownerId ?? ctx.account,
    region: ctx.region,
    serviceName: e.serviceName,
    vpcEndpointType: e.vpcEndpointType,
    requesterManaged: e.requesterManaged,
    privateDnsEnabled: e.privateDnsEnabled,
    vpcId: e.vpcId,
    tags: e.tags,
  };
  const serviceRegion = e.serviceRegion ?? kmsServiceRegion(e.serviceName);
  if (serviceRegion !== undefined) resource.serviceRegion = serviceRegion;
  if (e.policyDocument !== undefined && e.policyDocument !== '') {
    const parsed = parsePolicyText(e.policyDocument);
    if (!parsed.ok) {
      const issues = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      return { kind: 'unjudgeable', id: e.id, reason: `the endpoint policy cannot be judged: ${issues}` };
    }
    resource.policy = parsed.value;
  }
  if (!isKmsInterfaceEndpoint(resource)) {
    // Events for other services' endpoints are expected (the EventBridge rule cannot filter on
    // the service): recognised here, after the re-read, and skipped.
    return {
      kind: 'skipped',
      id: e.id,
      reason: `not a KMS interface endpoint (${e.serviceName}, ${e.vpcEndpointType})`,
    };
  }
  if (e.state === 'deleted' || e.state === 'deleting') {
    return { kind: 'gone', id: e.id, reason: `endpoint is ${e.state}` };
  }
  return {
    kind: 'ok',
    id: e.id,
    resource,
    snapshot: e,
    ...(e.policyDocument !== undefined ? { policyText: e.policyDocument } : {}),
  };
}

export const vpcEndpointDriver: ResourceDriver<Ec2Port, VpcEndpointRecord, VpcEndpointRecord> = {
  type: 'vpc-endpoint',
  writeAction: 'ModifyVpcEndpoint',
  writeOrder: ['ModifyVpcEndpoint'],
  readBackAttempts: 3,
  async read(ec2, id, ctx, _deps, known) {
    return endpointResource(known ?? (await ec2.describeVpcEndpoint(id)), ctx);
  },
  current: (ec2, id) => ec2.describeVpcEndpoint(id),
  same: (a, b) =>
    a.privateDnsEnabled === b.privateDnsEnabled &&
    (a.policyDocument === b.policyDocument ||
      (a.policyDocument !== undefined &&
        b.policyDocument !== undefined &&
        samePolicyText(a.policyDocument, b.policyDocument))),
  async write(ec2, id, write) {
    // One ModifyVpcEndpoint carries every change (private DNS and the policy together).
    await ec2.modifyVpcEndpoint({
      id,
      ...(write.privateDnsEnabled !== undefined ? { privateDnsEnabled: write.privateDnsEnabled } : {}),
      ...(write.policyText !== undefined ? { policyDocument: write.policyText } : {}),
    });
  },
  async readBack(ec2, id) {
    const e = await ec2.describeVpcEndpoint(id);
    return {
      privateDnsEnabled: e.privateDnsEnabled,
      ...(e.policyDocument !== undefined ? { policyText: e.policyDocument } : {}),
    };
  },
  unconfirmed: (back) =>
    `read-back after ModifyVpcEndpoint does not show the change (PrivateDnsEnabled=${back.privateDnsEnabled})`,
  precheckReads: (ec2) => ec2,
};
