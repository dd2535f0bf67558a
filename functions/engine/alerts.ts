/**
 * SNS alert entries (SPEC.md §5 "Alerts"): one PublishBatch entry per finding (a resource and a
 * rule), `MessageStructure: 'json'` with readable text for email and a versioned JSON document
 * (schema/finding-alert.v1.schema.json) for machines, a short subject, and String attributes for
 * subscription filters. Pure: no I/O, no SDK.
 */
import { describeChange } from '../remediations/index.js';
import type { RemediationPlan, Severity } from '../rules/types.js';
import type {
  AlertAttributeName,
  AlertDocument,
  AlertEntry,
  AlertFindingDoc,
  AlertOptions,
  AlertRemediationDoc,
  AlertStatus,
  AlertTruncation,
  ErrorAlertDocument,
  ErrorAlertInput,
  FindingAlertDocument,
  FindingAlertInput,
  NoticeAlertDocument,
  NoticeAlertInput,
  NoticeKind,
  RemediationOutcome,
  StringAttribute,
  SummaryAlertDocument,
  SummaryStatus,
  SweepSummaryInput,
} from './alert-types.js';
import { SUMMARY_STATUSES } from './alert-types.js';

export const ALERT_SCHEMA_VERSION = '1';

/**
 * SNS message limit: 262,144 bytes of UTF-8, body and attributes together (names, types and values
 * count: https://docs.aws.amazon.com/sns/latest/api/API_MessageAttributeValue.html).
 */
export const SNS_MESSAGE_MAX_BYTES = 262_144;

/**
 * Subjects must be "less than 100 characters long" with no line breaks or control characters
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
 */
export const SNS_SUBJECT_MAX_CHARS = 99;

/** PublishBatch entry ids: up to 80 characters, alphanumerics, `-` and `_`. */
const ENTRY_ID_MAX = 80;

/** Thrown for inputs that cannot describe an alert (a programming error in the caller). */
export class AlertInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlertInputError';
  }
}

const SEVERITY_ORDER: readonly Severity[] = ['low', 'medium', 'high'];

const STATUS_TEXT: Record<AlertStatus, string> = {
  alerted: 'reported, not changed by the guard',
  remediated: 'fixed by the guard',
  'remediation-failed': 'the guard could NOT fix it: action needed',
  'dry-run': 'dry run: the change below was NOT made',
};

const OUTCOME: Record<AlertStatus, RemediationOutcome> = {
  alerted: 'not-attempted',
  remediated: 'applied',
  'remediation-failed': 'failed',
  'dry-run': 'dry-run',
};

/** One alert entry for one resource and one rule. */
export function findingAlert(input: FindingAlertInput, options: AlertOptions = {}): AlertEntry {
  const doc = findingDocument(input);
  const limit = options.maxMessageBytes ?? SNS_MESSAGE_MAX_BYTES;
  const base = {
    Id: entryId(
      `${doc.rule}_${doc.resource.id}`,
      [doc.rule, doc.resource.type, doc.resource.account, doc.resource.region, doc.resource.id].join('|'),
    ),
    Subject: findingSubject(doc),
    MessageAttributes: attributes({
      kind: 'finding',
      severity: doc.severity,
      rule: doc.rule,
      account: doc.resource.account,
      region: doc.resource.region,
      resourceType: doc.resource.type,
      status: doc.status,
    }),
  };
  return fitFinding(doc, base, limit);
}

/** Entries for several alerts, with ids unique among them (the SNS adapter batches them). */
export function findingAlerts(inputs: FindingAlertInput[], options: AlertOptions = {}): AlertEntry[] {
  const seen = new Map<string, number>();
  return inputs.map((input) => {
    const entry = findingAlert(input, options);
    const n = (seen.get(entry.Id) ?? 0) + 1;
    seen.set(entry.Id, n);
    if (n === 1) return entry;
    const suffix = `_${n}`;
    return { ...entry, Id: entry.Id.slice(0, ENTRY_ID_MAX - suffix.length) + suffix };
  });
}

/** A sweep summary (counts by rule and status) in the same envelope as the finding alerts. */
export function summaryAlert(input: SweepSummaryInput, options: AlertOptions = {}): AlertEntry {
  const doc = summaryDocument(input);
  const limit = options.maxMessageBytes ?? SNS_MESSAGE_MAX_BYTES;
  const single = (values: string[]) =>
    values.length === 1 ? values[0] : values.length > 1 ? 'multiple' : undefined;
  const base = {
    Id: entryId(`summary_${doc.sweep.id ?? doc.time}`, `summary|${doc.sweep.id ?? ''}|${doc.time}`),
    Subject: summarySubject(doc),
    MessageAttributes: attributes({
      kind: 'summary',
      severity: doc.severity,
      rule: 'all',
      account: single(doc.scope.accounts),
      region: single(doc.scope.regions),
      resourceType: 'all',
      status: 'summary',
    }),
  };
  return fitSummary(doc, base, limit);
}

const STAGE_TEXT: Record<ErrorAlertInput['stage'], string> = {
  event: 'could not understand the event',
  'assume-role': 'could not assume the member role',
  read: 'could not read the resource',
  judge: 'could not judge the resource',
  remediate: 'could not remediate',
  publish: 'could not publish alerts',
};

/**
 * An error alert: the guard could not judge or fix something (a member role it cannot assume, a
 * resource it cannot read, a policy it cannot parse, an event it cannot understand).
 */
export function errorAlert(input: ErrorAlertInput, options: AlertOptions = {}): AlertEntry {
  const limit = options.maxMessageBytes ?? SNS_MESSAGE_MAX_BYTES;
  const doc: ErrorAlertDocument = {
    schemaVersion: ALERT_SCHEMA_VERSION,
    kind: 'error',
    product: 'kms-perimeter-guard',
    time: isoTime(input.time),
    severity: input.severity ?? 'high',
    stage: input.stage,
    // A message can quote an AWS error verbatim; keep it well inside the SNS limit.
    message: clipText(input.message, Math.min(8_192, Math.floor(limit / 8))),
    ...(input.code ? { code: input.code } : {}),
    ...(input.account ? { account: input.account } : {}),
    ...(input.region ? { region: input.region } : {}),
    ...(input.resource ? { resource: input.resource } : {}),
    ...(input.trigger ? { trigger: input.trigger } : {}),
  };
  const account = doc.account ?? doc.resource?.account;
  const region = doc.region ?? doc.resource?.region;
  const what = doc.resource?.id ?? account ?? 'guard';
  return renderEntry(
    {
      Id: entryId(
        `error_${doc.stage}_${what}`,
        `error|${doc.stage}|${what}|${doc.trigger?.eventId ?? doc.time}`,
      ),
      Subject: subject(`[${doc.severity.toUpperCase()}] guard error: `, what, `: ${STAGE_TEXT[doc.stage]}`),
      MessageAttributes: attributes({
        kind: 'error',
        severity: doc.severity,
        rule: 'none',
        account,
        region,
        resourceType: doc.resource?.type,
        status: 'error',
      }),
    },
    doc,
  );
}

function errorText(doc: ErrorAlertDocument): string {
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

const NOTICE_TEXT: Record<NoticeKind, string> = {
  'policy-change-overwritten': 'a policy change is no longer in force',
  'exemption-granted': 'exemption granted',
  'exemption-ignored': 'exemption tag ignored',
};

/** A notice: a change overwritten, an exemption granted or refused (alerted once, by its event). */
export function noticeAlert(input: NoticeAlertInput, options: AlertOptions = {}): AlertEntry {
  const limit = options.maxMessageBytes ?? SNS_MESSAGE_MAX_BYTES;
  const clip = Math.min(8_192, Math.floor(limit / 8));
  const doc: NoticeAlertDocument = {
    schemaVersion: ALERT_SCHEMA_VERSION,
    kind: 'notice',
    product: 'kms-perimeter-guard',
    time: isoTime(input.time),
    severity: input.severity,
    notice: input.notice,
    message: clipText(input.message, clip),
    account: input.account,
    region: input.region,
    resource: input.resource,
    ...(input.rules ? { rules: [...input.rules] } : {}),
    ...(input.trigger ? { trigger: input.trigger } : {}),
    ...(input.details ? { details: input.details.slice(0, 50).map((d) => clipText(d, 2_000)) } : {}),
  };
  const what = doc.resource.id;
  return renderEntry(
    {
      Id: entryId(
        `notice_${doc.notice}_${what}`,
        `notice|${doc.notice}|${what}|${doc.trigger?.eventId ?? doc.time}`,
      ),
      Subject: subject(`[${doc.severity.toUpperCase()}] `, what, `: ${NOTICE_TEXT[doc.notice]}`),
      MessageAttributes: attributes({
        kind: 'notice',
        severity: doc.severity,
        rule: doc.rules?.length === 1 ? doc.rules[0] : 'none',
        account: doc.account,
        region: doc.region,
        resourceType: doc.resource.type,
        status: 'notice',
      }),
    },
    doc,
  );
}

function noticeText(doc: NoticeAlertDocument): string {
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

/** Bytes SNS counts for an entry: message, subject, and every attribute's name, type and value. */
export function alertEntryBytes(
  entry: Pick<AlertEntry, 'Message' | 'Subject' | 'MessageAttributes'>,
): number {
  let bytes = utf8Bytes(entry.Message) + utf8Bytes(entry.Subject);
  for (const [name, value] of Object.entries(entry.MessageAttributes)) {
    bytes += utf8Bytes(name) + utf8Bytes(value.DataType) + utf8Bytes(value.StringValue);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Documents

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
  if (change.plannedPolicy) {
    doc.plannedPolicy = change.plannedPolicy;
    doc.plannedPolicyBytes = utf8Bytes(JSON.stringify(change.plannedPolicy));
  }
  return doc;
}

function summaryDocument(input: SweepSummaryInput): SummaryAlertDocument {
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
  };
}

// ---------------------------------------------------------------------------------------------
// Fitting into the SNS limit

interface EntryBase {
  Id: string;
  Subject: string;
  MessageAttributes: Record<AlertAttributeName, StringAttribute>;
}

interface Level {
  statementsCap: number;
  keepPolicy: boolean;
  clip: number;
}

/**
 * Shrinks a finding document until its entry fits: first whole, then fewer findings (the most
 * findings that fit, found by bisection) with capped statement lists, then without the planned
 * policy, then with long strings clipped. What was cut is recorded in `truncated` and in the text.
 */
function fitFinding(doc: FindingAlertDocument, base: EntryBase, limit: number): AlertEntry {
  const whole = renderEntry(base, doc);
  if (alertEntryBytes(whole) <= limit) return whole;
  const levels: Level[] = [
    { statementsCap: 20, keepPolicy: true, clip: Number.POSITIVE_INFINITY },
    { statementsCap: 20, keepPolicy: false, clip: Number.POSITIVE_INFINITY },
    { statementsCap: 5, keepPolicy: false, clip: 1024 },
    { statementsCap: 1, keepPolicy: false, clip: 128 },
  ];
  for (const level of levels) {
    const build = (k: number) => renderEntry(base, shrinkFinding(doc, level, k, limit));
    const k = largestFitting(doc.findings.length, 1, (n) => alertEntryBytes(build(n)) <= limit);
    if (k !== undefined) return build(k);
  }
  // Last resort: no finding details at all; resource, rule and status still go out.
  const minimal = shrinkFinding(doc, { statementsCap: 0, keepPolicy: false, clip: 128 }, 0, limit);
  return renderEntry(base, minimal);
}

function shrinkFinding(
  doc: FindingAlertDocument,
  level: Level,
  keep: number,
  limit: number,
): FindingAlertDocument {
  const clip = (s: string) => clipText(s, level.clip);
  const truncated: AlertTruncation = { limitBytes: limit };
  let statementsTotal = 0;
  let statementsIncluded = 0;
  const findings: AlertFindingDoc[] = doc.findings.slice(0, keep).map((f) => {
    const statements = f.statements.slice(0, level.statementsCap).map(clip);
    statementsTotal += f.statements.length;
    statementsIncluded += statements.length;
    return {
      message: clip(f.message),
      statements,
      proof: f.proof,
      ...(f.witness
        ? { witness: Number.isFinite(level.clip) ? clipStrings(f.witness, level.clip) : f.witness }
        : {}),
      ...(f.example
        ? { example: Number.isFinite(level.clip) ? clipStrings(f.example, level.clip) : f.example }
        : {}),
      ...(f.reason !== undefined ? { reason: clip(f.reason) } : {}),
    };
  });
  if (keep < doc.findings.length) {
    truncated.findingsTotal = doc.findings.length;
    truncated.findingsIncluded = keep;
  }
  if (statementsIncluded < statementsTotal) {
    truncated.statementsTotal = statementsTotal;
    truncated.statementsIncluded = statementsIncluded;
  }
  const out: FindingAlertDocument = { ...doc, findings, truncated };
  if (Number.isFinite(level.clip)) {
    truncated.stringsClipped = true;
    out.resource = clipStrings(doc.resource, Math.max(level.clip, 2048));
    if (doc.trigger) out.trigger = clipStrings(doc.trigger, Math.max(level.clip, 2048));
  }
  if (doc.remediation) {
    const { plannedPolicy, ...rest } = doc.remediation;
    const remediation: AlertRemediationDoc = Number.isFinite(level.clip)
      ? clipStrings(rest, level.clip)
      : rest;
    if (plannedPolicy && level.keepPolicy) remediation.plannedPolicy = plannedPolicy;
    else if (plannedPolicy) truncated.plannedPolicyOmitted = true;
    out.remediation = remediation;
  }
  return out;
}

/** Shrinks a summary: fewer errors listed, then fewer accounts listed, then clipped strings. */
function fitSummary(doc: SummaryAlertDocument, base: EntryBase, limit: number): AlertEntry {
  const whole = renderEntry(base, doc);
  if (alertEntryBytes(whole) <= limit) return whole;
  for (const clip of [Number.POSITIVE_INFINITY, 256]) {
    const build = (errors: number, accounts: number) => {
      const truncated: AlertTruncation = { limitBytes: limit };
      if (errors < doc.errors.length)
        Object.assign(truncated, { errorsTotal: doc.errors.length, errorsIncluded: errors });
      if (accounts < doc.scope.accounts.length) {
        Object.assign(truncated, { accountsTotal: doc.scope.accounts.length, accountsIncluded: accounts });
      }
      if (Number.isFinite(clip)) truncated.stringsClipped = true;
      const shrunk: SummaryAlertDocument = {
        ...doc,
        errors: doc.errors.slice(0, errors).map((e) => clipStrings(e, clip)),
        scope: {
          accounts: doc.scope.accounts.slice(0, accounts),
          regions: doc.scope.regions.map((r) => clipText(r, clip)),
        },
        truncated,
      };
      return renderEntry(base, shrunk);
    };
    const fits = (e: AlertEntry) => alertEntryBytes(e) <= limit;
    const errors = largestFitting(doc.errors.length, 0, (n) => fits(build(n, doc.scope.accounts.length)));
    if (errors !== undefined) return build(errors, doc.scope.accounts.length);
    const accounts = largestFitting(doc.scope.accounts.length, 0, (n) => fits(build(0, n)));
    if (accounts !== undefined) return build(0, accounts);
  }
  return renderEntry(base, {
    ...doc,
    errors: [],
    scope: { accounts: [], regions: [] },
    truncated: { limitBytes: limit, stringsClipped: true },
  });
}

/** The largest n in [min, total] for which `fits(n)` holds (fits is monotone), or undefined. */
function largestFitting(total: number, min: number, fits: (n: number) => boolean): number | undefined {
  if (total < min || !fits(min)) return undefined;
  let lo = min;
  let hi = total;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Rendering

function renderEntry(base: EntryBase, doc: AlertDocument): AlertEntry {
  const text =
    doc.kind === 'finding'
      ? findingText(doc)
      : doc.kind === 'summary'
        ? summaryText(doc)
        : doc.kind === 'notice'
          ? noticeText(doc)
          : errorText(doc);
  const json = JSON.stringify(doc);
  // With MessageStructure json, `default` (a string) is required and goes to every protocol without
  // its own key; per-protocol keys override it (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
  const message = { default: text, email: text, sqs: json, lambda: json, http: json, https: json };
  return { ...base, Message: JSON.stringify(message), MessageStructure: 'json' };
}

function findingText(doc: FindingAlertDocument): string {
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

function summaryText(doc: SummaryAlertDocument): string {
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

// ---------------------------------------------------------------------------------------------
// Subjects, attributes, ids

function findingSubject(doc: FindingAlertDocument): string {
  return subject(`[${doc.severity.toUpperCase()}] ${doc.rule}: `, doc.resource.id, ` (${doc.status})`);
}

function summarySubject(doc: SummaryAlertDocument): string {
  const actionable =
    (doc.totals.alerted ?? 0) + (doc.totals['remediation-failed'] ?? 0) + (doc.totals['dry-run'] ?? 0);
  const fixed = doc.totals.remediated ?? 0;
  const scope =
    doc.scope.accounts.length === 1 ? doc.scope.accounts[0]! : `${doc.scope.accounts.length} accounts`;
  return subject(
    `[${doc.severity.toUpperCase()}] sweep summary: `,
    scope,
    `: ${actionable} open, ${fixed} fixed${doc.errors.length > 0 || doc.truncated?.errorsTotal ? ', errors' : ''}`,
  );
}

/**
 * `prefix + middle + suffix` in under 100 characters: the middle (the resource id) is shortened
 * with an ellipsis, never splitting a surrogate pair; control characters become spaces.
 */
function subject(prefix: string, middle: string, suffix: string): string {
  const clean = (s: string) =>
    s
      .replace(/[\p{Cc}\u2028\u2029]/gu, ' ')
      // A lone surrogate is not UTF-8 text; SNS would reject the subject.
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  const head = clean(prefix);
  const tail = clean(suffix);
  const room = SNS_SUBJECT_MAX_CHARS - head.length - tail.length;
  return head + clipText(clean(middle), Math.max(room, 1)) + tail;
}

/** At most `max` UTF-16 units, ending in `…` when shortened; code points are never split. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const cp of text) {
    if (out.length + cp.length > max - 1) break;
    out += cp;
  }
  return `${out}…`;
}

function clipStrings<T>(value: T, max: number): T {
  if (typeof value === 'string') return clipText(value, max) as T;
  if (Array.isArray(value)) return value.map((v) => clipStrings(v, max)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clipStrings(v, max)])) as T;
  }
  return value;
}

function attributes(
  values: Record<AlertAttributeName, string | undefined>,
): Record<AlertAttributeName, StringAttribute> {
  // SNS rejects empty attribute values ("Name, type, and value must not be empty or null").
  // SNS documents that attributes are *delivered* only with MessageStructure string, not json
  // (https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html): the document repeats
  // every attribute (rule, severity, status, resource type/account/region) for body-scoped filters.
  const out = {} as Record<AlertAttributeName, StringAttribute>;
  for (const [name, value] of Object.entries(values) as [AlertAttributeName, string | undefined][]) {
    out[name] = { DataType: 'String', StringValue: value ? value : 'unknown' };
  }
  return out;
}

/** A readable, deterministic batch id: the label in `[A-Za-z0-9_-]`, then a hash of `key`. */
function entryId(label: string, key: string): string {
  const hash = fnv1a(key);
  const safe = label.replace(/[^A-Za-z0-9_-]/g, '-');
  return `${safe.slice(0, ENTRY_ID_MAX - hash.length - 1)}_${hash}`;
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function highestSeverity(severities: Severity[]): Severity {
  let best: Severity = 'low';
  for (const s of severities) if (SEVERITY_ORDER.indexOf(s) > SEVERITY_ORDER.indexOf(best)) best = s;
  return best;
}

function isoTime(time: Date | string | undefined): string {
  const date = time === undefined ? new Date() : new Date(time);
  if (Number.isNaN(date.getTime())) throw new AlertInputError(`not a time: ${String(time)}`);
  return date.toISOString();
}

/** UTF-8 length without encoding (a lone surrogate counts as the 3-byte replacement character). */
function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
