// Commands one by one, never the aggregated `EC2` class: it pulls every EC2 command into the bundle.
import {
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
  ModifyVpcEndpointCommand,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import type { Ec2Port, VpcEndpointRecord } from '../engine/ports.js';
import { ownSet } from '../policy/own.js';
import { type AdapterOptions, createCaller } from './call.js';
import { DESCRIBE_VPC_ENDPOINTS_PAGE_SIZE } from './constants.js';
import { AwsCallError, ResourceNotFoundError } from './errors.js';

export interface Ec2AdapterOptions extends AdapterOptions {
  describeVpcEndpointsPageSize?: number;
}

/**
 * The SDK's model spells the states `Available`, `PendingAcceptance`, ...; EC2 answers (and its docs
 * and CloudTrail write) `available`, `pendingAcceptance`, as the recorded responses show. One
 * spelling for callers: the documented camelCase one.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html
 */
function normalizeState(state: string | undefined): string {
  return state ? state.charAt(0).toLowerCase() + state.slice(1) : '';
}

function toVpcEndpointRecord(endpoint: VpcEndpoint): VpcEndpointRecord {
  const tags: Record<string, string> = {};
  for (const tag of endpoint.Tags ?? []) if (tag.Key !== undefined) ownSet(tags, tag.Key, tag.Value ?? '');
  const record: VpcEndpointRecord = {
    id: endpoint.VpcEndpointId ?? '',
    vpcId: endpoint.VpcId ?? '',
    serviceName: endpoint.ServiceName ?? '',
    vpcEndpointType: endpoint.VpcEndpointType ?? '',
    // Both fields are always present in today's responses; old recordings omit RequesterManaged,
    // which predates requester-managed endpoints, so absent means false.
    privateDnsEnabled: endpoint.PrivateDnsEnabled ?? false,
    requesterManaged: endpoint.RequesterManaged ?? false,
    state: normalizeState(endpoint.State),
    tags,
  };
  if (endpoint.PolicyDocument !== undefined) record.policyDocument = endpoint.PolicyDocument;
  if (endpoint.OwnerId !== undefined) record.ownerId = endpoint.OwnerId;
  if (endpoint.ServiceRegion !== undefined) record.serviceRegion = endpoint.ServiceRegion;
  if (endpoint.CreationTimestamp !== undefined) record.creationTimestamp = endpoint.CreationTimestamp;
  return record;
}

/** The guard's EC2 port over one injected `EC2Client` (one account-region). */
export function createEc2Adapter(client: EC2Client, options: Ec2AdapterOptions = {}): Ec2Port {
  const call = createCaller('ec2', options);
  const pageSize = options.describeVpcEndpointsPageSize ?? DESCRIBE_VPC_ENDPOINTS_PAGE_SIZE;

  async function* describeVpcEndpoints(
    query: { ids?: string[]; filters?: Record<string, string[]> } = {},
  ): AsyncGenerator<VpcEndpointRecord> {
    const ids = query.ids?.length ? query.ids : undefined;
    const filters = Object.entries(query.filters ?? {}).map(([Name, Values]) => ({ Name, Values }));
    const resourceId = ids?.join(',');
    let token: string | undefined;
    do {
      const out = await call('DescribeVpcEndpoints', resourceId, () =>
        client.send(
          new DescribeVpcEndpointsCommand({
            ...(ids ? { VpcEndpointIds: ids } : { MaxResults: pageSize }),
            ...(filters.length ? { Filters: filters } : {}),
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const endpoint of out.VpcEndpoints ?? []) yield toVpcEndpointRecord(endpoint);
      // "If there are no additional items to return, the string is empty."
      // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpoints.html
      if (out.NextToken && out.NextToken === token) {
        throw new AwsCallError({
          service: 'ec2',
          operation: 'DescribeVpcEndpoints',
          code: 'PaginationError',
          classification: 'permanent',
          message: `NextToken repeated (${token})`,
        });
      }
      token = out.NextToken || undefined;
    } while (token);
  }

  async function vpcAttribute(vpcId: string, attribute: 'enableDnsSupport' | 'enableDnsHostnames') {
    const out = await call('DescribeVpcAttribute', vpcId, () =>
      client.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: attribute })),
    );
    const value =
      attribute === 'enableDnsSupport' ? out.EnableDnsSupport?.Value : out.EnableDnsHostnames?.Value;
    // An absent value is reported as off: the private DNS fix is then refused, never attempted blindly.
    return value === true;
  }

  return {
    describeVpcEndpoints,

    async describeVpcEndpoint(id) {
      for await (const endpoint of describeVpcEndpoints({ ids: [id] })) {
        if (endpoint.id === id) return endpoint;
      }
      // EC2 normally answers InvalidVpcEndpointId.NotFound; an empty list (as recorded after a delete
      // in Custodian's test_vpc_endpoint_delete) means the same thing.
      throw new ResourceNotFoundError({
        service: 'ec2',
        operation: 'DescribeVpcEndpoints',
        code: 'InvalidVpcEndpointId.NotFound',
        classification: 'not-found',
        message: `no VPC endpoint ${id} in the response`,
        resourceId: id,
      });
    },

    async describeVpcDnsAttributes(vpcId) {
      // DescribeVpcAttribute reads one attribute per call; private DNS needs both.
      // https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html#prerequisites-interface-endpoints
      const [enableDnsSupport, enableDnsHostnames] = await Promise.all([
        vpcAttribute(vpcId, 'enableDnsSupport'),
        vpcAttribute(vpcId, 'enableDnsHostnames'),
      ]);
      return { enableDnsSupport, enableDnsHostnames };
    },

    async modifyVpcEndpoint(request) {
      if (request.privateDnsEnabled === undefined && request.policyDocument === undefined) {
        throw new TypeError(`modifyVpcEndpoint(${request.id}): nothing to change`);
      }
      const out = await call('ModifyVpcEndpoint', request.id, () =>
        client.send(
          new ModifyVpcEndpointCommand({
            VpcEndpointId: request.id,
            ...(request.privateDnsEnabled !== undefined
              ? { PrivateDnsEnabled: request.privateDnsEnabled }
              : {}),
            ...(request.policyDocument !== undefined ? { PolicyDocument: request.policyDocument } : {}),
          }),
        ),
      );
      return out.Return === true;
    },
  };
}
