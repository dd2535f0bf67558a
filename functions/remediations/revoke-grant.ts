import type { GuardConfig } from '../config/schema.js';
import { outsidePrincipals } from '../rules/grantees.js';
import type { KeyGrant } from '../rules/reads.js';
import { trustOf } from '../rules/semantic.js';
import type { ChangePlan } from '../rules/types.js';
import type { RemediationModule, SafetyProof } from './types.js';

type RevokePlan = Extract<ChangePlan, { kind: 'revoke-grant' }>;

/** Same grant, same principals: grant ids are unique and grants cannot be edited, only replaced. */
const sameGrant = (a: KeyGrant, b: KeyGrant) =>
  a.grantId === b.grantId &&
  a.granteePrincipal === b.granteePrincipal &&
  a.retiringPrincipal === b.retiringPrincipal;

/**
 * Revoke a grant to a principal of an untrusted account (RevokeGrant). Only grants whose grantee
 * or retiring principal is proven external are revoked; the key policy is not touched, so no key
 * administrator loses anything. Each grant is listed again just before (it may have been retired
 * or revoked since it was judged). https://docs.aws.amazon.com/kms/latest/APIReference/API_RevokeGrant.html
 */
export const revokeGrant: RemediationModule<'revoke-grant'> = {
  kind: 'revoke-grant',
  resource: 'kms-key',
  action: 'RevokeGrant',
  permissions: { read: ['kms:ListGrants'], write: ['kms:RevokeGrant'] },
  prove(before, plan, config) {
    return proveRevocation(before, plan, config);
  },
  async precheck(reads, resource, plan) {
    if (!reads.listGrants || resource.type !== 'kms-key') return 'the key grants cannot be listed here';
    const listed = await reads.listGrants(resource.id);
    const gone = plan.grants.filter((g) => !listed.some((l) => sameGrant(l, g)));
    return gone.length > 0
      ? `listed again before revoking, grant ${gone.map((g) => g.grantId).join(', ')} is no longer there (retired or revoked since): nothing revoked; the next event or sweep judges the key again`
      : undefined;
  },
  contribute(plan, write) {
    write.revokeGrantIds = [...(write.revokeGrantIds ?? []), ...plan.grants.map((g) => g.grantId)];
  },
  // RevokeGrant's success is KMS's acknowledgement. A grant listing may still show it for a while
  // ("a brief delay, usually less than five minutes", KMS Developer Guide, grants: eventual
  // consistency), so the listing is not read back to contradict it.
  confirmed: () => true,
  describe: (plan) => ({ action: 'RevokeGrant', grantIds: plan.grants.map((g) => g.grantId) }),
};

function proveRevocation(
  before: Parameters<RemediationModule['prove']>[0],
  plan: RevokePlan,
  config: GuardConfig,
): SafetyProof {
  if (before.type !== 'kms-key') return { ok: false, reasons: ['RevokeGrant applies to KMS keys only'] };
  if (before.keyManager === 'AWS') return { ok: false, reasons: ['AWS-managed keys are never changed'] };
  const current = before.grants ?? [];
  const reasons: string[] = [];
  for (const g of plan.grants) {
    const listed = current.find((c) => sameGrant(c, g));
    if (!listed) {
      reasons.push(`grant ${g.grantId} is not among the key's grants as read`);
      continue;
    }
    const external = outsidePrincipals(listed, trustOf(config), before.arn).some(
      (o) => o.kind === 'external',
    );
    if (!external) reasons.push(`grant ${g.grantId} has no principal proven outside the trusted accounts`);
  }
  if (reasons.length > 0) return { ok: false, reasons };
  const revoked = new Set(plan.grants.map((g) => g.grantId));
  return {
    ok: true,
    checks: [
      'only grants with a principal of an untrusted account are revoked',
      'grants to trusted principals and AWS services are kept',
      'the key policy is not changed (key administrators keep their access)',
    ],
    after: { ...before, grants: current.filter((g) => !revoked.has(g.grantId)) },
  };
}
