import type { GuardConfig, RuleId } from '../config/schema.js';
import { AnalysisBudgetError } from '../errors.js';
import { remediationOf, type SafetyProof } from '../remediations/index.js';
import { ruleById } from '../rules/index.js';
import type { ChangePlan, RemediationPlan, Resource } from '../rules/types.js';
import { type Intents, intentsOf, plans } from './intents.js';
import type { Verdict } from './judge.js';

export type { SafetyProof };

export type RemediationDecision =
  | { rule: RuleId; status: 'planned'; plan: ChangePlan; checks: string[] }
  | { rule: RuleId; status: 'refused'; reason: string; plan?: RemediationPlan };

const BUDGET_REASON = 'analysis budget exceeded';

/**
 * Plan the remediation of every rule in `remediate` mode that has findings, and prove each plan
 * safe before returning it. Plans for one key build on each other (the second sees the first's
 * policy text), so the last plan's text applies all of them.
 */
export function planRemediations(
  verdict: Verdict,
  config: GuardConfig,
  intents: Intents = intentsOf(config),
): RemediationDecision[] {
  const decisions: RemediationDecision[] = [];
  let current: Resource = verdict.resource;
  for (const result of verdict.results) {
    if (result.status !== 'finding' || !plans(intents.get(result.rule))) continue;
    const rule = ruleById(result.rule);
    const refuse = (reason: string, plan?: RemediationPlan) =>
      decisions.push({ rule: rule.id, status: 'refused', reason, ...(plan ? { plan } : {}) });
    if (current.type === 'kms-key' && current.keyManager === 'AWS') {
      refuse('AWS-managed key policies cannot be changed');
      continue;
    }
    if (current.type === 'kms-key' && current.keyState === 'PendingDeletion') {
      refuse('the key is pending deletion: judged, not remediated');
      continue;
    }
    if (result.findings.some((f) => f.reason?.startsWith(BUDGET_REASON))) {
      // The verdict itself is not known: a change whose effect cannot be proved is never made.
      refuse(`${BUDGET_REASON} while judging: not remediated`);
      continue;
    }
    try {
      // Re-check against the policy as earlier plans left it: they may already have fixed this rule.
      const findings = rule.check(current, { config });
      if (findings.length === 0) continue;
      const plan = rule.plan(current, findings, { config });
      if (plan.kind === 'none') {
        refuse(plan.reason, plan);
        continue;
      }
      if (plan.kind !== rule.remediation) {
        refuse(
          `the rule planned a ${plan.kind} change, but declares ${rule.remediation ?? 'no remediation'}`,
          plan,
        );
        continue;
      }
      const proof = provePlanSafe(current, plan, config);
      if (!proof.ok) {
        refuse(proof.reasons.join('; '), plan);
        continue;
      }
      decisions.push({ rule: rule.id, status: 'planned', plan, checks: proof.checks });
      current = proof.after;
    } catch (err) {
      if (!(err instanceof AnalysisBudgetError)) throw err;
      refuse(`${BUDGET_REASON} while planning and proving the change: not remediated`);
    }
  }
  return decisions;
}

/**
 * Re-analyse a planned change with its remediation module and refuse it unless every invariant of
 * SPEC.md §3 holds (for policy changes: remediations/policy-proof.ts).
 */
export function provePlanSafe(before: Resource, plan: ChangePlan, config: GuardConfig): SafetyProof {
  return (remediationOf(plan.kind).prove as (b: Resource, p: ChangePlan, c: GuardConfig) => SafetyProof)(
    before,
    plan,
    config,
  );
}
