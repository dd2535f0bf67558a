import type { Witness } from '../policy/types.js';
import { isCustomerManagedKey } from './applicability.js';
import { keyPartition, type OutsidePrincipal, outsidePrincipals } from './grantees.js';
import type { KeyGrant } from './reads.js';
import { trustOf } from './semantic.js';
import { defineRule, type Finding, type KeyResource, type Rule } from './types.js';

const RULE = 'key-no-external-grantees' as const;

/** The operations that say most about what a grantee can do, first (a witness shows one). */
const TELLING = ['Decrypt', 'CreateGrant', 'Encrypt', 'GenerateDataKey', 'ReEncryptFrom', 'Sign'];

/**
 * The request the grant lets its outside principal make: the grantee calling one of the grant's
 * operations on this key with the encryption context its constraints ask for (a grant's
 * constraints are met by whoever sends that context), or the retiring principal retiring it.
 * https://docs.aws.amazon.com/kms/latest/developerguide/grants.html
 */
function grantWitness(r: KeyResource, grant: KeyGrant, who: OutsidePrincipal, account: string): Witness {
  const op =
    who.role === 'retiring principal'
      ? 'RetireGrant'
      : (TELLING.find((o) => grant.operations.includes(o)) ?? grant.operations[0] ?? 'Decrypt');
  const context: Record<string, string> = { 'aws:PrincipalAccount': account, 'kms:CallerAccount': account };
  const ec = { ...grant.constraints?.encryptionContextSubset, ...grant.constraints?.encryptionContextEquals };
  for (const [k, v] of Object.entries(ec)) context[`kms:EncryptionContext:${k}`] = v;
  // A bare account id as grantee is that account's root principal.
  const arn = who.principal === account ? `arn:${keyPartition(r.arn)}:iam::${account}:root` : who.principal;
  return {
    principal: { AWS: arn },
    action: `kms:${op}`,
    resource: r.arn ?? r.id,
    context,
  };
}

function grantFinding(r: KeyResource, grant: KeyGrant, outside: OutsidePrincipal[]): Finding {
  const first = outside.find((o) => o.kind === 'external') ?? outside[0];
  if (!first) throw new Error('a grant finding needs an outside principal');
  const who = outside
    .map(
      (o) =>
        `${o.role} ${o.principal}${o.kind === 'external' ? ` (account ${o.account}, not trusted)` : ` (${o.reason})`}`,
    )
    .join(' and ');
  const ops = grant.operations.length ? grant.operations.join(', ') : 'no operations';
  const constraints = grant.constraints ? ` with constraints ${JSON.stringify(grant.constraints)}` : '';
  const proven = outside.some((o) => o.kind === 'external');
  const witness = first.account ? grantWitness(r, grant, first, first.account) : undefined;
  const reason = proven ? undefined : outside.map((o) => o.reason).join('; ');
  return {
    rule: RULE,
    severity: 'high',
    message: `grant ${grant.grantId}${grant.name ? ` (${grant.name})` : ''} on key ${r.id} gives ${ops}${constraints} to a principal outside the trusted accounts: ${who}${proven ? '' : ' (not proven)'}`,
    statements: [],
    proof: proven ? 'witness' : 'unproven',
    ...(witness ? { witness } : {}),
    ...(reason ? { reason } : {}),
    grant,
  };
}

export const keyNoExternalGrantees: Rule<typeof RULE> = defineRule({
  id: RULE,
  title: 'Key grants give nothing to principals outside the trusted accounts',
  severity: 'high',
  defaultMode: 'alert',
  appliesTo: 'kms-key',
  reads: ['grants'],
  // A new key has no grants, and a replica shares none with its primary: only CreateGrant adds one
  // (https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html).
  eventTriggers: ['CreateGrant'],
  remediation: 'revoke-grant',
  applies: isCustomerManagedKey,
  check(r, { config }) {
    if (r.type !== 'kms-key') return [];
    if (r.grants === undefined) {
      const reason = 'the key grants were not read';
      return [
        {
          rule: RULE,
          severity: 'high',
          message: `grants of key ${r.id} unknown: ${reason}`,
          statements: [],
          proof: 'unproven',
          reason,
        },
      ];
    }
    const trust = trustOf(config);
    return r.grants.flatMap((grant) => {
      const outside = outsidePrincipals(grant, trust, r.arn);
      return outside.length ? [grantFinding(r, grant, outside)] : [];
    });
  },
  plan(r, findings) {
    if (r.type !== 'kms-key') return { kind: 'none', rule: RULE, reason: 'not a KMS key' };
    // Only grants proven external are revoked: an unplaced principal may be the organization's own.
    const grants = findings.flatMap((f) => (f.proof === 'witness' && f.grant ? [f.grant] : []));
    if (grants.length === 0) {
      return {
        kind: 'none',
        rule: RULE,
        reason:
          'no grant is proven external (a grantee whose account is not in trust.accounts may belong to a trusted organization): not revoked',
      };
    }
    const ids = grants.map((g) => g.grantId);
    return {
      kind: 'revoke-grant',
      rule: RULE,
      keyId: r.id,
      grants,
      guardSids: [],
      summary: `revoke grant${ids.length > 1 ? 's' : ''} ${ids.join(', ')} on key ${r.id}`,
    };
  },
});
