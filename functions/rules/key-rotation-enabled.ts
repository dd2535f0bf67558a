import { isCustomerManagedKey } from './applicability.js';
import { defineRule, type Rule } from './types.js';

/**
 * Automatic rotation can be enabled only on symmetric encryption keys with key material KMS
 * generated (KMS Developer Guide, "Rotating AWS KMS keys": not asymmetric, HMAC, imported or
 * custom key store keys), so only those are judged.
 */
const rotatable = (r: Parameters<Rule['applies']>[0]) =>
  isCustomerManagedKey(r) &&
  (r.keySpec === undefined || r.keySpec === 'SYMMETRIC_DEFAULT') &&
  (r.origin === undefined || r.origin === 'AWS_KMS');

export const keyRotationEnabled: Rule<'key-rotation-enabled'> = defineRule({
  id: 'key-rotation-enabled',
  title: 'Customer-managed symmetric keys rotate their key material automatically',
  severity: 'low',
  // Off unless configured: existing users see no change.
  defaultMode: 'off',
  appliesTo: 'kms-key',
  reads: ['rotation'],
  applies: rotatable,
  check(r) {
    if (r.type !== 'kms-key') return [];
    const rule = 'key-rotation-enabled' as const;
    if (r.rotation === undefined) {
      const reason = 'the key rotation status was not read';
      return [
        {
          rule,
          severity: 'low',
          message: `rotation of key ${r.id} unknown: ${reason}`,
          statements: [],
          proof: 'unproven',
          reason,
        },
      ];
    }
    if (r.rotation.enabled) return [];
    return [
      {
        rule,
        severity: 'low',
        message: `automatic key rotation is disabled on key ${r.id} (GetKeyRotationStatus: KeyRotationEnabled false): its key material is never replaced`,
        statements: [],
        proof: 'witness',
      },
    ];
  },
  plan: () => ({
    kind: 'none',
    rule: 'key-rotation-enabled',
    reason: 'alert only: enable rotation with EnableKeyRotation (the guard does not change key settings)',
  }),
});
