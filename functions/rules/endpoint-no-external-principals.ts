import { KEY_ACTIONS } from '../policy/kms-actions.js';
import { parsePolicyText } from '../policy/parse.js';
import type { Policy } from '../policy/types.js';
import { isKmsInterfaceEndpoint } from './applicability.js';
import { DEFAULT_ENDPOINT_POLICY, denyExternalPrincipals, placeGuards } from './guard-statements.js';
import { semanticCheck } from './semantic.js';
import { defineRule, type EndpointResource, type Rule } from './types.js';

const defaultPolicy = (() => {
  const parsed = parsePolicyText(JSON.stringify(DEFAULT_ENDPOINT_POLICY, null, 2));
  if (!parsed.ok) throw new Error('default endpoint policy does not parse');
  return parsed.value;
})();

/** The policy in force on an endpoint: its document, or AWS's full-access default when it has none. */
export function effectiveEndpointPolicy(r: EndpointResource): Policy {
  return r.policy ?? defaultPolicy;
}

export const endpointNoExternalPrincipals: Rule<'endpoint-no-external-principals'> = defineRule({
  id: 'endpoint-no-external-principals',
  title: 'KMS endpoint policies admit no external principal',
  severity: 'high',
  defaultMode: 'remediate',
  appliesTo: 'vpc-endpoint',
  reads: ['endpoint'],
  remediation: 'modify-endpoint-policy',
  applies: isKmsInterfaceEndpoint,
  check(r, { config }) {
    if (r.type !== 'vpc-endpoint') return [];
    return semanticCheck(
      'endpoint-no-external-principals',
      'high',
      effectiveEndpointPolicy(r),
      {
        principals: 'external',
        actions: KEY_ACTIONS,
        resource: { kind: 'any' },
        network: {
          kind: 'endpoint',
          ...(r.id.startsWith('vpce-') ? { vpceId: r.id } : {}),
          ...(r.vpcId ? { vpcId: r.vpcId } : {}),
        },
      },
      config,
      'the endpoint policy lets a principal outside the trusted accounts and organizations through',
    );
  },
  plan(r, _findings, { config }) {
    const rule = 'endpoint-no-external-principals' as const;
    if (r.type !== 'vpc-endpoint') return { kind: 'none', rule, reason: 'not a VPC endpoint' };
    const guard = denyExternalPrincipals(config, false);
    if (!guard) return { kind: 'none', rule, reason: 'no trusted account or organization is configured' };
    const placed = placeGuards(effectiveEndpointPolicy(r), [guard]);
    return {
      kind: 'modify-endpoint-policy',
      rule,
      vpcEndpointId: r.id,
      policyText: placed.text,
      policyDocument: placed.document,
      guardSids: placed.guardSids,
      summary: `add Deny ${placed.guardSids.join(' and ')} to the endpoint policy of ${r.id}`,
    };
  },
});
