/**
 * The sweep report (schema/sweep-report.v1.schema.json): per resource, what each rule found, folded
 * from the pipeline's outcomes; per account-region, what was listed and what could not be swept;
 * the totals; and the summary alert of a sweep.
 */
import type { RuleId } from '../config/schema.js';
import { RULE_IDS } from '../config/schema.js';
import type { KeyGrant } from '../rules/reads.js';
import type { FindingExample, Proof, ProtectedBy } from '../rules/types.js';
import type { AlertEntry, SummaryStatus, SweepSummaryInput } from './alert-types.js';
import { summaryAlert } from './alerts.js';
import { isQuiet, type SweepDigest } from './digest.js';
import { type PipelineDeps, publishAlerts, type ResourceContext, type ResourceOutcome } from './pipeline.js';
import { addToTotals, emptyTotals, orderedByRule } from './sweep-report-stream.js';

const SWEEP_REPORT_SCHEMA_VERSION = '1';

/** Per rule, what the sweep found (SPEC §5 statuses folded for the report). */
type ReportStatus = 'compliant' | 'finding' | 'exempt' | 'remediated' | 'remediation-failed' | 'unreadable';

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
  /** key-no-external-grantees: every grant found, one per finding (the witness is the first's). */
  grants?: KeyGrant[];
  /** What only an RCP stops (`organization.rcps: "read"`): the rule is compliant because of it. */
  protectedBy?: ProtectedBy[];
}

export interface ReportResource {
  type: 'kms-key' | 'vpc-endpoint';
  id: string;
  arn?: string;
  account: string;
  region: string;
  /** VPC endpoints: the region of the KMS service reached (another region for a cross-region endpoint). */
  serviceRegion?: string;
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
  keys: {
    listed: number;
    awsManaged: number;
    /** Why ListAliases failed: AWS-managed keys were then told by DescribeKey, one call per key. */
    aliasesUnread?: string;
  };
  endpoints: { listed: number };
  /** Set when the whole account-region could not be swept (role not assumable, listing denied). */
  error?: string;
  /** Resources not judged because the sweep stopped early (`shouldStop`); the sweep is incomplete. */
  notStarted?: number;
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

export function toReportResource(o: ResourceOutcome): ReportResource {
  const base = {
    type: o.type,
    id: o.id,
    account: o.account,
    region: o.region,
    ...(o.arn ? { arn: o.arn } : {}),
    ...(o.verdict?.resource.type === 'vpc-endpoint' && o.verdict.resource.serviceRegion
      ? { serviceRegion: o.verdict.resource.serviceRegion }
      : {}),
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
    const judged = o.verdict?.results.find((v) => v.rule === r.rule);
    const findings = judged?.findings ?? [];
    const finding = findings[0];
    const grants = findings.flatMap((f) => (f.grant ? [f.grant] : []));
    results[r.rule] = {
      status,
      ...(r.status === 'alerted' || r.status === 'dry-run' ? { detail: r.status } : {}),
      ...(r.reason ? { detail: r.reason } : {}),
      ...(r.refused ? { refused: r.refused } : {}),
      ...(judged?.protectedBy ? { protectedBy: judged.protectedBy } : {}),
      ...(finding
        ? {
            proof: finding.proof,
            ...(finding.witness ? { witness: finding.witness } : {}),
            ...(finding.example ? { example: finding.example } : {}),
            ...(grants.length ? { grants } : {}),
          }
        : {}),
    };
  }
  return { ...base, status: 'judged', results };
}

export function unreadable(
  type: ReportResource['type'],
  id: string,
  ctx: ResourceContext,
  reason: string,
): ReportResource {
  return { type, id, account: ctx.account, region: ctx.region, status: 'unreadable', reason, results: {} };
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
  const totals = emptyTotals();
  for (const r of resources) addToTotals(totals, r);
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
    totals: { ...totals, byRule: orderedByRule(totals.byRule, RULE_IDS) },
    apiCalls: input.apiCalls,
    ...(input.rateLimitWaitsMs ? { rateLimitWaitsMs: input.rateLimitWaitsMs } : {}),
  };
}

/** The summary of one sweep (counts by rule and status), in the alert schema's own statuses. */
export function sweepSummaryInput(report: SweepReport, digest?: SweepDigest): SweepSummaryInput {
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
  return {
    sweepId: report.runId,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    dryRun: report.dryRun,
    accounts: [...new Set(report.scopes.map((s) => s.account))],
    regions: [...new Set(report.scopes.map((s) => s.region))],
    resources: report.totals.byType,
    counts,
    errors,
    ...(digest ? { digest } : {}),
    time: report.finishedAt,
  };
}

/** Nothing to tell in a summary: with a digest, no transition and no error. */
export const isQuietSummary = (s: SweepSummaryInput) =>
  s.digest !== undefined && isQuiet(s.digest, s.errors?.length ?? 0);

/**
 * Publish one sweep's per-resource alerts and its summary (one PublishBatch stream). With a digest
 * (the findings ledger) a sweep in which nothing changed and nothing failed sends no summary: an
 * organization's thousands of account-regions are quiet on a day nothing happens.
 */
export async function publishSweepAlerts(
  report: SweepReport,
  sweeps: ScopeSweep[],
  deps: PipelineDeps,
  digest?: SweepDigest,
) {
  const input = sweepSummaryInput(report, digest);
  const summary = isQuietSummary(input) ? [] : [summaryAlert(input)];
  return publishAlerts([...sweeps.flatMap((s) => s.alerts), ...summary], deps);
}
