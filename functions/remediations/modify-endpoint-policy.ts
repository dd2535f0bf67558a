import { effectiveEndpointPolicy } from '../rules/endpoint-no-external-principals.js';
import { provePolicyChange } from './policy-proof.js';
import { policyTextWrite } from './policy-text-write.js';
import type { RemediationModule } from './types.js';

/** Add guard statements to a VPC endpoint policy (ModifyVpcEndpoint PolicyDocument). */
export const modifyEndpointPolicy: RemediationModule<'modify-endpoint-policy'> = {
  kind: 'modify-endpoint-policy',
  resource: 'vpc-endpoint',
  action: 'ModifyVpcEndpoint',
  permissions: { read: ['ec2:DescribeVpcEndpoints'], write: ['ec2:ModifyVpcEndpoint'] },
  prove(before, plan, config) {
    if (before.type !== 'vpc-endpoint')
      return { ok: false, reasons: ['an endpoint policy belongs to a VPC endpoint'] };
    return provePolicyChange({ before, oldPolicy: effectiveEndpointPolicy(before), plan, config });
  },
  ...policyTextWrite,
  describe: (plan) => ({
    action: 'ModifyVpcEndpoint',
    vpcEndpointId: plan.vpcEndpointId,
    plannedPolicy: plan.policyDocument,
  }),
};
