import { endpointNoExternalPrincipals } from './endpoint-no-external-principals.js';
import { endpointPrivateDns } from './endpoint-private-dns.js';
import { keyCryptoViaVpce } from './key-crypto-via-vpce.js';
import { keyNoExternalGrantees } from './key-no-external-grantees.js';
import { keyNoExternalPrincipals } from './key-no-external-principals.js';
import { keyRotationEnabled } from './key-rotation-enabled.js';
import { keySourceIpIneffective } from './key-sourceip-ineffective.js';
import type { Rule } from './types.js';

/**
 * Every rule, in report order (SPEC.md §1). The one list the rule ids, the config schema, the
 * reads and the permissions are derived from: adding a rule is adding its module here.
 */
export const RULES = [
  endpointPrivateDns,
  endpointNoExternalPrincipals,
  keyNoExternalPrincipals,
  keyNoExternalGrantees,
  keyCryptoViaVpce,
  keySourceIpIneffective,
  keyRotationEnabled,
] as const;

export type RuleId = (typeof RULES)[number]['id'];

export const RULE_IDS: readonly RuleId[] = RULES.map((r) => r.id);

export function ruleById(id: RuleId): Rule<RuleId> {
  const rule = RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`unknown rule ${id}`);
  return rule as Rule<RuleId>;
}

export type { Rule } from './types.js';
