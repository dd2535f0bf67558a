/**
 * The one pipeline behind events, sweeps and the CLI's live commands:
 * resolve ids → read state → judge → plan → prove the plan safe → apply or report → notify.
 *
 * Pure orchestration over ports (`adapters/types.ts`): no `@aws-sdk` import here, so every path,
 * races and failures included, is tested with in-memory ports or client mocks.
 */
import { isDeepStrictEqual } from 'node:util';
import type { GuardConfig, RuleId } from '../config/schema.js';
import { AlertDeliveryError, AwsCallError, RoleAssumptionError } from '../errors.js';
import { parseTrigger } from '../events/triggers.js';
import { TAGGING_EVENTS, type Trigger, type TriggerResult } from '../events/types.js';
import { withBudget } from '../policy/budget.js';
import { parsePolicyText } from '../policy/parse.js';
import type { Policy } from '../policy/types.js';
import { isKmsInterfaceEndpoint } from '../rules/applicability.js';
import { canonicalJson, isGuardWritten } from '../rules/guard-statements.js';
import type { EndpointResource, KeyResource, RemediationPlan, Resource } from '../rules/types.js';
import type {
  AlertEntry,
  AlertResourceDoc,
  AlertStatus,
  AlertTrigger,
  ErrorAlertInput,
  FindingAlertInput,
} from './alert-types.js';
import { errorAlert, findingAlerts, noticeAlert } from './alerts.js';
import { retryNotFound } from './eventual-consistency.js';
import { type JudgeStatus, judge, type Verdict } from './judge.js';
import type { Ec2Port, KeyDescription, KmsPort, VpcEndpointRecord } from './ports.js';
import { planRemediations, type RemediationDecision } from './remediation.js';

// ------------------------------------------------------------------------------------------- ports

/** Ports for one account-region; the STS role behind them is assumed lazily and may fail. */
/** Each handler wires only the ports its trigger family uses (so its bundle holds only those clients). */
export interface GuardPorts {
  kms?(account: string, region: string): Promise<KmsPort>;
  ec2?(account: string, region: string): Promise<Ec2Port>;
}

function port<K extends keyof GuardPorts>(ports: GuardPorts, name: K): NonNullable<GuardPorts[K]> {
  const p = ports[name];
  if (!p) throw new Error(`the ${name} port is not wired in this handler`);
  return p as NonNullable<GuardPorts[K]>;
}

export interface GuardLog {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export type MetricName =
  | 'Findings'
  | 'RemediationsApplied'
  | 'RemediationsFailed'
  | 'RemediationsRefused'
  | 'DryRunPlans'
  | 'AlertsPublished'
  | 'AlertsFailed'
  | 'GuardErrors'
  | 'EventsIgnored'
  | 'EventsInvalid'
  | 'ResourcesJudged';

export interface GuardMetrics {
  count(name: MetricName, value?: number, rule?: RuleId): void;
}

/**
 * Publishes alert entries (SNS PublishBatch in production, which retries what SNS did not take);
 * returns how many could not be sent and, when known, which (entry `Id`s).
 */
export type Notify = (
  entries: AlertEntry[],
) => Promise<{ failed: number; errors: string[]; failedIds?: string[] }>;

/**
 * Where alerts go that SNS would not take after its retries (a queue in production, watched by an
 * alarm): a remediation is reported at least once even when the topic is unusable.
 */
export type KeepUndelivered = (entries: AlertEntry[], reason: string) => Promise<void>;

export interface PipelineDeps {
  config: GuardConfig;
  ports: GuardPorts;
  notify: Notify;
  /** Absent in the CLI (it publishes nothing) and in tests that do not exercise delivery failures. */
  keepUndelivered?: KeepUndelivered;
  log: GuardLog;
  metrics: GuardMetrics;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); Math.random by default (tests inject a seeded one). */
  random?: () => number;
}

// ---------------------------------------------------------------------------------------- outcomes

/** What happened to one rule on one resource. */
export type RuleOutcomeStatus = JudgeStatus | AlertStatus;

export interface RuleOutcome {
  rule: RuleId;
  status: RuleOutcomeStatus;
  reason?: string;
  /** `remediation-failed` without any write attempted: the planner or prover refused the change. */
  refused?: true;
}

export type ResourceStatus = 'judged' | 'gone' | 'skipped' | 'error';

export interface ResourceOutcome {
  type: Resource['type'];
  /** The id the guard was asked about (key id/ARN/alias, endpoint id), or the resolved key id. */
  id: string;
  arn?: string;
  account: string;
  region: string;
  status: ResourceStatus;
  /** Why the resource was skipped, gone, or not judged. */
  reason?: string;
  rules: RuleOutcome[];
  verdict?: Verdict;
  /** Writes made (PutKeyPolicy, ModifyVpcEndpoint). */
  writes: number;
  /** Judge rounds (more than 1 when the resource changed between judging and writing). */
  rounds: number;
  alerts: AlertEntry[];
}

export interface ResourceContext {
  account: string;
  region: string;
  trigger?: Trigger;
}

/** How many times a resource is re-judged when it keeps changing between read and write. */
export const MAX_JUDGE_ROUNDS = 3;
/** Read-backs after a write before the guard says it could not confirm it (EC2 is eventually consistent). */
export const READ_BACK_ATTEMPTS = 3;
export const READ_BACK_DELAY_MS = 1_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Upper bound of the random wait before an event-triggered write's final re-read. */
export const REPLAY_JITTER_MS = 400;

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

function alertTrigger(trigger: Trigger | undefined): AlertTrigger | undefined {
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
function isRetryable(err: unknown): boolean {
  return err instanceof AwsCallError && err.retryable;
}

function errorOutcome(
  base: Omit<ResourceOutcome, 'status' | 'rules' | 'writes' | 'rounds' | 'alerts'>,
  stage: ErrorAlertInput['stage'],
  message: string,
  deps: PipelineDeps,
  ctx: ResourceContext,
  code?: string,
): ResourceOutcome {
  deps.log.error(message, { stage, resourceId: base.id, account: base.account, region: base.region, code });
  deps.metrics.count('GuardErrors');
  const resource: AlertResourceDoc = {
    type: base.type,
    id: base.id,
    account: base.account,
    region: base.region,
    ...(base.arn ? { arn: base.arn } : {}),
  };
  const trigger = alertTrigger(ctx.trigger);
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
  return { ...base, status: 'error', reason: message, rules: [], writes: 0, rounds: 0, alerts: [alert] };
}

/** Map an error while handling one resource: rethrow retryable ones, report the rest. */
function handleResourceError(
  err: unknown,
  base: Omit<ResourceOutcome, 'status' | 'rules' | 'writes' | 'rounds' | 'alerts'>,
  deps: PipelineDeps,
  ctx: ResourceContext,
  stage: ErrorAlertInput['stage'],
): ResourceOutcome {
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

interface Applied {
  /** Rules whose plan was applied and confirmed by read-back. */
  remediated: Set<RuleId>;
  /** Rules whose remediation failed or was refused, with the reason. */
  failed: Map<RuleId, string>;
}

/** Turn a verdict, the planner's decisions and what was applied into per-rule outcomes and alerts. */
function settle(
  verdict: Verdict,
  decisions: RemediationDecision[],
  applied: Applied,
  deps: PipelineDeps,
  ctx: ResourceContext,
): { rules: RuleOutcome[]; alerts: AlertEntry[] } {
  const { config } = deps;
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
    if (config.rules[result.rule] !== 'remediate') {
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
    } else if (config.dryRun) {
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
  return { rules, alerts: findingAlerts(inputs) };
}

const noPlan = (rule: RuleId, reason?: string): RemediationPlan => ({
  kind: 'none',
  rule,
  reason: reason ?? 'no remediation planned',
});

function countApplied(planned: readonly { rule: RuleId }[], applied: Applied, deps: PipelineDeps): void {
  for (const d of planned) {
    deps.metrics.count(
      applied.remediated.has(d.rule) ? 'RemediationsApplied' : 'RemediationsFailed',
      1,
      d.rule,
    );
  }
}

/** Lambdas and sweeps judge and plan one resource within this budget unless the config sets one. */
export const DEFAULT_ANALYSIS_BUDGET_MS = 2_000;

/**
 * Judge and plan one resource within its analysis budget: a policy that would take longer gets
 * unproven findings ("analysis budget exceeded") and no remediation, so one hostile policy cannot
 * hold a handler until its timeout or stall a sweep.
 */
function assess(resource: Resource, config: GuardConfig, now: Date) {
  return withBudget(config.analysisBudgetMs ?? DEFAULT_ANALYSIS_BUDGET_MS, () => {
    const verdict = judge(resource, config, now);
    return { verdict, decisions: planRemediations(verdict, config) };
  });
}

// --------------------------------------------------------------------------------------------- keys

type KeyRead =
  | { kind: 'ok'; description: KeyDescription; resource: KeyResource; policyText: string }
  | { kind: 'skipped'; description: KeyDescription; reason: string }
  | { kind: 'unjudgeable'; description: KeyDescription; reason: string };

async function readKey(
  kms: KmsPort,
  keyRef: string,
  ctx: ResourceContext,
  deps: PipelineDeps,
): Promise<KeyRead> {
  // Right after CreateKey, KMS may not see the key yet (eventual consistency): retry not-found briefly.
  // https://docs.aws.amazon.com/kms/latest/developerguide/programming-eventual-consistency.html
  const description =
    ctx.trigger?.eventName === 'CreateKey'
      ? await retryNotFound(() => kms.describeKey(keyRef), deps.sleep ? { sleep: deps.sleep } : {})
      : await kms.describeKey(keyRef);
  if (description.keyManager === 'AWS') {
    // AWS-managed keys: AWS owns and rotates their policies; they cannot be changed (SPEC §1).
    return { kind: 'skipped', description, reason: 'AWS-managed key' };
  }
  // GetKeyPolicy and ListResourceTags take a key id or ARN, never an alias: use DescribeKey's id.
  // They are independent: one round trip for both (an event's latency is its sequential round trips).
  const [policyText, tags] = await Promise.all([
    kms.getKeyPolicy(description.keyId),
    kms.listResourceTags(description.keyId),
  ]);
  const parsed = parsePolicyText(policyText);
  if (!parsed.ok) {
    const issues = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return { kind: 'unjudgeable', description, reason: `the key policy cannot be judged: ${issues}` };
  }
  const resource: KeyResource = {
    type: 'kms-key',
    id: description.keyId,
    arn: description.arn,
    account: description.account,
    region: description.region,
    policy: parsed.value,
    tags,
    ...(description.keyManager ? { keyManager: description.keyManager } : {}),
    ...(description.keyState ? { keyState: description.keyState } : {}),
  };
  return { kind: 'ok', description, resource, policyText };
}

const samePolicy = (a: string, b: Policy | string): boolean => {
  try {
    const right = typeof b === 'string' ? JSON.parse(b) : b.raw;
    return isDeepStrictEqual(JSON.parse(a), right);
  } catch {
    return false;
  }
};

/**
 * Guard one KMS key: read, judge, plan, prove, apply (read-compare-write, then read back), report.
 * Never throws for a problem with this key except retryable AWS errors.
 */
export async function guardKey(
  kms: KmsPort,
  keyRef: string,
  ctx: ResourceContext,
  deps: PipelineDeps,
): Promise<ResourceOutcome> {
  let base: Omit<ResourceOutcome, 'status' | 'rules' | 'writes' | 'rounds' | 'alerts'> = {
    type: 'kms-key',
    id: keyRef,
    account: ctx.account,
    region: ctx.region,
  };
  const now = deps.now ?? (() => new Date());
  let writes = 0;
  let stage: ErrorAlertInput['stage'] = 'read';
  try {
    for (let round = 1; ; round++) {
      stage = 'read';
      const read = await readKey(kms, keyRef, ctx, deps);
      base = { ...base, id: read.description.keyId, arn: read.description.arn };
      if (read.kind === 'skipped') {
        deps.log.info('key skipped', { keyId: read.description.keyId, reason: read.reason });
        return {
          ...base,
          status: 'skipped',
          reason: read.reason,
          rules: [],
          writes,
          rounds: round,
          alerts: [],
        };
      }
      if (read.kind === 'unjudgeable') return errorOutcome(base, 'judge', read.reason, deps, ctx);

      stage = 'judge';
      const { verdict, decisions } = assess(read.resource, deps.config, now());
      deps.metrics.count('ResourcesJudged');
      const overwritten =
        round === 1 && ctx.trigger
          ? overwrittenChange(ctx.trigger, read.resource.policy, deps.config)
          : undefined;
      const planned = decisions.filter((d) => d.status === 'planned');
      const applied: Applied = { remediated: new Set(), failed: new Map() };
      if (read.resource.keyManager === undefined && planned.length > 0) {
        // DescribeKey did not say who manages the key: never write to what may be an AWS-managed key.
        for (const d of planned)
          applied.failed.set(d.rule, 'DescribeKey did not return KeyManager; not remediated');
      } else if (planned.length > 0 && !deps.config.dryRun) {
        stage = 'remediate';
        const last = planned.at(-1)?.plan;
        if (last?.kind !== 'put-key-policy') throw new Error('a key plan must be put-key-policy');
        // Read-compare-write: KMS has no conditional PutKeyPolicy, so re-read right before writing
        // and start over if anyone changed the policy since it was judged (never overwrite a change
        // we did not judge). https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
        await spreadReplays(ctx, deps);
        const current = await kms.getKeyPolicy(read.description.keyId);
        if (!samePolicy(current, read.policyText)) {
          deps.log.warn('key policy changed since it was judged; judging again', { keyId: base.id, round });
          if (round < MAX_JUDGE_ROUNDS) continue;
          for (const d of planned)
            applied.failed.set(d.rule, `the key policy kept changing (${round} rounds); not remediated`);
        } else {
          // Exactly the bytes the prover checked (size, original statements verbatim).
          const text = last.policyText;
          try {
            await kms.putKeyPolicy(read.description.keyId, text);
            writes++;
          } catch (err) {
            if (isRetryable(err) || !(err instanceof AwsCallError)) throw err;
            // e.g. MalformedPolicyDocumentException from KMS's lockout safety check: report, do not retry.
            for (const d of planned)
              applied.failed.set(d.rule, `PutKeyPolicy failed: ${err.code}: ${err.message}`);
          }
          if (writes > 0) {
            const confirmed = await confirmKeyWrite(kms, read.description.keyId, text, deps);
            for (const d of planned) {
              if (confirmed === true) applied.remediated.add(d.rule);
              else applied.failed.set(d.rule, confirmed);
            }
          }
        }
        countApplied(planned, applied, deps);
      }
      const { rules, alerts } = settle(verdict, decisions, applied, deps, ctx);
      if (overwritten && ctx.trigger) {
        const trigger = alertTrigger(ctx.trigger);
        alerts.push(
          noticeAlert({
            notice: 'policy-change-overwritten',
            severity: 'medium',
            message: `The key policy ${ctx.trigger.actorArn ?? 'someone'} wrote at ${ctx.trigger.eventTime} is not the live policy: a later write replaced it, possibly the guard's remediation started from an earlier read (KMS has no conditional write). Re-apply the change if it is still wanted.`,
            account: base.account,
            region: base.region,
            resource: {
              type: 'kms-key',
              id: base.id,
              account: base.account,
              region: base.region,
              ...(base.arn ? { arn: base.arn } : {}),
            },
            details: overwritten,
            ...(trigger ? { trigger } : {}),
            time: now(),
          }),
        );
      }
      alerts.push(...exemptionNotices(ctx, verdict, deps.config, now()));
      return { ...base, status: 'judged', rules, verdict, writes, rounds: round, alerts };
    }
  } catch (err) {
    return handleResourceError(err, base, deps, ctx, stage);
  }
}

/**
 * The guard's own writes: member-role sessions are named `kms-perimeter-guard-<function>`
 * (handlers/runtime.ts) and the Lambdas' own sessions carry the function name, which starts with
 * the service name.
 */
function isGuardActor(trigger: Trigger): boolean {
  return /:assumed-role\/[^/]+\/kms-perimeter-guard/.test(trigger.actorArn ?? '');
}

/**
 * A PutKeyPolicy whose policy is no longer the live one although the live one carries a guard
 * statement: a later write replaced it, and the guard's remediation (which started from an earlier
 * read: KMS has no conditional write) may be that write. Returns what the change had that the
 * live policy lacks, or undefined when the change is in force (the guard statements aside).
 */
function overwrittenChange(trigger: Trigger, live: Policy, config: GuardConfig): string[] | undefined {
  if (trigger.eventName !== 'PutKeyPolicy' || trigger.policyText === undefined || isGuardActor(trigger))
    return undefined;
  const written = parsePolicyText(trigger.policyText, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!written.ok) return undefined;
  const own = (s: { raw: unknown }) => isGuardWritten(s.raw, config);
  if (!live.statements.some(own)) return undefined;
  const liveTexts = new Set(live.statements.filter((s) => !own(s)).map((s) => canonicalJson(s.raw)));
  const theirs = written.value.statements.filter((s) => !own(s));
  const missing = theirs.filter((s) => !liveTexts.has(canonicalJson(s.raw)));
  if (missing.length === 0 && theirs.length === liveTexts.size) return undefined;
  return missing.length > 0
    ? missing.map((s) => `${s.sid ?? s.path} is not in the live policy: ${JSON.stringify(s.raw)}`)
    : ['the live policy has statements this change did not write'];
}

function setsExemption(trigger: Trigger, config: GuardConfig): boolean {
  return (trigger.tags ?? []).some((t) => t.key === config.exemptionTagKey);
}

/**
 * The event that sets an exemption tag is the one moment the exemption is new: it is alerted then,
 * once (granted, or ignored with the reason: malformed, no end date, too long, expired).
 */
function exemptionNotices(
  ctx: ResourceContext,
  verdict: Verdict,
  config: GuardConfig,
  time: Date,
): AlertEntry[] {
  const trigger = ctx.trigger;
  if (!trigger || !setsExemption(trigger, config)) return [];
  const value = trigger.tags?.find((t) => t.key === config.exemptionTagKey)?.value ?? '';
  const r = verdict.resource;
  const resource: AlertResourceDoc = {
    type: r.type,
    id: r.id,
    account: r.account ?? ctx.account,
    region: r.region ?? ctx.region,
    ...(r.type === 'kms-key' && r.arn ? { arn: r.arn } : {}),
  };
  const judged = verdict.results.filter((x) => x.status !== 'off' && x.status !== 'not-applicable');
  const covered = judged.filter((x) => x.exemption);
  const ignored = covered.filter((x) => x.exemption?.expired || x.exemption?.ignored);
  const granted = covered.filter((x) => !x.exemption?.expired && !x.exemption?.ignored);
  const who = trigger.actorArn ?? 'someone';
  const common = {
    account: resource.account ?? ctx.account,
    region: resource.region ?? ctx.region,
    resource,
    ...(alertTrigger(trigger) ? { trigger: alertTrigger(trigger)! } : {}),
    time,
  };
  const out: AlertEntry[] = [];
  if (granted.length > 0) {
    const until = granted[0]?.exemption?.until;
    out.push(
      noticeAlert({
        ...common,
        notice: 'exemption-granted',
        severity: 'medium',
        rules: granted.map((x) => x.rule),
        message: `${who} exempted ${r.type} ${r.id} from ${granted.map((x) => x.rule).join(', ')}${until ? ` until ${until}` : ''} (tag ${config.exemptionTagKey}=${JSON.stringify(value)}): its findings are reported as exempt and neither alerted nor remediated.`,
        details: granted.map(
          (x) => `${x.rule}: ${x.status === 'exempt' ? 'has findings, now exempt' : 'compliant today'}`,
        ),
      }),
    );
  }
  if (ignored.length > 0 || covered.length === 0) {
    const why =
      ignored.map((x) => `${x.rule}: ${x.exemption?.ignored ?? `expired ${x.exemption?.until}`}`) ?? [];
    out.push(
      noticeAlert({
        ...common,
        notice: 'exemption-ignored',
        severity: 'medium',
        ...(ignored.length ? { rules: ignored.map((x) => x.rule) } : {}),
        message: `${who} set ${config.exemptionTagKey}=${JSON.stringify(value)} on ${r.type} ${r.id}, which exempts nothing: ${covered.length === 0 ? 'the value names no rule of this resource in the form <rule-id>[,<rule-id>...]|*;until=YYYY-MM-DD' : 'see the reasons'}. Findings stay alerted and remediated.`,
        ...(why.length ? { details: why } : {}),
      }),
    );
  }
  return out;
}

/** Read the key policy back after a write: `true`, or why the write is not confirmed. */
async function confirmKeyWrite(
  kms: KmsPort,
  keyId: string,
  written: string,
  deps: PipelineDeps,
): Promise<true | string> {
  const back = await kms.getKeyPolicy(keyId);
  if (samePolicy(back, written)) return true;
  // Someone wrote after us (their event will bring us back), or KMS did not keep our write.
  deps.log.warn('key policy read back differs from what was written', { keyId });
  return 'the key policy read back after PutKeyPolicy differs from what the guard wrote (changed again since?)';
}

// ---------------------------------------------------------------------------------------- endpoints

function endpointResource(
  e: VpcEndpointRecord,
  ctx: ResourceContext,
): { resource?: EndpointResource; problem?: string } {
  const resource: EndpointResource = {
    type: 'vpc-endpoint',
    id: e.id,
    account: e.ownerId ?? ctx.account,
    region: ctx.region,
    serviceName: e.serviceName,
    vpcEndpointType: e.vpcEndpointType,
    requesterManaged: e.requesterManaged,
    privateDnsEnabled: e.privateDnsEnabled,
    vpcId: e.vpcId,
    tags: e.tags,
  };
  if (e.policyDocument !== undefined && e.policyDocument !== '') {
    const parsed = parsePolicyText(e.policyDocument);
    if (!parsed.ok) {
      const issues = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      return { problem: `the endpoint policy cannot be judged: ${issues}` };
    }
    resource.policy = parsed.value;
  }
  return { resource };
}

const sameEndpointState = (a: VpcEndpointRecord, b: VpcEndpointRecord): boolean =>
  a.privateDnsEnabled === b.privateDnsEnabled &&
  (a.policyDocument === b.policyDocument ||
    (a.policyDocument !== undefined &&
      b.policyDocument !== undefined &&
      samePolicy(a.policyDocument, b.policyDocument)));

/** Guard one VPC endpoint (same steps as keys; ModifyVpcEndpoint for the fix). */
export async function guardEndpoint(
  ec2: Ec2Port,
  endpointId: string,
  ctx: ResourceContext,
  deps: PipelineDeps,
  known?: VpcEndpointRecord,
): Promise<ResourceOutcome> {
  const base = { type: 'vpc-endpoint' as const, id: endpointId, account: ctx.account, region: ctx.region };
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? defaultSleep;
  let writes = 0;
  let stage: ErrorAlertInput['stage'] = 'read';
  try {
    for (let round = 1; ; round++) {
      stage = 'read';
      const record = round === 1 && known ? known : await ec2.describeVpcEndpoint(endpointId);
      const { resource, problem } = endpointResource(record, ctx);
      if (!resource) return errorOutcome(base, 'judge', problem ?? 'unreadable endpoint', deps, ctx);
      if (!isKmsInterfaceEndpoint(resource)) {
        // Events for other services' endpoints are expected (the EventBridge rule cannot filter on
        // the service): recognised here, after the re-read, and skipped.
        const reason = `not a KMS interface endpoint (${record.serviceName}, ${record.vpcEndpointType})`;
        deps.log.debug('endpoint skipped', { endpointId, reason });
        return { ...base, status: 'skipped', reason, rules: [], writes, rounds: round, alerts: [] };
      }
      if (record.state === 'deleted' || record.state === 'deleting') {
        return {
          ...base,
          status: 'gone',
          reason: `endpoint is ${record.state}`,
          rules: [],
          writes,
          rounds: round,
          alerts: [],
        };
      }
      stage = 'judge';
      const assessed = assess(resource, deps.config, now());
      const verdict = assessed.verdict;
      let decisions = assessed.decisions;
      deps.metrics.count('ResourcesJudged');
      const applied: Applied = { remediated: new Set(), failed: new Map() };

      // Private DNS needs the VPC's enableDnsSupport and enableDnsHostnames; check before planning
      // the call so a refusal says why. https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
      if (
        decisions.some(
          (d) => d.status === 'planned' && d.plan.kind === 'modify-vpc-endpoint' && d.plan.privateDnsEnabled,
        )
      ) {
        stage = 'read';
        const dns = await ec2.describeVpcDnsAttributes(record.vpcId);
        const off = [
          ...(dns.enableDnsSupport ? [] : ['enableDnsSupport=false']),
          ...(dns.enableDnsHostnames ? [] : ['enableDnsHostnames=false']),
        ];
        if (off.length > 0) {
          decisions = decisions.map((d) =>
            d.status === 'planned' && d.plan.kind === 'modify-vpc-endpoint' && d.plan.privateDnsEnabled
              ? {
                  rule: d.rule,
                  status: 'refused' as const,
                  reason: `VPC ${record.vpcId} has ${off.join(' and ')}; private DNS needs both attributes on`,
                  plan: d.plan,
                }
              : d,
          );
        }
      }
      const planned = decisions.filter(
        (d): d is Extract<RemediationDecision, { status: 'planned' }> => d.status === 'planned',
      );
      if (planned.length > 0 && !deps.config.dryRun) {
        stage = 'remediate';
        await spreadReplays(ctx, deps);
        const current = await ec2.describeVpcEndpoint(endpointId);
        if (!sameEndpointState(current, record)) {
          deps.log.warn('endpoint changed since it was judged; judging again', { endpointId, round });
          if (round < MAX_JUDGE_ROUNDS) {
            known = undefined;
            continue;
          }
          for (const d of planned)
            applied.failed.set(d.rule, `the endpoint kept changing (${round} rounds); not remediated`);
        } else {
          // One ModifyVpcEndpoint carries both fixes when both are planned.
          let privateDnsEnabled: boolean | undefined;
          let policyDocument: string | undefined;
          for (const d of planned) {
            if (d.plan.kind !== 'modify-vpc-endpoint') continue;
            if (d.plan.privateDnsEnabled !== undefined) privateDnsEnabled = d.plan.privateDnsEnabled;
            if (d.plan.policyText !== undefined) policyDocument = d.plan.policyText;
          }
          try {
            await ec2.modifyVpcEndpoint({
              id: endpointId,
              ...(privateDnsEnabled !== undefined ? { privateDnsEnabled } : {}),
              ...(policyDocument !== undefined ? { policyDocument } : {}),
            });
            writes++;
          } catch (err) {
            if (isRetryable(err) || !(err instanceof AwsCallError)) throw err;
            for (const d of planned)
              applied.failed.set(d.rule, `ModifyVpcEndpoint failed: ${err.code}: ${err.message}`);
          }
          if (writes > 0) {
            let confirmed = false;
            let last: VpcEndpointRecord | undefined;
            for (let attempt = 1; attempt <= READ_BACK_ATTEMPTS && !confirmed; attempt++) {
              if (attempt > 1) await sleep(READ_BACK_DELAY_MS);
              last = await ec2.describeVpcEndpoint(endpointId);
              confirmed =
                (privateDnsEnabled === undefined || last.privateDnsEnabled === privateDnsEnabled) &&
                (policyDocument === undefined ||
                  (last.policyDocument !== undefined && samePolicy(last.policyDocument, policyDocument)));
            }
            for (const d of planned) {
              if (confirmed) applied.remediated.add(d.rule);
              else
                applied.failed.set(
                  d.rule,
                  `read-back after ModifyVpcEndpoint does not show the change (PrivateDnsEnabled=${last?.privateDnsEnabled})`,
                );
            }
          }
        }
        countApplied(planned, applied, deps);
      }
      const { rules, alerts } = settle(verdict, decisions, applied, deps, ctx);
      alerts.push(...exemptionNotices(ctx, verdict, deps.config, now()));
      return { ...base, status: 'judged', rules, verdict, writes, rounds: round, alerts };
    }
  } catch (err) {
    return handleResourceError(err, base, deps, ctx, stage);
  }
}

// ------------------------------------------------------------------------------------------- events

export interface EventOutcome {
  eventId?: string;
  kind: 'processed' | 'ignored' | 'invalid';
  reason?: string;
  resources: ResourceOutcome[];
  alertsPublished: number;
  alertsFailed: number;
}

/**
 * Publish alerts in PublishBatch calls. What SNS does not take after its retries is counted
 * (`AlertsFailed`, which an alarm watches), logged in full, and handed to `keepUndelivered` (a
 * queue): an alert is lost only if both fail, and then `AlertDeliveryError` is thrown so the
 * invocation fails visibly (Lambda's retry and error alarm) instead of returning success.
 */
export async function publishAlerts(
  alerts: AlertEntry[],
  deps: PipelineDeps,
): Promise<{ published: number; failed: number; kept: number }> {
  if (alerts.length === 0) return { published: 0, failed: 0, kept: 0 };
  let undelivered: AlertEntry[];
  let reason: string;
  try {
    const { failed, errors, failedIds } = await deps.notify(alerts);
    if (failed === 0) {
      deps.metrics.count('AlertsPublished', alerts.length);
      return { published: alerts.length, failed: 0, kept: 0 };
    }
    // Without ids, every entry counts as undelivered: a duplicate beats a lost alert.
    const ids = failedIds ? new Set(failedIds) : undefined;
    undelivered = ids ? alerts.filter((a) => ids.has(a.Id)) : alerts;
    reason = errors.join('; ') || `${failed} alerts refused`;
  } catch (err) {
    undelivered = alerts;
    reason = err instanceof Error ? err.message : String(err);
  }
  const published = alerts.length - undelivered.length;
  if (published > 0) deps.metrics.count('AlertsPublished', published);
  deps.metrics.count('AlertsFailed', undelivered.length);
  deps.log.error('alerts could not be published', {
    failed: undelivered.length,
    reason,
    alerts: undelivered.map((a) => ({ id: a.Id, subject: a.Subject, attributes: a.MessageAttributes })),
  });
  if (!deps.keepUndelivered) return { published, failed: undelivered.length, kept: 0 };
  try {
    await deps.keepUndelivered(undelivered, reason);
    deps.log.warn('undelivered alerts kept in the undelivered-alerts queue', { count: undelivered.length });
    return { published, failed: undelivered.length, kept: undelivered.length };
  } catch (err) {
    throw new AlertDeliveryError(undelivered.length, `${reason}; keeping them failed too: ${String(err)}`, {
      cause: err,
    });
  }
}

/** Endpoints judged per event at most (a real record names one). */
export const MAX_ENDPOINTS_PER_EVENT = 25;

/**
 * Read several endpoints in one DescribeVpcEndpoints call. EC2 fails the whole call when one id
 * does not exist (InvalidVpcEndpointId.NotFound), and any other failure is left to the per-endpoint
 * reads: an empty map means "read each one", never "gone".
 */
async function readEndpointsAtOnce(
  ec2: Ec2Port,
  ids: string[],
  deps: PipelineDeps,
): Promise<Map<string, VpcEndpointRecord>> {
  const out = new Map<string, VpcEndpointRecord>();
  if (ids.length < 2) return out;
  try {
    for await (const e of ec2.describeVpcEndpoints({ ids })) out.set(e.id, e);
  } catch (err) {
    if (isRetryable(err)) throw err;
    deps.log.debug('batched endpoint read failed; reading one by one', { error: String(err) });
    out.clear();
  }
  return out;
}

/** Process one trigger (already parsed): every resource it names, one PublishBatch for all alerts. */
export async function processTrigger(trigger: Trigger, deps: PipelineDeps): Promise<EventOutcome> {
  const ctx: ResourceContext = { account: trigger.account, region: trigger.region, trigger };
  const resources: ResourceOutcome[] = [];
  if (trigger.family === 'key') {
    const base = {
      type: 'kms-key' as const,
      id: trigger.keyRef.value,
      account: ctx.account,
      region: ctx.region,
    };
    let kms: KmsPort | undefined;
    try {
      kms = await port(deps.ports, 'kms')(ctx.account, ctx.region);
    } catch (err) {
      resources.push(handleResourceError(err, base, deps, ctx, 'assume-role'));
    }
    if (kms) resources.push(await guardKey(kms, trigger.keyRef.value, ctx, deps));
  } else {
    let ec2: Ec2Port | undefined;
    try {
      ec2 = await port(deps.ports, 'ec2')(ctx.account, ctx.region);
    } catch (err) {
      const id = trigger.resourceIds.join(',');
      resources.push(
        handleResourceError(
          err,
          { type: 'vpc-endpoint', id, account: ctx.account, region: ctx.region },
          deps,
          ctx,
          'assume-role',
        ),
      );
    }
    if (ec2) {
      // A real CreateVpcEndpoint or ModifyVpcEndpoint names one endpoint. A record naming thousands
      // is malformed or hostile: judge the first few, read them in one call, report the rest.
      const ids = trigger.resourceIds.slice(0, MAX_ENDPOINTS_PER_EVENT);
      if (trigger.resourceIds.length > ids.length) {
        const message = `event ${trigger.eventId} names ${trigger.resourceIds.length} VPC endpoints; the first ${ids.length} were judged, the next sweep judges the others`;
        resources.push(
          errorOutcome(
            {
              type: 'vpc-endpoint',
              id: `${trigger.resourceIds.length} endpoints`,
              account: ctx.account,
              region: ctx.region,
            },
            'event',
            message,
            deps,
            ctx,
          ),
        );
      }
      const known = await readEndpointsAtOnce(ec2, ids, deps);
      for (const id of ids) resources.push(await guardEndpoint(ec2, id, ctx, deps, known.get(id)));
    }
  }
  const alerts = resources.flatMap((r) => r.alerts);
  const { published, failed } = await publishAlerts(alerts, deps);
  return {
    eventId: trigger.eventId,
    kind: 'processed',
    resources,
    alertsPublished: published,
    alertsFailed: failed,
  };
}

/**
 * Process one raw EventBridge event for a handler of `family`: parse it (never throws), ignore what
 * is not ours, report what cannot be understood (logged with its id and alerted, never retried
 * forever), and guard the rest.
 */
export async function processEvent(
  event: unknown,
  family: Trigger['family'],
  deps: PipelineDeps,
): Promise<EventOutcome> {
  const parsed: TriggerResult = parseTrigger(event);
  if (parsed.kind === 'ignored') {
    deps.log.debug('event ignored', { eventId: parsed.eventId, code: parsed.code, reason: parsed.reason });
    deps.metrics.count('EventsIgnored');
    return {
      ...(parsed.eventId ? { eventId: parsed.eventId } : {}),
      kind: 'ignored',
      reason: parsed.reason,
      resources: [],
      alertsPublished: 0,
      alertsFailed: 0,
    };
  }
  if (parsed.kind === 'invalid') {
    const message = `event ${parsed.eventId ?? '(no eventID)'} cannot be understood: ${parsed.issues
      .map((i) => `${i.path}: ${i.message}`)
      .join('; ')}`;
    deps.log.error(message, { eventId: parsed.eventId, issues: parsed.issues });
    deps.metrics.count('EventsInvalid');
    const alert = errorAlert({ stage: 'event', message, time: (deps.now ?? (() => new Date()))() });
    const { published, failed } = await publishAlerts([alert], deps);
    return {
      ...(parsed.eventId ? { eventId: parsed.eventId } : {}),
      kind: 'invalid',
      reason: message,
      resources: [],
      alertsPublished: published,
      alertsFailed: failed,
    };
  }
  const { trigger } = parsed;
  if (TAGGING_EVENTS.includes(trigger.eventName) && !setsExemption(trigger, deps.config)) {
    deps.metrics.count('EventsIgnored');
    return {
      eventId: trigger.eventId,
      kind: 'ignored',
      reason: `${trigger.eventName} does not set the exemption tag ${deps.config.exemptionTagKey}`,
      resources: [],
      alertsPublished: 0,
      alertsFailed: 0,
    };
  }
  if (trigger.family !== family) {
    // The EventBridge rules route each family to its own function; a stray event is a wiring error.
    deps.log.warn('event for the other handler ignored', {
      eventId: trigger.eventId,
      eventName: trigger.eventName,
    });
    deps.metrics.count('EventsIgnored');
    return {
      eventId: trigger.eventId,
      kind: 'ignored',
      reason: `${trigger.eventName} is not a ${family} event`,
      resources: [],
      alertsPublished: 0,
      alertsFailed: 0,
    };
  }
  return processTrigger(trigger, deps);
}
