/**
 * Scheduled sweeps: judge every KMS interface endpoint and every key of one account-region with
 * the same pipeline as the events (`guardEndpoint`, `guardKey`), so rules, modes, remediation and
 * alerts are identical. One resource that cannot be read becomes an `unreadable` result and the
 * sweep goes on; a retryable error still failing after the adapters' budget is tried again later in
 * the run, then reported, never dropped.
 */

import type { RuleId } from '../config/schema.js';
import { RULE_IDS } from '../config/schema.js';
import { AwsCallError, RoleAssumptionError } from '../errors.js';
import type { FindingExample, Proof } from '../rules/types.js';
import type { AlertEntry, SummaryStatus } from './alert-types.js';
import { summaryAlert } from './alerts.js';
import {
  guardEndpoint,
  guardKey,
  type PipelineDeps,
  publishAlerts,
  type ResourceContext,
  type ResourceOutcome,
} from './pipeline.js';
import type { Ec2Port, KmsPort } from './ports.js';
import { forEachBounded } from './rate-limit.js';

export const SWEEP_REPORT_SCHEMA_VERSION = '1';

/** Per rule, what the sweep found (SPEC §5 statuses folded for the report). */
export type ReportStatus =
  | 'compliant'
  | 'finding'
  | 'exempt'
  | 'remediated'
  | 'remediation-failed'
  | 'unreadable';

export interface ReportRuleResult {
  status: ReportStatus;
  /** For findings: what happened to it (alerted, dry-run) or why a remediation failed. */
  detail?: string;
  witness?: unknown;
  proof?: Proof;
  /** Proof `example`: a request the statement mishandles and AWS's decision. */
  example?: FindingExample;
  /** `remediation-failed` because the change was refused (nothing was written). */
  refused?: true;
}

export interface ReportResource {
  type: 'kms-key' | 'vpc-endpoint';
  id: string;
  arn?: string;
  account: string;
  region: string;
  /** `judged`; `skipped` (AWS-managed key, gone since listed); `unreadable` (see `reason`). */
  status: 'judged' | 'skipped' | 'unreadable';
  reason?: string;
  results: Partial<Record<RuleId, ReportRuleResult>>;
}

export interface ScopeResult {
  account: string;
  region: string;
  startedAt: string;
  durationMs: number;
  keys: { listed: number; awsManaged: number };
  endpoints: { listed: number };
  /** Set when the whole account-region could not be swept (role not assumable, listing denied). */
  error?: string;
  /** Resources not judged because the sweep stopped early (`shouldStop`); the sweep is incomplete. */
  notStarted?: number;
}

export interface SweepProgress {
  account: string;
  region: string;
  judged: number;
  total: number;
}

export interface SweepOptions {
  /** Resources judged at once (bounded pool). */
  concurrency: number;
  /** Called after each resource (CLI progress). */
  onProgress?: (p: SweepProgress) => void;
  /** Passes over the resources that still failed with a retryable error (default 2). */
  retryPasses?: number;
  /** Wait before a retry pass (ms; default 2000, doubled each pass). */
  retryDelayMs?: number;
  /**
   * Publish each resource's alerts as soon as it is settled (the worker) instead of collecting
   * them: a worker that dies later has already reported every change it made, and memory does not
   * grow with findings.
   */
  publish?: (alerts: AlertEntry[]) => Promise<unknown>;
  /**
   * Checked before each resource is started: true stops the sweep (a Lambda near its timeout must
   * not begin a write it may not live to report). Resources not started are reported as not judged.
   */
  shouldStop?: () => boolean;
}

export interface ScopeSweep {
  scope: ScopeResult;
  resources: ReportResource[];
  alerts: AlertEntry[];
}

const FOLD: Record<string, ReportStatus | undefined> = {
  compliant: 'compliant',
  exempt: 'exempt',
  alerted: 'finding',
  'dry-run': 'finding',
  finding: 'finding',
  remediated: 'remediated',
  'remediation-failed': 'remediation-failed',
};

function toReportResource(o: ResourceOutcome): ReportResource {
  const base = {
    type: o.type,
    id: o.id,
    account: o.account,
    region: o.region,
    ...(o.arn ? { arn: o.arn } : {}),
  };
  if (o.status === 'skipped' || o.status === 'gone') {
    return { ...base, status: 'skipped', reason: o.reason ?? o.status, results: {} };
  }
  if (o.status === 'error') {
    return { ...base, status: 'unreadable', ...(o.reason ? { reason: o.reason } : {}), results: {} };
  }
  const results: Partial<Record<RuleId, ReportRuleResult>> = {};
  for (const r of o.rules) {
    const status = FOLD[r.status];
    if (!status) continue; // off, not-applicable: not judged
    const finding = o.verdict?.results.find((v) => v.rule === r.rule)?.findings[0];
    results[r.rule] = {
      status,
      ...(r.status === 'alerted' || r.status === 'dry-run' ? { detail: r.status } : {}),
      ...(r.reason ? { detail: r.reason } : {}),
      ...(r.refused ? { refused: r.refused } : {}),
      ...(finding
        ? {
            proof: finding.proof,
            ...(finding.witness ? { witness: finding.witness } : {}),
            ...(finding.example ? { example: finding.example } : {}),
          }
        : {}),
    };
  }
  return { ...base, status: 'judged', results };
}

function unreadable(
  type: ReportResource['type'],
  id: string,
  ctx: ResourceContext,
  reason: string,
): ReportResource {
  return { type, id, account: ctx.account, region: ctx.region, status: 'unreadable', reason, results: {} };
}

const describeError = (err: unknown) =>
  err instanceof AwsCallError
    ? `${err.code}: ${err.message}`
    : err instanceof Error
      ? err.message
      : String(err);

/**
 * Sweep one account-region. Never throws for AWS errors: a scope that cannot be swept at all is
 * reported in `scope.error`, every resource that was listed is in `resources`.
 */
export async function sweepAccountRegion(
  account: string,
  region: string,
  deps: PipelineDeps,
  options: SweepOptions,
): Promise<ScopeSweep> {
  const started = Date.now();
  const ctx: ResourceContext = { account, region };
  const scope: ScopeResult = {
    account,
    region,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    keys: { listed: 0, awsManaged: 0 },
    endpoints: { listed: 0 },
  };
  const resources: ReportResource[] = [];
  const alerts: AlertEntry[] = [];
  const finish = (): ScopeSweep => {
    scope.durationMs = Date.now() - started;
    return { scope, resources, alerts };
  };

  let kms: KmsPort | undefined;
  let ec2: Ec2Port | undefined;
  try {
    if (deps.ports.kms) kms = await deps.ports.kms(account, region);
    if (deps.ports.ec2) ec2 = await deps.ports.ec2(account, region);
  } catch (err) {
    scope.error =
      err instanceof RoleAssumptionError
        ? err.message
        : `cannot reach ${account}/${region}: ${describeError(err)}`;
    deps.log.error('account-region not swept', { account, region, error: scope.error });
    return finish();
  }

  // 1. List (ids only: 10,000 keys are a few hundred KB), so progress has a total.
  type Item = { type: 'kms-key' | 'vpc-endpoint'; id: string; known?: Parameters<typeof guardEndpoint>[4] };
  const items: Item[] = [];
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const passes = options.retryPasses ?? 2;
  let delay = options.retryDelayMs ?? 2_000;
  for (let attempt = 0; ; attempt++) {
    items.length = 0;
    try {
      if (ec2) {
        // KMS interface endpoints only: the service name says so (standard and FIPS endpoints).
        // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpoints.html (filter service-name)
        for await (const e of ec2.describeVpcEndpoints({
          filters: { 'service-name': [`com.amazonaws.${region}.kms`, `com.amazonaws.${region}.kms-fips`] },
        })) {
          items.push({ type: 'vpc-endpoint', id: e.id, known: e });
        }
      }
      scope.endpoints.listed = items.length;
      if (kms) {
        for await (const k of kms.listKeys()) items.push({ type: 'kms-key', id: k.keyId });
      }
      scope.keys.listed = items.length - scope.endpoints.listed;
      break;
    } catch (err) {
      // A listing that fails with a retryable error is started again (the pages are not resumable
      // across a failed call); a permanent failure, or one that outlasts the passes, is reported
      // and whatever was listed is still judged.
      const retryable = err instanceof AwsCallError && err.retryable;
      if (retryable && attempt < passes) {
        await sleep(delay);
        delay *= 2;
        continue;
      }
      scope.endpoints.listed = items.filter((i) => i.type === 'vpc-endpoint').length;
      scope.keys.listed = items.length - scope.endpoints.listed;
      scope.error = `listing failed in ${account}/${region}: ${describeError(err)}`;
      deps.log.error('listing failed', { account, region, error: scope.error });
      break;
    }
  }
  delay = options.retryDelayMs ?? 2_000;

  // 2. Judge with a bounded pool; retryable failures are set aside and tried again later.
  let judged = 0;
  const total = items.length;
  const done = async (r: ReportResource, outcome?: ResourceOutcome) => {
    resources.push(r);
    if (outcome && outcome.alerts.length > 0) {
      if (options.publish) await options.publish(outcome.alerts);
      else alerts.push(...outcome.alerts);
    }
    if (r.status === 'skipped' && r.reason === 'AWS-managed key') scope.keys.awsManaged++;
    judged++;
    options.onProgress?.({ account, region, judged, total });
  };
  const judgeOne = async (item: Item): Promise<ResourceOutcome> =>
    item.type === 'kms-key'
      ? guardKey(kms as KmsPort, item.id, ctx, deps)
      : guardEndpoint(ec2 as Ec2Port, item.id, ctx, deps, item.known);

  let pending = items;
  let notStarted = 0;
  for (let pass = 0; pending.length > 0; pass++) {
    const retry: { item: Item; err: unknown }[] = [];
    await forEachBounded(pending, options.concurrency, async (item) => {
      if (options.shouldStop?.()) {
        notStarted++;
        await done(
          unreadable(item.type, item.id, ctx, 'not judged: the sweep stopped before its time ran out'),
        );
        return;
      }
      let outcome: ResourceOutcome;
      try {
        outcome = await judgeOne({ ...item, ...(pass > 0 ? { known: undefined } : {}) });
      } catch (err) {
        // Retryable AWS errors (still failing after the adapters' budget) escape the pipeline:
        // keep the resource for a later pass. Anything else is reported at once, never retried blind.
        if (err instanceof AwsCallError && err.retryable) retry.push({ item, err });
        else {
          deps.log.error('resource not judged', { account, region, id: item.id, error: describeError(err) });
          await done(unreadable(item.type, item.id, ctx, `not judged: ${describeError(err)}`));
        }
        return;
      }
      // Outside the try: an alert that cannot be delivered stops the sweep (AlertDeliveryError).
      await done(toReportResource(outcome), outcome);
    });
    if (retry.length === 0) break;
    if (pass >= passes) {
      for (const { item, err } of retry) {
        await done(
          unreadable(
            item.type,
            item.id,
            ctx,
            `still failing after ${pass + 1} passes: ${describeError(err)}`,
          ),
        );
      }
      break;
    }
    deps.log.warn('resources to retry after transient errors', {
      account,
      region,
      count: retry.length,
      pass,
    });
    await sleep(delay);
    delay *= 2;
    pending = retry.map((r) => r.item);
  }
  if (notStarted > 0) {
    scope.notStarted = notStarted;
    scope.error = `the sweep stopped before its time ran out: ${notStarted} resources not judged`;
  }
  return finish();
}

export interface SweepReport {
  schemaVersion: typeof SWEEP_REPORT_SCHEMA_VERSION;
  kind: 'sweep-report';
  product: 'kms-perimeter-guard';
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  dryRun: boolean;
  scopes: ScopeResult[];
  resources: ReportResource[];
  totals: {
    resources: number;
    byType: { 'kms-key': number; 'vpc-endpoint': number };
    judged: number;
    skipped: number;
    unreadable: number;
    byRule: Partial<Record<RuleId, Partial<Record<ReportStatus, number>>>>;
  };
  apiCalls: Record<string, number>;
  rateLimitWaitsMs?: Record<string, number>;
}

export function buildReport(input: {
  runId: string;
  startedAt: Date;
  finishedAt: Date;
  dryRun: boolean;
  sweeps: ScopeSweep[];
  apiCalls: Record<string, number>;
  rateLimitWaitsMs?: Record<string, number>;
}): SweepReport {
  const resources = input.sweeps.flatMap((s) => s.resources);
  const byRule: SweepReport['totals']['byRule'] = {};
  for (const r of resources) {
    for (const [rule, res] of Object.entries(r.results) as [RuleId, ReportRuleResult][]) {
      const counts = byRule[rule] ?? {};
      counts[res.status] = (counts[res.status] ?? 0) + 1;
      byRule[rule] = counts;
    }
  }
  return {
    schemaVersion: SWEEP_REPORT_SCHEMA_VERSION,
    kind: 'sweep-report',
    product: 'kms-perimeter-guard',
    runId: input.runId,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    dryRun: input.dryRun,
    scopes: input.sweeps.map((s) => s.scope),
    resources,
    totals: {
      resources: resources.length,
      byType: {
        'kms-key': resources.filter((r) => r.type === 'kms-key').length,
        'vpc-endpoint': resources.filter((r) => r.type === 'vpc-endpoint').length,
      },
      judged: resources.filter((r) => r.status === 'judged').length,
      skipped: resources.filter((r) => r.status === 'skipped').length,
      unreadable: resources.filter((r) => r.status === 'unreadable').length,
      byRule: Object.fromEntries(RULE_IDS.filter((id) => byRule[id]).map((id) => [id, byRule[id]])),
    },
    apiCalls: input.apiCalls,
    ...(input.rateLimitWaitsMs ? { rateLimitWaitsMs: input.rateLimitWaitsMs } : {}),
  };
}

/** The summary alert of one sweep (counts by rule and status), in the alert schema's own statuses. */
export function sweepSummaryAlert(report: SweepReport): AlertEntry {
  const counts: Partial<Record<RuleId, Partial<Record<SummaryStatus, number>>>> = {};
  for (const r of report.resources) {
    for (const [rule, res] of Object.entries(r.results) as [RuleId, ReportRuleResult][]) {
      const status: SummaryStatus | undefined =
        res.status === 'finding'
          ? res.detail === 'dry-run'
            ? 'dry-run'
            : 'alerted'
          : res.status === 'unreadable'
            ? undefined
            : res.status;
      if (!status) continue;
      const c = counts[rule] ?? {};
      c[status] = (c[status] ?? 0) + 1;
      counts[rule] = c;
    }
  }
  const errors = [
    ...report.scopes
      .filter((s) => s.error)
      .map((s) => ({ account: s.account, region: s.region, message: s.error as string })),
    ...report.resources
      .filter((r) => r.status === 'unreadable')
      .map((r) => ({
        account: r.account,
        region: r.region,
        message: `${r.type} ${r.id} unreadable: ${r.reason ?? 'unknown'}`,
      })),
  ];
  return summaryAlert({
    sweepId: report.runId,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    dryRun: report.dryRun,
    accounts: [...new Set(report.scopes.map((s) => s.account))],
    regions: [...new Set(report.scopes.map((s) => s.region))],
    resources: report.totals.byType,
    counts,
    errors,
    time: report.finishedAt,
  });
}

/** Publish one sweep's per-resource alerts and its summary (one PublishBatch stream). */
export async function publishSweepAlerts(report: SweepReport, sweeps: ScopeSweep[], deps: PipelineDeps) {
  return publishAlerts([...sweeps.flatMap((s) => s.alerts), sweepSummaryAlert(report)], deps);
}
