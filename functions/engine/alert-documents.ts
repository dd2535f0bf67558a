/**
 * The versioned JSON documents of finding and summary alerts (schema/finding-alert.v1.schema.json),
 * complete and untruncated, checked for inputs that cannot describe an alert. Pure.
 */
import { describeChange } from '../remediations/index.js';
import type { RemediationPlan, Severity } from '../rules/types.js';
import { utf8Bytes } from './alert-clip.js';
import type {
  AlertRemediationDoc,
  AlertStatus,
  FindingAlertDocument,
  FindingAlertInput,
  RemediationOutcome,
  SummaryAlertDocument,
  SummaryStatus,
  SweepSummaryInput,
} from './alert-types.js';
import { SUMMARY_STATUSES } from './alert-types.js';

export const ALERT_SCHEMA_VERSION = '1';

/** Thrown for inputs that cannot describe an alert (a programming error in the caller). */
export class AlertInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlertInputError';
  }
}

const SEVERITY_ORDER: readonly Severity[] = ['low', 'medium', 'high'];

const OUTCOME: Record<AlertStatus, RemediationOutcome> = {
  alerted: 'not-attempted',
  remediated: 'applied',
  'remediation-failed': 'failed',
  'dry-run': 'dry-run',
};

/** The complete (untruncated) finding document. */
export function findingDocument(input: FindingAlertInput): FindingAlertDocument {
  const { resource, rule, findings, status } = input;
  if (findings.length === 0)
    throw new AlertInputError(`no findings to alert on for ${rule} on ${resource.id}`);
  const stray = findings.find((f) => f.rule !== rule);
  if (stray)
    throw new AlertInputError(`a finding of ${stray.rule} in an alert for ${rule} on ${resource.id}`);
  const plan = input.remediation?.plan;
  if (plan && plan.rule !== rule) throw new AlertInputError(`a ${plan.rule} plan in an alert for ${rule}`);
  if (status === 'remediated' && (!plan || plan.kind === 'none')) {
    throw new AlertInputError(`status remediated without an applied plan for ${rule} on ${resource.id}`);
  }
  const severity = input.severity ?? highestSeverity(findings.map((f) => f.severity));
  const doc: FindingAlertDocument = {
    schemaVersion: ALERT_SCHEMA_VERSION,
    kind: 'finding',
    product: 'kms-perimeter-guard',
    time: isoTime(input.time),
    rule,
    severity,
    status,
    resource: {
      type: resource.type,
      id: resource.id,
      ...(resource.type === 'kms-key' && resource.arn ? { arn: resource.arn } : {}),
      ...(resource.account ? { account: resource.account } : {}),
      ...(resource.region ? { region: resource.region } : {}),
    },
    findings: findings.map((f) => ({
      message: f.message,
      statements: [...f.statements],
      proof: f.proof,
      ...(f.witness ? { witness: f.witness } : {}),
      ...(f.example ? { example: f.example } : {}),
      ...(f.grant ? { grant: f.grant } : {}),
      ...(f.reason !== undefined ? { reason: f.reason } : {}),
    })),
  };
  if (input.remediation)
    doc.remediation = remediationDoc(input.remediation.plan, status, input.remediation.reason);
  else if (status === 'remediation-failed') {
    doc.remediation = {
      outcome: 'failed',
      action: 'none',
      summary: 'no remediation plan',
      reason: 'no reason given',
      guardSids: [],
    };
  }
  if (input.trigger) {
    const t = input.trigger;
    doc.trigger = {
      eventId: t.eventId,
      eventName: t.eventName,
      ...(t.actorArn ? { actorArn: t.actorArn } : {}),
      ...(t.eventTime ? { eventTime: t.eventTime } : {}),
    };
  }
  return doc;
}

function remediationDoc(plan: RemediationPlan, status: AlertStatus, reason?: string): AlertRemediationDoc {
  const outcome = OUTCOME[status];
  const why = reason ?? (plan.kind === 'none' ? plan.reason : undefined);
  const doc: AlertRemediationDoc =
    plan.kind === 'none'
      ? { outcome, action: 'none', summary: plan.reason, guardSids: [] }
      : {
          outcome,
          action: describeChange(plan).action,
          summary: plan.summary,
          guardSids: [...plan.guardSids],
        };
  if (why !== undefined && (outcome === 'failed' || outcome === 'not-attempted')) doc.reason = why;
  if (outcome === 'failed' && doc.reason === undefined) doc.reason = 'no reason given';
  if (plan.kind === 'none') return doc;
  // The remediation module says what its change is (endpoint, attribute, planned policy).
  const change = describeChange(plan);
  if (change.vpcEndpointId !== undefined) doc.vpcEndpointId = change.vpcEndpointId;
  if (change.privateDnsEnabled !== undefined) doc.privateDnsEnabled = change.privateDnsEnabled;
  if (change.grantIds) doc.grantIds = [...change.grantIds];
  if (change.plannedPolicy) {
    doc.plannedPolicy = change.plannedPolicy;
    doc.plannedPolicyBytes = utf8Bytes(JSON.stringify(change.plannedPolicy));
  }
  return doc;
}

export function summaryDocument(input: SweepSummaryInput): SummaryAlertDocument {
  const counts: SummaryAlertDocument['counts'] = {};
  const totals: SummaryAlertDocument['totals'] = {};
  for (const [rule, byStatus] of Object.entries(input.counts) as [
    keyof SummaryAlertDocument['counts'],
    Partial<Record<SummaryStatus, number>>,
  ][]) {
    const kept: Partial<Record<SummaryStatus, number>> = {};
    for (const status of SUMMARY_STATUSES) {
      const n = byStatus?.[status];
      if (n === undefined) continue;
      if (!Number.isSafeInteger(n) || n < 0)
        throw new AlertInputError(`count ${rule}/${status} must be a whole number, got ${n}`);
      kept[status] = n;
      totals[status] = (totals[status] ?? 0) + n;
    }
    counts[rule] = kept;
  }
  for (const [type, n] of Object.entries(input.resources ?? {})) {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new AlertInputError(`resource count ${type} must be a whole number, got ${n}`);
    }
  }
  return {
    schemaVersion: ALERT_SCHEMA_VERSION,
    kind: 'summary',
    product: 'kms-perimeter-guard',
    time: isoTime(input.time),
    severity: input.severity ?? 'info',
    sweep: {
      ...(input.sweepId ? { id: input.sweepId } : {}),
      ...(input.startedAt ? { startedAt: isoTime(input.startedAt) } : {}),
      ...(input.finishedAt ? { finishedAt: isoTime(input.finishedAt) } : {}),
      ...(input.dryRun !== undefined ? { dryRun: input.dryRun } : {}),
    },
    scope: { accounts: [...input.accounts], regions: [...input.regions] },
    resources: { ...input.resources },
    counts,
    totals,
    errors: (input.errors ?? []).map((e) => ({ ...e })),
    ...(input.digest ? { digest: structuredClone(input.digest) } : {}),
  };
}

function highestSeverity(severities: Severity[]): Severity {
  let best: Severity = 'low';
  for (const s of severities) if (SEVERITY_ORDER.indexOf(s) > SEVERITY_ORDER.indexOf(best)) best = s;
  return best;
}

export function isoTime(time: Date | string | undefined): string {
  const date = time === undefined ? new Date() : new Date(time);
  if (Number.isNaN(date.getTime())) throw new AlertInputError(`not a time: ${String(time)}`);
  return date.toISOString();
}
