import { endpointNoExternalPrincipals } from './endpoint-no-external-principals.js';
import { endpointPrivateDns } from './endpoint-private-dns.js';
import { keyCryptoViaVpce } from './key-crypto-via-vpce.js';
import { keyNoExternalPrincipals } from './key-no-external-principals.js';
import { keySourceIpIneffective } from './key-sourceip-ineffective.js';
import type { Rule, RuleId } from './types.js';

/** Every rule, in report order (SPEC.md §1). */
export const RULES: readonly Rule[] = [
  endpointPrivateDns,
  endpointNoExternalPrincipals,
  keyNoExternalPrincipals,
  keyCryptoViaVpce,
  keySourceIpIneffective,
];

export function ruleById(id: RuleId): Rule {
  const rule = RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`unknown rule ${id}`);
  return rule;
}

export type { Rule } from './types.js';
