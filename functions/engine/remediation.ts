import { isDeepStrictEqual } from 'node:util';
import type { GuardConfig, RuleId } from '../config/schema.js';
import { findAllowedRequest } from '../policy/analyze.js';
import { KMS_ACTIONS } from '../policy/kms-actions.js';
import { parsePolicy } from '../policy/parse.js';
import type { RequestClass } from '../policy/request-model.js';
import type { Policy, Statement } from '../policy/types.js';
import { effectiveEndpointPolicy } from '../rules/endpoint-no-external-principals.js';
import { GUARD_SID_PREFIX, isGuardStatement } from '../rules/guard-statements.js';
import { ruleById } from '../rules/index.js';
import { trustOf } from '../rules/semantic.js';
import type { RemediationPlan, Resource } from '../rules/types.js';
import type { Verdict } from './judge.js';

/** KMS key policy size limit: 32 KB (KMS quotas, "Key policy document size"). */
export const KEY_POLICY_MAX_BYTES = 32_768;
/** VPC endpoint policy limit: 20,480 characters (VPC quotas, "VPC endpoint policy size"). */
export const ENDPOINT_POLICY_MAX_CHARS = 20_480;

export type RemediationDecision =
  | { rule: RuleId; status: 'planned'; plan: Exclude<RemediationPlan, { kind: 'none' }>; checks: string[] }
  | { rule: RuleId; status: 'refused'; reason: string; plan?: RemediationPlan };

/**
 * Plan the remediation of every rule in `remediate` mode that has findings, and prove each plan
 * safe before returning it. Plans for one key build on each other (the second sees the first's
 * policy), so applying them in order applies all of them.
 */
export function planRemediations(verdict: Verdict, config: GuardConfig): RemediationDecision[] {
  const decisions: RemediationDecision[] = [];
  let current: Resource = verdict.resource;
  for (const result of verdict.results) {
    if (result.status !== 'finding' || config.rules[result.rule] !== 'remediate') continue;
    const rule = ruleById(result.rule);
    if (current.type === 'kms-key' && current.keyManager === 'AWS') {
      decisions.push({
        rule: rule.id,
        status: 'refused',
        reason: 'AWS-managed key policies cannot be changed',
      });
      continue;
    }
    if (current.type === 'kms-key' && current.keyState === 'PendingDeletion') {
      decisions.push({
        rule: rule.id,
        status: 'refused',
        reason: 'the key is pending deletion: judged, not remediated',
      });
      continue;
    }
    // Re-check against the policy as earlier plans left it: they may already have fixed this rule.
    const findings = rule.check(current, { config });
    if (findings.length === 0) continue;
    const plan = rule.plan(current, findings, { config });
    if (plan.kind === 'none') {
      decisions.push({ rule: rule.id, status: 'refused', reason: plan.reason, plan });
      continue;
    }
    const proof = provePlanSafe(current, plan, config);
    if (!proof.ok) {
      decisions.push({ rule: rule.id, status: 'refused', reason: proof.reasons.join('; '), plan });
      continue;
    }
    decisions.push({ rule: rule.id, status: 'planned', plan, checks: proof.checks });
    current = proof.after;
  }
  return decisions;
}

export type SafetyProof = { ok: true; checks: string[]; after: Resource } | { ok: false; reasons: string[] };

/** Re-analyse a planned change and refuse it unless every invariant of SPEC.md §3 holds. */
export function provePlanSafe(
  before: Resource,
  plan: Exclude<RemediationPlan, { kind: 'none' }>,
  config: GuardConfig,
): SafetyProof {
  const rule = ruleById(plan.rule);
  if (plan.kind === 'modify-vpc-endpoint' && plan.privateDnsEnabled !== undefined) {
    // Turning private DNS on changes no policy; the VPC DNS attributes are checked by the adapter
    // before the call (they need AWS reads).
    if (before.type !== 'vpc-endpoint')
      return { ok: false, reasons: ['private DNS applies to VPC endpoints only'] };
    return {
      ok: true,
      checks: ['no policy change'],
      after: { ...before, privateDnsEnabled: plan.privateDnsEnabled },
    };
  }
  const newDoc = plan.kind === 'put-key-policy' ? plan.policy : plan.policyDocument;
  if (!newDoc) return { ok: false, reasons: ['the plan carries no policy document'] };
  const oldPolicy = before.type === 'kms-key' ? before.policy : effectiveEndpointPolicy(before);
  const reasons: string[] = [];
  const checks: string[] = [];

  const text = JSON.stringify(newDoc);
  const limit = before.type === 'kms-key' ? KEY_POLICY_MAX_BYTES : ENDPOINT_POLICY_MAX_CHARS;
  const size = before.type === 'kms-key' ? Buffer.byteLength(text, 'utf8') : text.length;
  if (size > limit) reasons.push(`the new policy would be ${size} bytes, over the ${limit} limit`);
  else checks.push(`size ${size} <= ${limit}`);

  const parsed = parsePolicy(newDoc, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!parsed.ok)
    return {
      ok: false,
      reasons: [...reasons, `the new policy does not parse: ${parsed.issues[0]?.message}`],
    };
  const after = parsed.value;

  // Original statements verbatim and in order; guard statements replaced in place or appended.
  const oldRaw = oldPolicy.statements.map((s) => s.raw);
  const newRaw = after.statements.map((s) => s.raw);
  const guardSids = new Set(plan.guardSids);
  let verbatim = newRaw.length >= oldRaw.length;
  oldRaw.forEach((s, i) => {
    const replaced = isGuardStatement(s) && guardSids.has(String(s.Sid)) && newRaw[i]?.Sid === s.Sid;
    if (!replaced && !isDeepStrictEqual(s, newRaw[i])) verbatim = false;
  });
  const added = after.statements.slice(oldRaw.length);
  if (!verbatim) reasons.push('an original statement would be changed, removed or moved');
  else checks.push(`${oldRaw.length} original statements kept verbatim and in order`);
  if (added.some((s) => s.effect !== 'Deny' || !s.sid?.startsWith(GUARD_SID_PREFIX))) {
    reasons.push('the plan adds a statement that is not a guard-owned Deny');
  }
  const sids = after.statements.map((s) => s.sid).filter((s) => s?.startsWith(GUARD_SID_PREFIX));
  if (new Set(sids).size !== sids.length) reasons.push('a guard statement would be duplicated');
  if (before.type === 'kms-key' && JSON.stringify(newDoc).includes('BypassPolicyLockoutSafetyCheck')) {
    reasons.push('the plan mentions BypassPolicyLockoutSafetyCheck');
  }

  const afterResource: Resource = { ...before, policy: after } as Resource;
  // (a) the new policy satisfies the rule.
  const left = rule.check(afterResource, { config });
  if (left.length) reasons.push(`the new policy would still violate ${rule.id}: ${left[0]!.message}`);
  else checks.push(`${rule.id} holds on the new policy`);

  // (b) it allows no request the old one denied.
  {
    const widened = allowsSomethingNew(oldPolicy, after, before, config);
    if (widened) reasons.push(`the new policy would allow a request the old one denied (${widened})`);
    else checks.push('allows nothing the old policy denied');
  }

  // (c) every trusted principal that could manage the key (kms:PutKeyPolicy) still can.
  if (before.type === 'kms-key') {
    const newDenies = after.statements.filter(
      (s) => s.effect === 'Deny' && !oldPolicy.statements.some((o) => isDeepStrictEqual(o.raw, s.raw)),
    );
    const manage: RequestClass = {
      principals: 'trusted',
      actions: ['kms:PutKeyPolicy'],
      resource: { kind: 'key', ...(before.arn ? { arn: before.arn } : {}) },
      network: { kind: 'any' },
    };
    const lockedOut = newDenies
      .map((d) =>
        findAllowedRequest({
          policy: oldPolicy,
          requestClass: manage,
          trust: trustOf(config),
          mustMatch: [d],
        }),
      )
      .find((a) => a.kind !== 'none');
    if (lockedOut) {
      reasons.push(
        lockedOut.kind === 'unproven'
          ? `cannot prove that trusted key administrators keep kms:PutKeyPolicy (${lockedOut.reason})`
          : `a trusted principal (${'AWS' in lockedOut.witness.principal ? lockedOut.witness.principal.AWS : 'service'}) would lose kms:PutKeyPolicy`,
      );
    } else checks.push('trusted principals that could call kms:PutKeyPolicy still can');
  }

  // Idempotent: planning again on the result changes nothing.
  if (left.length === 0) {
    const again = rule.plan(afterResource, [], { config });
    const againDoc =
      again.kind === 'put-key-policy'
        ? again.policy
        : again.kind === 'modify-vpc-endpoint'
          ? again.policyDocument
          : undefined;
    if (againDoc && !isDeepStrictEqual(againDoc, newDoc))
      reasons.push('applying the plan twice would differ from applying it once');
    else checks.push('idempotent');
  }

  return reasons.length ? { ok: false, reasons } : { ok: true, checks, after: afterResource };
}

/** Does `after` allow a request that `before` denies? Returns a description, or undefined. */
function allowsSomethingNew(
  before: Policy,
  after: Policy,
  resource: Resource,
  config: GuardConfig,
): string | undefined {
  const anyRequest: RequestClass = {
    principals: 'any',
    actions: KMS_ACTIONS,
    resource:
      resource.type === 'kms-key'
        ? { kind: 'key', ...(resource.arn ? { arn: resource.arn } : {}) }
        : { kind: 'any' },
    network: { kind: 'any' },
  };
  const trust = trustOf(config);
  const oldAllows = before.statements.filter((s) => s.effect === 'Allow');
  const queries: { mustMatch?: Statement[]; mustNotMatch?: Statement[] }[] = [
    { mustNotMatch: oldAllows },
    ...before.statements.filter((s) => s.effect === 'Deny').map((d) => ({ mustMatch: [d] })),
  ];
  for (const q of queries) {
    const a = findAllowedRequest({ policy: after, requestClass: anyRequest, trust, ...q });
    if (a.kind === 'witness') return `${a.witness.action} by ${JSON.stringify(a.witness.principal)}`;
    if (a.kind === 'unproven') return `not provable: ${a.reason}`;
  }
  return undefined;
}
