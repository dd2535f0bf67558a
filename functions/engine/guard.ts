/**
 * The one guard loop, for every kind of resource: read what the rules declared → judge → plan →
 * prove → precheck → re-read and compare → write once → read back → settle outcomes and alerts.
 * What differs between keys and endpoints is the driver (engine/kinds/), what differs between
 * changes is the remediation module (functions/remediations/).
 */
import type { GuardConfig, RuleId } from '../config/schema.js';
import { AwsCallError } from '../errors.js';
import { withBudget } from '../policy/budget.js';
import { remediationOf } from '../remediations/index.js';
import type { ChangeAction, ResourceWrite } from '../remediations/types.js';
import type { ChangePlan, Resource } from '../rules/types.js';
import { noticeAlert } from './alerts.js';
import {
  defaultSleep,
  MAX_JUDGE_ROUNDS,
  type OutcomeBase,
  type PipelineDeps,
  READ_BACK_DELAY_MS,
  type ResourceContext,
  type ResourceOutcome,
} from './deps.js';
import { type Intents, intentsOf } from './intents.js';
import { judge } from './judge.js';
import { kmsKeyDriver } from './kinds/kms-key.js';
import type { ResourceDriver } from './kinds/types.js';
import { vpcEndpointDriver } from './kinds/vpc-endpoint.js';
import { exemptionNotices, overwrittenChange } from './notices.js';
import {
  type Applied,
  alertTrigger,
  countApplied,
  errorOutcome,
  handleResourceError,
  isRetryable,
  settle,
} from './outcomes.js';
import type { Ec2Port, KmsPort, VpcEndpointRecord } from './ports.js';
import { planRemediations, type RemediationDecision } from './remediation.js';

/** Lambdas and sweeps judge and plan one resource within this budget unless the config sets one. */
const DEFAULT_ANALYSIS_BUDGET_MS = 2_000;

/** Upper bound of the random wait before an event-triggered write's final re-read. */
export const REPLAY_JITTER_MS = 400;

/**
 * Judge and plan one resource within its analysis budget: a policy that would take longer gets
 * unproven findings ("analysis budget exceeded") and no remediation, so one hostile policy cannot
 * hold a handler until its timeout or stall a sweep.
 */
function assess(resource: Resource, config: GuardConfig, intents: Intents, now: Date) {
  return withBudget(config.analysisBudgetMs ?? DEFAULT_ANALYSIS_BUDGET_MS, () => {
    const verdict = judge(resource, config, now);
    return { verdict, decisions: planRemediations(verdict, config, intents) };
  });
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

type Planned = Extract<RemediationDecision, { status: 'planned' }>;

/** Remediation prechecks that read AWS (private DNS: the VPC's DNS attributes): refusals, with why. */
async function precheck<P>(
  driver: ResourceDriver<P, unknown, unknown>,
  port: P,
  resource: Resource,
  decisions: RemediationDecision[],
): Promise<RemediationDecision[]> {
  const reads = driver.precheckReads(port);
  const out: RemediationDecision[] = [];
  for (const d of decisions) {
    const module = d.status === 'planned' ? remediationOf(d.plan.kind) : undefined;
    const check = module?.precheck as
      | ((r: typeof reads & object, res: Resource, p: ChangePlan) => Promise<string | undefined>)
      | undefined;
    if (d.status !== 'planned' || !check || !reads) {
      out.push(d);
      continue;
    }
    const refusal = await check(reads, resource, d.plan);
    out.push(refusal ? { rule: d.rule, status: 'refused', reason: refusal, plan: d.plan } : d);
  }
  return out;
}

/** Write every planned change in one call, then read back until each is confirmed. */
async function applyPlanned<P>(
  driver: ResourceDriver<P, unknown, unknown>,
  port: P,
  id: string,
  planned: Planned[],
  applied: Applied,
  deps: PipelineDeps,
): Promise<number> {
  const write: ResourceWrite = {};
  for (const d of planned)
    (remediationOf(d.plan.kind).contribute as (p: ChangePlan, w: ResourceWrite) => void)(d.plan, write);
  try {
    await driver.write(port, id, write);
  } catch (err) {
    if (isRetryable(err) || !(err instanceof AwsCallError)) throw err;
    // e.g. KMS refusing the policy (its lockout safety check): report, do not retry. The calls
    // before the failing one were made (a revoked grant stays revoked), the later ones were not.
    const failedAt = driver.writeOrder.indexOf(err.operation as ChangeAction);
    for (const d of planned) {
      const at = driver.writeOrder.indexOf(remediationOf(d.plan.kind).action);
      if (failedAt >= 0 && at < failedAt) applied.remediated.add(d.rule);
      else if (failedAt >= 0 && at > failedAt)
        applied.failed.set(
          d.rule,
          `not attempted: ${err.operation} failed first (${err.code}: ${err.message})`,
        );
      else
        applied.failed.set(
          d.rule,
          `${err.operation || driver.writeAction} failed: ${err.code}: ${err.message}`,
        );
    }
    return failedAt > 0 ? 1 : 0;
  }
  const sleep = deps.sleep ?? defaultSleep;
  const confirmedBy = (back: Awaited<ReturnType<typeof driver.readBack>>) =>
    planned.every((d) =>
      (remediationOf(d.plan.kind).confirmed as (b: typeof back, p: ChangePlan, w: ResourceWrite) => boolean)(
        back,
        d.plan,
        write,
      ),
    );
  let back = await driver.readBack(port, id);
  for (let attempt = 2; attempt <= driver.readBackAttempts && !confirmedBy(back); attempt++) {
    await sleep(READ_BACK_DELAY_MS);
    back = await driver.readBack(port, id);
  }
  const confirmed = confirmedBy(back);
  if (!confirmed) deps.log.warn('the resource read back does not show the change', { resourceId: id });
  for (const d of planned) {
    if (confirmed) applied.remediated.add(d.rule);
    else applied.failed.set(d.rule, driver.unconfirmed(back));
  }
  return 1;
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
      const read = await driver.read(port, ref, ctx, deps, round === 1 ? known : undefined);
      base = { ...base, id: read.id, ...(read.arn ? { arn: read.arn } : {}) };
      if (read.kind !== 'ok') {
        if (read.kind === 'unjudgeable') return errorOutcome(base, 'judge', read.reason, deps, ctx);
        deps.log.info(`${driver.type} ${read.kind}`, { resourceId: read.id, reason: read.reason });
        return {
          ...base,
          status: read.kind,
          reason: read.reason,
          rules: [],
          writes,
          rounds: round,
          alerts: [],
        };
      }
      stage = 'judge';
      const { verdict, decisions: judged } = assess(read.resource, deps.config, intents, now());
      deps.metrics.count('ResourcesJudged');
      const overwritten =
        round === 1 && ctx.trigger ? overwrittenChange(ctx.trigger, read.resource, deps.config) : undefined;
      stage = 'read';
      const decisions = await precheck(d, port, read.resource, judged);
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
          writes += await applyPlanned(d, port, read.id, planned, applied, deps);
        }
        countApplied(planned, applied, deps);
      }
      const { rules, alerts } = settle(verdict, intents, decisions, applied, deps, ctx);
      if (overwritten && ctx.trigger) alerts.push(overwrittenNotice(base, ctx, overwritten, now()));
      alerts.push(...exemptionNotices(ctx, verdict, deps.config, now()));
      return { ...base, status: 'judged', rules, verdict, writes, rounds: round, alerts };
    }
  } catch (err) {
    return handleResourceError(err, base, deps, ctx, stage);
  }
}

function overwrittenNotice(base: OutcomeBase, ctx: ResourceContext, details: string[], time: Date) {
  const t = ctx.trigger!;
  const trigger = alertTrigger(t);
  const what = base.type === 'kms-key' ? 'key policy' : 'endpoint policy';
  return noticeAlert({
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
  });
}

/** Guard one KMS key. */
export function guardKey(kms: KmsPort, keyRef: string, ctx: ResourceContext, deps: PipelineDeps) {
  return guardResource(kmsKeyDriver, kms, keyRef, ctx, deps);
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
