import type { RemediationModule } from './types.js';

/**
 * Turn private DNS on (ModifyVpcEndpoint PrivateDnsEnabled=true). It needs the VPC's
 * enableDnsSupport and enableDnsHostnames, checked first so a refusal says why
 * (https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html).
 */
export const enablePrivateDns: RemediationModule<'enable-private-dns'> = {
  kind: 'enable-private-dns',
  resource: 'vpc-endpoint',
  action: 'ModifyVpcEndpoint',
  permissions: {
    read: ['ec2:DescribeVpcEndpoints', 'ec2:DescribeVpcAttribute'],
    write: ['ec2:ModifyVpcEndpoint'],
  },
  prove(before) {
    // No policy changes: nothing to widen or lock out.
    if (before.type !== 'vpc-endpoint')
      return { ok: false, reasons: ['private DNS applies to VPC endpoints only'] };
    return { ok: true, checks: ['no policy change'], after: { ...before, privateDnsEnabled: true } };
  },
  async precheck(reads, resource) {
    if (resource.type !== 'vpc-endpoint' || !resource.vpcId) return 'the endpoint has no VPC to check';
    if (!reads.describeVpcDnsAttributes) return 'the VPC DNS attributes cannot be read here';
    const dns = await reads.describeVpcDnsAttributes(resource.vpcId);
    const off = [
      ...(dns.enableDnsSupport ? [] : ['enableDnsSupport=false']),
      ...(dns.enableDnsHostnames ? [] : ['enableDnsHostnames=false']),
    ];
    return off.length > 0
      ? `VPC ${resource.vpcId} has ${off.join(' and ')}; private DNS needs both attributes on`
      : undefined;
  },
  contribute(_plan, write) {
    write.privateDnsEnabled = true;
  },
  confirmed: (back) => back.privateDnsEnabled === true,
  describe: (plan) => ({
    action: 'ModifyVpcEndpoint',
    vpcEndpointId: plan.vpcEndpointId,
    privateDnsEnabled: true,
  }),
};
