import { provePolicyChange } from './policy-proof.js';
import { policyTextWrite } from './policy-text-write.js';
import type { RemediationModule } from './types.js';

/**
 * Add guard statements to a key policy: PutKeyPolicy with the exact text the prover checked, never
 * with BypassPolicyLockoutSafetyCheck, so KMS's own lockout check still applies
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html).
 */
export const putKeyPolicy: RemediationModule<'put-key-policy'> = {
  kind: 'put-key-policy',
  resource: 'kms-key',
  action: 'PutKeyPolicy',
  // GetKeyPolicy: the re-read before the write and the read-back after it.
  permissions: { read: ['kms:GetKeyPolicy'], write: ['kms:PutKeyPolicy'] },
  prove(before, plan, config) {
    if (before.type !== 'kms-key') return { ok: false, reasons: ['PutKeyPolicy applies to KMS keys only'] };
    return provePolicyChange({ before, oldPolicy: before.policy, plan, config });
  },
  ...policyTextWrite,
  describe: (plan) => ({ action: 'PutKeyPolicy', plannedPolicy: plan.policy }),
};
