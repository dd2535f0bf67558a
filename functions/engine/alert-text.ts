/**
 * The readable text of an alert (the `default` and `email` messages of the SNS entry): one
 * rendering per document kind, from the JSON document alone. Pure.
 */

import type {
  AlertRemediationDoc,
  AlertStatus,
  AlertTruncation,
  ErrorAlertDocument,
  ErrorAlertInput,
  FindingAlertDocument,
  NoticeAlertDocument,
  NoticeKind,
  RemediationOutcome,
  SummaryAlertDocument,
} from './alert-types.js';
import { SUMMARY_STATUSES } from './alert-types.js';
import type { SweepDigest } from './digest.js';

const STATUS_TEXT: Record<AlertStatus, string> = {
  alerted: 'reported, not changed by the guard',
  remediated: 'fixed by the guard',
  'remediation-failed': 'the guard could NOT fix it: action needed',
  'dry-run': 'dry run: the change below was NOT made',
};

export const STAGE_TEXT: Record<ErrorAlertInput['stage'], string> = {
  event: 'could not understand the event',
  'assume-role': 'could not assume the member role',
  read: 'could not read the resource',
  judge: 'could not judge the resource',
  remediate: 'could not remediate',
  publish: 'could not publish alerts',
  ledger: 'could not use the findings ledger',
};

export const NOTICE_TEXT: Record<NoticeKind, string> = {
  'policy-change-overwritten': 'a policy change is no longer in force',
  'exemption-granted': 'exemption granted',
  'exemption-ignored': 'exemption tag ignored',
  'finding-resolved': 'finding resolved',
};

export function findingText(doc: FindingAlertDocument): string {
  const r = doc.resource;
  const lines = [
    `KMS perimeter guard: ${doc.severity.toUpperCase()} finding, rule ${doc.rule}`,
    `Status: ${doc.status} (${STATUS_TEXT[doc.status]})`,
    '',
    `Resource: ${r.type} ${r.id}`,
    ...(r.arn ? [`ARN: ${r.arn}`] : []),
    `Account: ${r.account ?? 'unknown'}  Region: ${r.region ?? 'unknown'}`,
    '',
  ];
  const total = doc.truncated?.findingsTotal ?? doc.findings.length;
  lines.push(total === 1 ? 'Finding:' : `Findings (${total}):`);
  doc.findings.forEach((f, i) => {
    lines.push(`${i + 1}. ${f.message}`);
    if (f.statements.length > 0) lines.push(`   Statements: ${f.statements.join(', ')}`);
    if (f.proof === 'witness' && f.witness)
      lines.push(`   Witness (a request the policy allows): ${JSON.stringify(f.witness)}`);
    if (f.proof === 'unproven') lines.push(`   Unproven: ${f.reason ?? 'the analyzer could not decide'}`);
    if (f.proof === 'example' && f.example)
      lines.push(
        `   Example (a request ${f.example.statement} mishandles; AWS's decision: ${f.example.decision}): ${JSON.stringify(f.example.request)}`,
      );
  });
  if (doc.findings.length < total) lines.push(`   ... ${total - doc.findings.length} more not shown`);

  const rem = doc.remediation;
  if (rem) {
    lines.push('', `Remediation${rem.action === 'none' ? '' : ` (${rem.action})`}: ${rem.summary}`);
    const outcome: Record<RemediationOutcome, string> = {
      applied: 'applied',
      failed: `FAILED: ${rem.reason ?? 'no reason given'}`,
      'dry-run': 'not applied (dry run)',
      'not-attempted': `not attempted${rem.reason ? `: ${rem.reason}` : ''}`,
    };
    lines.push(`Outcome: ${outcome[rem.outcome]}`);
    if (rem.vpcEndpointId) {
      const dns = rem.privateDnsEnabled === undefined ? '' : ` PrivateDnsEnabled=${rem.privateDnsEnabled}`;
      lines.push(`Change: ModifyVpcEndpoint ${rem.vpcEndpointId}${dns}`);
    }
    const guards = guardStatements(rem);
    if (guards.length > 0) {
      // Only the guard's own statements, never the whole planned policy (up to 32 KB, and the
      // owner's statements are not news to an email reader); long ones are clipped.
      const shown = JSON.stringify(guards, null, 2);
      lines.push(
        `Guard statements (${rem.guardSids.join(', ')}):`,
        shown.length <= EMAIL_GUARD_TEXT_MAX
          ? shown
          : `${shown.slice(0, EMAIL_GUARD_TEXT_MAX)}\n... (${shown.length - EMAIL_GUARD_TEXT_MAX} more characters; the JSON document carries the planned policy)`,
      );
      if (rem.plannedPolicyBytes !== undefined)
        lines.push(
          `Planned policy: ${rem.plannedPolicyBytes} bytes (in the JSON document, not in this text).`,
        );
    } else if (rem.guardSids.length > 0) {
      lines.push(`Guard statements: ${rem.guardSids.join(', ')}`);
    }
  }
  if (doc.trigger) {
    const t = doc.trigger;
    lines.push(
      '',
      `Triggered by: ${t.eventName}${t.actorArn ? ` by ${t.actorArn}` : ''}${t.eventTime ? ` at ${t.eventTime}` : ''}`,
      `CloudTrail eventID: ${t.eventId}`,
    );
  }
  lines.push('', `Time: ${doc.time}`);
  if (doc.truncated) lines.push(truncationText(doc.truncated));
  lines.push(
    `(Finding document schema v${doc.schemaVersion}: delivered as JSON to SQS, Lambda and HTTP(S) subscribers.)`,
  );
  return lines.join('\n');
}

/** Longest rendering of the guard statements in the email text. */
const EMAIL_GUARD_TEXT_MAX = 4_000;

/** The guard's own statements in the planned policy: the exact change, for the reader. */
function guardStatements(rem: AlertRemediationDoc): unknown[] {
  const statements = rem.plannedPolicy?.Statement;
  if (!Array.isArray(statements)) return [];
  return statements.filter(
    (s) =>
      typeof s === 'object' && s !== null && rem.guardSids.includes((s as { Sid?: unknown }).Sid as string),
  );
}

export function summaryText(doc: SummaryAlertDocument): string {
  const lines = [
    `KMS perimeter guard: sweep summary${doc.sweep.dryRun ? ' (dry run)' : ''}`,
    `Accounts: ${doc.scope.accounts.length > 0 ? doc.scope.accounts.join(', ') : 'none'}`,
    `Regions: ${doc.scope.regions.length > 0 ? doc.scope.regions.join(', ') : 'none'}`,
  ];
  const scanned = Object.entries(doc.resources).map(([type, n]) => `${n} ${type}`);
  if (scanned.length > 0) lines.push(`Resources judged: ${scanned.join(', ')}`);
  if (doc.sweep.id) lines.push(`Sweep: ${doc.sweep.id}`);
  if (doc.sweep.startedAt || doc.sweep.finishedAt) {
    lines.push(`From ${doc.sweep.startedAt ?? '?'} to ${doc.sweep.finishedAt ?? '?'}`);
  }
  lines.push('', 'By rule:');
  for (const [rule, byStatus] of Object.entries(doc.counts)) {
    const parts = SUMMARY_STATUSES.filter((s) => byStatus?.[s] !== undefined).map(
      (s) => `${byStatus![s]} ${s}`,
    );
    lines.push(`  ${rule}: ${parts.length > 0 ? parts.join(', ') : 'nothing'}`);
  }
  const totals = SUMMARY_STATUSES.filter((s) => doc.totals[s] !== undefined).map(
    (s) => `${doc.totals[s]} ${s}`,
  );
  lines.push(`Total: ${totals.length > 0 ? totals.join(', ') : 'nothing judged'}`);
  if (doc.digest) lines.push(...digestText(doc.digest));
  const errorsTotal = doc.truncated?.errorsTotal ?? doc.errors.length;
  if (errorsTotal > 0) {
    lines.push('', `Errors (${errorsTotal}):`);
    for (const e of doc.errors) {
      const where = [e.account, e.region].filter(Boolean).join(' ');
      lines.push(`  - ${where ? `${where}: ` : ''}${e.message}`);
    }
    if (doc.errors.length < errorsTotal)
      lines.push(`  ... ${errorsTotal - doc.errors.length} more not shown`);
  }
  lines.push('', `Time: ${doc.time}`);
  if (doc.truncated) lines.push(truncationText(doc.truncated));
  return lines.join('\n');
}

export function errorText(doc: ErrorAlertDocument): string {
  const lines = [`KMS perimeter guard: ERROR, ${STAGE_TEXT[doc.stage]}`, '', doc.message];
  if (doc.code) lines.push(`AWS error code: ${doc.code}`);
  if (doc.resource) lines.push(`Resource: ${doc.resource.type} ${doc.resource.arn ?? doc.resource.id}`);
  if (doc.account || doc.region) lines.push(`Account/region: ${doc.account ?? '?'} / ${doc.region ?? '?'}`);
  if (doc.trigger) {
    lines.push(`Event: ${doc.trigger.eventName} (CloudTrail eventID ${doc.trigger.eventId})`);
    if (doc.trigger.actorArn) lines.push(`Changed by: ${doc.trigger.actorArn}`);
  }
  lines.push('', 'Until this is fixed the guard cannot vouch for this resource; check it by hand.');
  return lines.join('\n');
}

export function noticeText(doc: NoticeAlertDocument): string {
  const lines = [`KMS perimeter guard: ${NOTICE_TEXT[doc.notice]}`, '', doc.message];
  lines.push(`Resource: ${doc.resource.type} ${doc.resource.arn ?? doc.resource.id}`);
  lines.push(`Account/region: ${doc.account} / ${doc.region}`);
  if (doc.rules?.length) lines.push(`Rules: ${doc.rules.join(', ')}`);
  if (doc.trigger) {
    lines.push(`Event: ${doc.trigger.eventName} (CloudTrail eventID ${doc.trigger.eventId})`);
    if (doc.trigger.actorArn) lines.push(`By: ${doc.trigger.actorArn}`);
  }
  if (doc.details?.length) lines.push('', ...doc.details.map((d) => `- ${d}`));
  lines.push('', `Time: ${doc.time}`);
  return lines.join('\n');
}

function truncationText(t: AlertTruncation): string {
  const parts: string[] = [];
  if (t.findingsTotal !== undefined) parts.push(`${t.findingsIncluded} of ${t.findingsTotal} findings shown`);
  if (t.statementsTotal !== undefined)
    parts.push(`${t.statementsIncluded} of ${t.statementsTotal} statement references shown`);
  if (t.plannedPolicyOmitted) parts.push('planned policy omitted');
  if (t.errorsTotal !== undefined) parts.push(`${t.errorsIncluded} of ${t.errorsTotal} errors shown`);
  if (t.accountsTotal !== undefined)
    parts.push(`${t.accountsIncluded} of ${t.accountsTotal} accounts listed`);
  if (t.stringsClipped) parts.push('long texts clipped');
  return `TRUNCATED to fit the ${t.limitBytes}-byte SNS message limit: ${parts.join('; ') || 'details omitted'}.`;
}

/** The digest's lines: changes since the last sweep, open findings by severity, the top ones. */
function digestText(d: SweepDigest): string[] {
  const counts = (o: Record<string, number | undefined>, keys: string[]) =>
    keys.map((k) => `${o[k] ?? 0} ${k}`).join(', ');
  const lines = [
    '',
    `Since the last sweep: ${counts(d.changes, ['new', 'changed', 'reopened', 'remediated', 'resolved'])}`,
    `Open findings: ${counts(d.open, ['high', 'medium', 'low'])}`,
  ];
  if (d.top.length > 0) {
    lines.push('Top findings:');
    for (const f of d.top)
      lines.push(
        `  - [${f.severity.toUpperCase()}] ${f.rule} on ${f.resourceType} ${f.resourceId} (${f.account} ${f.region})`,
      );
  }
  return lines;
}
