import { isKmsInterfaceEndpoint } from './applicability.js';
import { defineRule, type Rule } from './types.js';

export const endpointPrivateDns: Rule<'endpoint-private-dns'> = defineRule({
  id: 'endpoint-private-dns',
  title: 'KMS interface endpoints have private DNS enabled',
  severity: 'medium',
  defaultMode: 'remediate',
  appliesTo: 'vpc-endpoint',
  reads: ['endpoint'],
  remediation: 'enable-private-dns',
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
      kind: 'enable-private-dns',
      rule: 'endpoint-private-dns',
      vpcEndpointId: r.id,
      guardSids: [],
      summary: `ModifyVpcEndpoint ${r.id} PrivateDnsEnabled=true`,
    };
  },
});
