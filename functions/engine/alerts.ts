/**
 * SNS alert entries (SPEC.md §5 "Alerts"): one PublishBatch entry per finding (a resource and a
 * rule), `MessageStructure: 'json'` with readable text for email and a versioned JSON document
 * (schema/finding-alert.v1.schema.json) for machines, a short subject, and String attributes for
 * subscription filters. Pure: no I/O, no SDK.
 * The parts: alert-documents.ts (the JSON documents), alert-text.ts (their text), alert-entry.ts
 * (the entry around them), alert-fit.ts (shrinking to the SNS limit), alert-clip.ts (clipping).
 */
import { clipText } from './alert-clip.js';
import { ALERT_SCHEMA_VERSION, findingDocument, isoTime, summaryDocument } from './alert-documents.js';
import {
  attributes,
  ENTRY_ID_MAX,
  entryId,
  findingSubject,
  renderEntry,
  SNS_MESSAGE_MAX_BYTES,
  subject,
  summarySubject,
} from './alert-entry.js';
import { fitFinding, fitSummary } from './alert-fit.js';
import { NOTICE_TEXT, STAGE_TEXT } from './alert-text.js';
import type {
  AlertEntry,
  AlertOptions,
  ErrorAlertDocument,
  ErrorAlertInput,
  FindingAlertInput,
  NoticeAlertDocument,
  NoticeAlertInput,
  SweepSummaryInput,
} from './alert-types.js';

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
