/**
 * Outcomes of guarding one resource: per-rule statuses and alerts (`settle`), error outcomes for
 * what could not be read or judged, and the metrics of applied changes. The alert module (the
 * documents, their text, fitting them to SNS's limit) loads when the first alert is rendered: a
 * compliant resource has none, and an event on one never parses that code at cold start.
 */
import type { RuleId } from '../config/schema.js';
import { AwsCallError, RoleAssumptionError } from '../errors.js';
import type { Trigger } from '../events/types.js';
import type { RemediationPlan } from '../rules/types.js';
import type {
  AlertEntry,
  AlertResourceDoc,
  AlertStatus,
  AlertTrigger,
  ErrorAlertInput,
  FindingAlertInput,
} from './alert-types.js';
import type { OutcomeBase, PipelineDeps, ResourceContext, ResourceOutcome, RuleOutcome } from './deps.js';
import type { Intents } from './intents.js';
import type { Verdict } from './judge.js';
import { loadAlerts } from './lazy.js';
import type { RemediationDecision } from './remediation.js';

export function alertTrigger(trigger: Trigger | undefined): AlertTrigger | undefined {
  if (!trigger) return undefined;
  return {
    eventId: trigger.eventId,
    eventName: trigger.eventName,
    ...(trigger.actorArn ? { actorArn: trigger.actorArn } : {}),
    ...(trigger.eventTime ? { eventTime: trigger.eventTime } : {}),
  };
}

/**
 * Thrown errors that must reach Lambda (its async retry and failure destination take over):
 * throttling and 5xx still failing after the adapters' retry budget. Everything else becomes an
 * outcome with an alert, so one bad resource never hides another's result.
 */
export function isRetryable(err: unknown): boolean {
  return err instanceof AwsCallError && err.retryable;
}

export async function errorOutcome(
  base: OutcomeBase,
  stage: ErrorAlertInput['stage'],
  message: string,
  deps: PipelineDeps,
  ctx: ResourceContext,
  code?: string,
): Promise<ResourceOutcome> {
  deps.log.error(message, { stage, resourceId: base.id, account: base.account, region: base.region, code });
  deps.metrics.count('GuardErrors');
  const resource: AlertResourceDoc = {
    type: base.type,
    id: base.id,
    account: base.account,
    region: base.region,
    ...(base.arn ? { arn: base.arn } : {}),
  };
  const failed = { ...base, status: 'error' as const, reason: message, rules: [], writes: 0, rounds: 0 };
  if (deps.renderAlerts === false) return { ...failed, alerts: [] };
  const trigger = alertTrigger(ctx.trigger);
  const { errorAlert } = await loadAlerts();
  const alert = errorAlert({
    stage,
    message,
    account: base.account,
    region: base.region,
    resource,
    ...(code ? { code } : {}),
    ...(trigger ? { trigger } : {}),
    time: (deps.now ?? (() => new Date()))(),
  });
  return { ...failed, alerts: [alert] };
}

/** Map an error while handling one resource: rethrow retryable ones, report the rest. */
export async function handleResourceError(
  err: unknown,
  base: OutcomeBase,
  deps: PipelineDeps,
  ctx: ResourceContext,
  stage: ErrorAlertInput['stage'],
): Promise<ResourceOutcome> {
  if (isRetryable(err)) throw err;
  if (err instanceof RoleAssumptionError) {
    return errorOutcome(base, 'assume-role', err.message, deps, ctx, err.reason);
  }
  if (err instanceof AwsCallError) {
    if (err.classification === 'not-found') {
      deps.log.info('resource is gone; nothing to judge', { resourceId: base.id, code: err.code });
      return { ...base, status: 'gone', reason: err.message, rules: [], writes: 0, rounds: 0, alerts: [] };
    }
    return errorOutcome(base, stage, err.message, deps, ctx, err.code);
  }
  throw err;
}

// ------------------------------------------------------------------------------------ rule outcomes

export interface Applied {
  /** Rules whose plan was applied and confirmed by read-back. */
  remediated: Set<RuleId>;
  /** Rules whose remediation failed or was refused, with the reason. */
  failed: Map<RuleId, string>;
}

/**
 * Turn a verdict, the planner's decisions and what was applied into per-rule outcomes and alerts.
 * What each rule was to do (report, plan only, remediate) was decided once, in `intents`.
 */
export async function settle(
  verdict: Verdict,
  intents: Intents,
  decisions: RemediationDecision[],
  applied: Applied,
  deps: PipelineDeps,
  ctx: ResourceContext,
): Promise<{ rules: RuleOutcome[]; alerts: AlertEntry[] }> {
  const byRule = new Map(decisions.map((d) => [d.rule, d]));
  const rules: RuleOutcome[] = [];
  const inputs: FindingAlertInput[] = [];
  const trigger = alertTrigger(ctx.trigger);
  const time = (deps.now ?? (() => new Date()))();
  for (const result of verdict.results) {
    if (result.status !== 'finding') {
      rules.push({ rule: result.rule, status: result.status });
      continue;
    }
    deps.metrics.count('Findings', result.findings.length, result.rule);
    const decision = byRule.get(result.rule);
    let status: AlertStatus;
    let reason: string | undefined;
    let plan: RemediationPlan | undefined;
    let refused = false;
    const intent = intents.get(result.rule) ?? 'report';
    if (intent === 'report') {
      status = 'alerted';
    } else if (applied.failed.has(result.rule)) {
      status = 'remediation-failed';
      reason = applied.failed.get(result.rule);
      plan = decision?.plan;
    } else if (decision?.status === 'refused') {
      status = 'remediation-failed';
      reason = decision.reason;
      plan = decision.plan;
      refused = true;
      deps.metrics.count('RemediationsRefused', 1, result.rule);
    } else if (intent === 'dry-run') {
      status = 'dry-run';
      plan = decision?.plan;
      deps.metrics.count('DryRunPlans', 1, result.rule);
    } else if (applied.remediated.has(result.rule)) {
      status = 'remediated';
      plan = decision?.plan;
    } else if (decision === undefined && applied.remediated.size > 0) {
      // No decision: an earlier rule's plan already fixes this one (the planner re-checks each rule
      // against the policy the earlier plans leave), and that plan was applied.
      status = 'remediated';
    } else if (decision === undefined && applied.failed.size > 0) {
      status = 'remediation-failed';
      reason = [...applied.failed.values()][0];
    } else {
      status = 'remediation-failed';
      reason = 'the planned change was not applied';
      plan = decision?.plan;
    }
    rules.push({ rule: result.rule, status, ...(reason ? { reason } : {}), ...(refused ? { refused } : {}) });
    inputs.push({
      resource: verdict.resource,
      rule: result.rule,
      findings: result.findings,
      status,
      ...(plan || reason
        ? { remediation: { plan: plan ?? noPlan(result.rule, reason), ...(reason ? { reason } : {}) } }
        : {}),
      ...(trigger ? { trigger } : {}),
      time,
    });
  }
  const render = inputs.length > 0 && deps.renderAlerts !== false;
  return { rules, alerts: render ? (await loadAlerts()).findingAlerts(inputs) : [] };
}

const noPlan = (rule: RuleId, reason?: string): RemediationPlan => ({
  kind: 'none',
  rule,
  reason: reason ?? 'no remediation planned',
});

export function countApplied(
  planned: readonly { rule: RuleId }[],
  applied: Applied,
  deps: PipelineDeps,
): void {
  for (const d of planned) {
    deps.metrics.count(
      applied.remediated.has(d.rule) ? 'RemediationsApplied' : 'RemediationsFailed',
      1,
      d.rule,
    );
  }
}
