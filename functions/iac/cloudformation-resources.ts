/**
 * The resources a template declares, from their resolved Properties: a KMS key or replica key, or
 * a VPC endpoint, with CloudFormation's defaults for what the template leaves out.
 */
import { ownSet } from '../policy/own.js';
import { endpointResource, type IacRead, keyResource } from './resources.js';
import { type DeployTarget, isObject, type Json } from './values.js';

export type Common = { name: string; target: DeployTarget; assumptions: string[]; line?: number };

function tagsOf(value: unknown): Record<string, string> | undefined {
  if (!Array.isArray(value)) return undefined;
  const tags: Record<string, string> = {};
  for (const t of value)
    if (isObject(t) && typeof t.Key === 'string' && typeof t.Value === 'string') ownSet(tags, t.Key, t.Value);
  return tags;
}

export function templateEndpoint(props: Json, common: Common, path: string, out: IacRead): void {
  const { assumptions } = common;
  // CloudFormation's defaults differ from the EC2 API's: VpcEndpointType defaults to Gateway and
  // PrivateDnsEnabled to false in a template
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpcendpoint.html),
  // while CreateVpcEndpoint defaults PrivateDnsEnabled to true for an interface endpoint
  // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html).
  if (props.VpcEndpointType === undefined)
    assumptions.push('VpcEndpointType not declared: CloudFormation default Gateway');
  if (props.PrivateDnsEnabled === undefined)
    assumptions.push(
      'PrivateDnsEnabled not declared: CloudFormation default false (the EC2 API default, true, does not apply)',
    );
  endpointResource(
    {
      ...common,
      serviceName: props.ServiceName,
      endpointType: props.VpcEndpointType ?? 'Gateway',
      privateDns: props.PrivateDnsEnabled ?? false,
      policy: props.PolicyDocument,
      policyPath: `${path}.Properties.PolicyDocument`,
      path: `${path}.Properties`,
      vpcId: props.VpcId,
    },
    out,
  );
}

export function templateKey(props: Json, type: string, common: Common, path: string, out: IacRead): void {
  const tags = tagsOf(props.Tags);
  keyResource(
    {
      ...common,
      policy: props.KeyPolicy,
      policyPath: `${path}.Properties.KeyPolicy`,
      keySpec: props.KeySpec ?? 'SYMMETRIC_DEFAULT',
      keyUsage: props.KeyUsage ?? 'ENCRYPT_DECRYPT',
      ...(type === 'AWS::KMS::Key' ? { multiRegion: props.MultiRegion ?? false } : { multiRegion: true }),
      ...(tags ? { tags } : {}),
    },
    out,
  );
}
