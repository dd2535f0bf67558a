import { isKmsInterfaceEndpoint } from './applicability.js';
import type { Rule } from './types.js';

export const endpointPrivateDns: Rule = {
  id: 'endpoint-private-dns',
  title: 'KMS interface endpoints have private DNS enabled',
  severity: 'medium',
  appliesTo: 'vpc-endpoint',
  permissions: {
    read: ['ec2:DescribeVpcEndpoints', 'ec2:DescribeVpcAttribute'],
    write: ['ec2:ModifyVpcEndpoint'],
  },
  // Only judged when the input says whether private DNS is on (a bare endpoint policy does not).
  applies: (r) => isKmsInterfaceEndpoint(r) && r.privateDnsEnabled !== undefined,
  check(r) {
    if (r.type !== 'vpc-endpoint' || r.privateDnsEnabled !== false) return [];
    return [
      {
        rule: 'endpoint-private-dns',
        severity: 'medium',
        message: `private DNS is disabled on ${r.id}: clients resolving the regional KMS hostname reach the public KMS endpoint instead of this VPC endpoint`,
        statements: [],
        proof: 'witness',
      },
    ];
  },
  plan(r) {
    if (r.type !== 'vpc-endpoint')
      return { kind: 'none', rule: 'endpoint-private-dns', reason: 'not a VPC endpoint' };
    return {
      kind: 'modify-vpc-endpoint',
      rule: 'endpoint-private-dns',
      vpcEndpointId: r.id,
      privateDnsEnabled: true,
      guardSids: [],
      summary: `ModifyVpcEndpoint ${r.id} PrivateDnsEnabled=true`,
    };
  },
};
