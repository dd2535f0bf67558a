import * as z from 'zod/mini';
import { isCustomerManagedKey } from './applicability.js';
import { defineRule, optionsOf, type Rule } from './types.js';

/**
 * `ruleOptions.key-rotation-enabled`. KMS rotates every 365 days unless a custom period is set,
 * 90 to 2560 days (KMS API Reference, EnableKeyRotation `RotationPeriodInDays`).
 */
const options = z.strictObject({
  /** A key that rotates less often than this is a finding too (absent: any period will do). */
  maxRotationPeriodDays: z.optional(z.number().check(z.int(), z.gte(90), z.lte(2560))),
});

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
  options,
  applies: rotatable,
  check(r, ctx) {
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
    const { maxRotationPeriodDays: max } = optionsOf('key-rotation-enabled', options, ctx);
    // KMS reports the period only for enabled rotation; 365 days is its default.
    const period = r.rotation.rotationPeriodInDays ?? 365;
    if (r.rotation.enabled && (max === undefined || period <= max)) return [];
    if (r.rotation.enabled) {
      return [
        {
          rule,
          severity: 'low',
          message: `key ${r.id} rotates its key material every ${period} days (GetKeyRotationStatus: RotationPeriodInDays ${period}), longer than ruleOptions.key-rotation-enabled.maxRotationPeriodDays (${max})`,
          statements: [],
          proof: 'witness',
        },
      ];
    }
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
