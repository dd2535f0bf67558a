/**
 * The one guard loop, for every kind of resource: read what the rules declared → judge → plan →
 * prove → precheck → re-read and compare → write once → read back → settle outcomes and alerts.
 * What differs between keys and endpoints is the driver (engine/kinds/), what differs between
 * changes is the remediation module (functions/remediations/).
 */
import type { GuardConfig, RuleId } from '../config/schema.js';
import { withBudget } from '../policy/budget.js';
import type { Resource } from '../rules/types.js';
import type { NoticeAlertInput } from './alert-types.js';
import type { Planned } from './apply.js';
import {
  defaultSleep,
  MAX_JUDGE_ROUNDS,
  type OutcomeBase,
  type PipelineDeps,
  type ResourceContext,
  type ResourceOutcome,
} from './deps.js';
import { type Intents, intentsOf, plans } from './intents.js';
import { judge, type Verdict } from './judge.js';
import { kmsKeyDriver } from './kinds/kms-key.js';
import type { DriverRead, ResourceDriver } from './kinds/types.js';
import { vpcEndpointDriver } from './kinds/vpc-endpoint.js';
import { loadAlerts, loadApply, loadRemediation } from './lazy.js';
import { exemptionNotices, overwrittenChange } from './notices.js';
import {
  type Applied,
  alertTrigger,
  countApplied,
  errorOutcome,
  handleResourceError,
  settle,
} from './outcomes.js';
import type { Ec2Port, KeyListEntry, KmsPort, VpcEndpointRecord } from './ports.js';
import type { RemediationDecision } from './remediation.js';

/** Lambdas and sweeps judge and plan one resource within this budget unless the config sets one. */
const DEFAULT_ANALYSIS_BUDGET_MS = 2_000;

/** Upper bound of the random wait before an event-triggered write's final re-read. */
export const REPLAY_JITTER_MS = 400;

/**
 * Judge and plan one resource within its analysis budget: a policy that would take longer gets
 * unproven findings ("analysis budget exceeded") and no remediation, so one hostile policy cannot
 * hold a handler until its timeout or stall a sweep. The planner (with the remediation modules and
 * their safety proofs) loads only when a rule has a finding to plan for: most events and most swept
 * resources are compliant, and a cold start that does not parse it starts sooner. Loading is not
 * analysis: the budget left for planning is the budget less the time judging took.
 */
async function assess(
  resource: Resource,
  config: GuardConfig,
  intents: Intents,
  now: Date,
): Promise<{ verdict: Verdict; decisions: RemediationDecision[] }> {
  const budget = config.analysisBudgetMs ?? DEFAULT_ANALYSIS_BUDGET_MS;
  const started = performance.now();
  const verdict = withBudget(budget, () => judge(resource, config, now));
  if (!verdict.results.some((r) => r.status === 'finding' && plans(intents.get(r.rule))))
    return { verdict, decisions: [] };
  const judging = performance.now() - started;
  const { planRemediations } = await loadRemediation();
  // A spent budget still gets a (tiny) positive one: zero or less would mean "no budget".
  const left = budget > 0 ? Math.max(budget - judging, Number.MIN_VALUE) : budget;
  return { verdict, decisions: withBudget(left, () => planRemediations(verdict, config, intents)) };
}

/** Alert entries for notices, rendered by the alert module (loaded only when there is a notice). */
async function noticeAlerts(inputs: NoticeAlertInput[]) {
  if (inputs.length === 0) return [];
  const { noticeAlert } = await loadAlerts();
  return inputs.map((input) => noticeAlert(input));
}

/**
 * EventBridge may deliver one event several times, and Lambda may run the copies at once. KMS and
 * EC2 have no conditional write, so copies that all re-read before any of them writes all write the
 * same change. A random wait before the final re-read spreads them out: the copy that comes later
 * sees the change already made, judges the resource compliant and writes nothing. It makes
 * duplicate writes rare, not impossible (they write identical content; only a lock could exclude
 * them). Sweeps do not wait: one run never judges a resource twice at once.
 */
async function spreadReplays(ctx: ResourceContext, deps: PipelineDeps): Promise<void> {
  if (!ctx.trigger) return;
  const wait = Math.floor((deps.random ?? Math.random)() * REPLAY_JITTER_MS);
  await (deps.sleep ?? defaultSleep)(wait);
}

/**
 * Guard one resource: read, judge, plan, prove, apply (read-compare-write, then read back), report.
 * Never throws for a problem with this resource except retryable AWS errors.
 */
async function guardResource<P, S, K>(
  driver: ResourceDriver<P, S, K>,
  port: P,
  ref: string,
  ctx: ResourceContext,
  deps: PipelineDeps,
  known?: K,
): Promise<ResourceOutcome> {
  let base: OutcomeBase = { type: driver.type, id: ref, account: ctx.account, region: ctx.region };
  const now = deps.now ?? (() => new Date());
  const intents = intentsOf(deps.config);
  const d = driver as unknown as ResourceDriver<P, unknown, unknown>;
  let writes = 0;
  let stage: 'read' | 'judge' | 'remediate' = 'read';
  try {
    for (let round = 1; ; round++) {
      stage = 'read';
      let read = await driver.read(port, ref, ctx, deps, round === 1 ? known : undefined);
      base = { ...base, id: read.id, ...(read.arn ? { arn: read.arn } : {}) };
      if (read.kind !== 'ok') return await notJudged(read, base, writes, round, deps, ctx);
      stage = 'judge';
      let assessed = await assess(read.resource, deps.config, intents, now());
      if (read.provisional && assessed.verdict.results.some((r) => r.status === 'finding')) {
        // A sweep judged the policy alone: a finding is only reported, planned or written on the
        // full read (DescribeKey's KeyManager and KeyState, the exemption tags), judged again.
        stage = 'read';
        read = driver.complete
          ? await driver.complete(port, read, ctx, deps)
          : await driver.read(port, ref, ctx, deps, undefined);
        base = { ...base, id: read.id, ...(read.arn ? { arn: read.arn } : {}) };
        if (read.kind !== 'ok') return await notJudged(read, base, writes, round, deps, ctx);
        stage = 'judge';
        assessed = await assess(read.resource, deps.config, intents, now());
      }
      const { verdict, decisions: judged } = assessed;
      deps.metrics.count('ResourcesJudged');
      const overwritten =
        round === 1 && ctx.trigger ? overwrittenChange(ctx.trigger, read.resource, deps.config) : undefined;
      stage = 'read';
      const decisions =
        judged.length > 0 ? await (await loadApply()).precheck(d, port, read.resource, judged) : [];
      const planned = decisions.filter((x): x is Planned => x.status === 'planned');
      const applied: Applied = { remediated: new Set<RuleId>(), failed: new Map() };
      const blocked = planned.length > 0 ? driver.writeBlocked?.(read.resource) : undefined;
      if (blocked) {
        for (const p of planned) applied.failed.set(p.rule, blocked);
      } else if (planned.some((p) => intents.get(p.rule) === 'remediate')) {
        stage = 'remediate';
        // Read-compare-write: neither KMS nor EC2 has a conditional write, so re-read right before
        // writing and start over if anyone changed the resource since it was judged (never overwrite
        // a change we did not judge). https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
        await spreadReplays(ctx, deps);
        const current = await driver.current(port, read.id);
        if (!driver.same(current, read.snapshot)) {
          deps.log.warn('resource changed since it was judged; judging again', {
            resourceId: read.id,
            round,
          });
          if (round < MAX_JUDGE_ROUNDS) continue;
          for (const p of planned)
            applied.failed.set(
              p.rule,
              `the ${driver.type === 'kms-key' ? 'key policy' : 'endpoint'} kept changing (${round} rounds); not remediated`,
            );
        } else {
          writes += await (await loadApply()).applyPlanned(d, port, read.id, planned, applied, deps);
        }
        countApplied(planned, applied, deps);
      }
      const { rules, alerts } = await settle(verdict, intents, decisions, applied, deps, ctx);
      const notices = exemptionNotices(ctx, verdict, deps.config, now());
      if (overwritten && ctx.trigger) notices.unshift(overwrittenNotice(base, ctx, overwritten, now()));
      if (deps.renderAlerts !== false) alerts.push(...(await noticeAlerts(notices)));
      return { ...base, status: 'judged', rules, verdict, writes, rounds: round, alerts };
    }
  } catch (err) {
    return await handleResourceError(err, base, deps, ctx, stage);
  }
}

/** The outcome of a read that gave nothing to judge (skipped, gone, or not judgeable). */
async function notJudged(
  read: Exclude<DriverRead<unknown>, { kind: 'ok' }>,
  base: OutcomeBase,
  writes: number,
  round: number,
  deps: PipelineDeps,
  ctx: ResourceContext,
): Promise<ResourceOutcome> {
  if (read.kind === 'unjudgeable') return await errorOutcome(base, 'judge', read.reason, deps, ctx);
  deps.log.info(`${base.type} ${read.kind}`, { resourceId: read.id, reason: read.reason });
  return { ...base, status: read.kind, reason: read.reason, rules: [], writes, rounds: round, alerts: [] };
}

function overwrittenNotice(
  base: OutcomeBase,
  ctx: ResourceContext,
  details: string[],
  time: Date,
): NoticeAlertInput {
  const t = ctx.trigger!;
  const trigger = alertTrigger(t);
  const what = base.type === 'kms-key' ? 'key policy' : 'endpoint policy';
  return {
    notice: 'policy-change-overwritten',
    severity: 'medium',
    message: `The ${what} ${t.actorArn ?? 'someone'} wrote at ${t.eventTime} is not the live policy: a later write replaced it, possibly the guard's remediation started from an earlier read (neither KMS nor EC2 has a conditional write). Re-apply the change if it is still wanted.`,
    account: base.account,
    region: base.region,
    resource: {
      type: base.type,
      id: base.id,
      account: base.account,
      region: base.region,
      ...(base.arn ? { arn: base.arn } : {}),
    },
    details,
    ...(trigger ? { trigger } : {}),
    time,
  };
}

/**
 * Guard one KMS key (`listed`: the ListKeys entry a sweep has, which lets it judge a compliant key
 * on its policy alone).
 */
export function guardKey(
  kms: KmsPort,
  keyRef: string,
  ctx: ResourceContext,
  deps: PipelineDeps,
  listed?: KeyListEntry,
) {
  return guardResource(kmsKeyDriver, kms, keyRef, ctx, deps, listed);
}

/** Guard one VPC endpoint (`known`: the record a listing already returned, used for the first read). */
export function guardEndpoint(
  ec2: Ec2Port,
  endpointId: string,
  ctx: ResourceContext,
  deps: PipelineDeps,
  known?: VpcEndpointRecord,
) {
  return guardResource(vpcEndpointDriver, ec2, endpointId, ctx, deps, known);
}
