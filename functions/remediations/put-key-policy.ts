import { provePolicyChange } from './policy-proof.js';
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
  contribute(plan, write) {
    write.policyText = plan.policyText;
  },
  // Plans of one resource build on each other: the write carries the last one's text.
  confirmed: (back, _plan, write) =>
    back.policyText !== undefined &&
    write.policyText !== undefined &&
    samePolicyText(back.policyText, write.policyText),
  describe: (plan) => ({ action: 'PutKeyPolicy', plannedPolicy: plan.policy }),
};

/** Same document: KMS may return the text it stores with other spacing. */
export function samePolicyText(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}
