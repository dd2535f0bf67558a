import { findAllowedRequest } from '../policy/analyze.js';
import { KEY_ACTIONS } from '../policy/kms-actions.js';
import { parsePolicyText } from '../policy/parse.js';
import type { RequestClass } from '../policy/request-model.js';
import { isCustomerManagedKey } from './applicability.js';
import { denyExternalPrincipals, denyExternalServiceCalls, placeGuards } from './guard-statements.js';
import { semanticCheck, trustOf } from './semantic.js';
import { defineRule, type KeyResource, type Rule } from './types.js';

const externalKeyRequests = (r: KeyResource): RequestClass => ({
  principals: 'external',
  actions: KEY_ACTIONS,
  resource: { kind: 'key', ...(r.arn ? { arn: r.arn } : {}) },
  network: { kind: 'any' },
});

export const keyNoExternalPrincipals: Rule<'key-no-external-principals'> = defineRule({
  id: 'key-no-external-principals',
  title: 'Key policies admit no external principal',
  severity: 'high',
  defaultMode: 'alert',
  appliesTo: 'kms-key',
  reads: ['policy'],
  remediation: 'put-key-policy',
  applies: isCustomerManagedKey,
  check(r, { config, protectedBy }) {
    if (r.type !== 'kms-key') return [];
    return semanticCheck(
      'key-no-external-principals',
      'high',
      r.policy,
      externalKeyRequests(r),
      config,
      'the key policy allows a principal outside the trusted accounts and organizations',
      { key: r, ...(protectedBy ? { protectedBy } : {}) },
    );
  },
  plan(r, _findings, { config }) {
    const rule = 'key-no-external-principals' as const;
    if (r.type !== 'kms-key') return { kind: 'none', rule, reason: 'not a KMS key' };
    const guard = denyExternalPrincipals(config, true);
    if (!guard) return { kind: 'none', rule, reason: 'no trusted account or organization is configured' };
    let placed = placeGuards(r.policy, [guard]);
    // Service principals are exempt from the first Deny; add the second only when a service
    // principal acting for an untrusted account is still allowed.
    const parsed = parsePolicyText(placed.text, { maxBytes: Number.MAX_SAFE_INTEGER });
    if (parsed.ok) {
      const left = findAllowedRequest({
        policy: parsed.value,
        requestClass: externalKeyRequests(r),
        trust: trustOf(config),
      });
      const service = denyExternalServiceCalls(config);
      if (left.kind !== 'none' && left.witness && 'Service' in left.witness.principal && service) {
        placed = placeGuards(r.policy, [guard, service]);
      }
    }
    return {
      kind: 'put-key-policy',
      rule,
      policyText: placed.text,
      policy: placed.document,
      guardSids: placed.guardSids,
      summary: `add Deny ${placed.guardSids.join(' and ')} to the key policy of ${r.id}`,
    };
  },
});
