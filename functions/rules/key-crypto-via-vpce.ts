import { expandActions } from '../policy/analyze.js';
import { KEY_ACTIONS } from '../policy/kms-actions.js';
import { isCustomerManagedKey } from './applicability.js';
import { denyOffNetworkCrypto, placeGuards } from './guard-statements.js';
import { semanticCheck } from './semantic.js';
import { defineRule, type Rule } from './types.js';

export const keyCryptoViaVpce: Rule<'key-crypto-via-vpce'> = defineRule({
  id: 'key-crypto-via-vpce',
  title: 'Crypto calls on keys only through approved VPC endpoints',
  severity: 'high',
  defaultMode: 'alert',
  appliesTo: 'kms-key',
  reads: ['policy'],
  remediation: 'put-key-policy',
  applies: isCustomerManagedKey,
  check(r, { config, protectedBy }) {
    if (r.type !== 'kms-key') return [];
    const n = config.network;
    return semanticCheck(
      'key-crypto-via-vpce',
      'high',
      r.policy,
      {
        principals: 'any',
        actions: expandActions(n.cryptoActions, KEY_ACTIONS),
        resource: { kind: 'key', ...(r.arn ? { arn: r.arn } : {}) },
        network: {
          kind: 'off-network',
          vpceIds: n.vpceIds,
          vpcIds: n.vpcIds,
          vpceAccounts: n.vpceAccounts,
          vpceOrgIds: n.vpceOrgIds,
          vpceOrgPaths: n.vpceOrgPaths,
          vpcArns: n.vpcArns,
        },
        exempt: { awsServiceCalls: n.allowAwsServiceCalls, principalArns: n.exemptPrincipalArns },
      },
      config,
      'the key policy allows crypto calls that do not come through an approved VPC endpoint, VPC or endpoint owner',
      { key: r, ...(protectedBy ? { protectedBy } : {}) },
    );
  },
  plan(r, _findings, { config }) {
    const rule = 'key-crypto-via-vpce' as const;
    if (r.type !== 'kms-key') return { kind: 'none', rule, reason: 'not a KMS key' };
    const guard = denyOffNetworkCrypto(config);
    if (!guard) {
      return {
        kind: 'none',
        rule,
        reason:
          'no approved VPC endpoint, VPC or endpoint owner is configured (network.vpceIds, network.vpcIds, network.vpceAccounts, network.vpceOrgIds, network.vpceOrgPaths, network.vpcArns)',
      };
    }
    const placed = placeGuards(r.policy, [guard]);
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
