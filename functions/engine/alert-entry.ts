/**
 * The SNS PublishBatch entry around an alert document: `MessageStructure: 'json'` with the text for
 * email and the document for machines, a short subject, String attributes for subscription
 * filters, a deterministic entry id, and the bytes SNS counts against its limit. Pure.
 */
import { clipText, utf8Bytes } from './alert-clip.js';
import { errorText, findingText, noticeText, summaryText } from './alert-text.js';
import type {
  AlertAttributeName,
  AlertDocument,
  AlertEntry,
  FindingAlertDocument,
  StringAttribute,
  SummaryAlertDocument,
} from './alert-types.js';

/**
 * SNS message limit: 262,144 bytes of UTF-8, body and attributes together (names, types and values
 * count: https://docs.aws.amazon.com/sns/latest/api/API_MessageAttributeValue.html).
 */
export const SNS_MESSAGE_MAX_BYTES = 262_144;

/**
 * Subjects must be "less than 100 characters long" with no line breaks or control characters
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
 */
const SNS_SUBJECT_MAX_CHARS = 99;

/** PublishBatch entry ids: up to 80 characters, alphanumerics, `-` and `_`. */
export const ENTRY_ID_MAX = 80;

export interface EntryBase {
  Id: string;
  Subject: string;
  MessageAttributes: Record<AlertAttributeName, StringAttribute>;
}

export function renderEntry(base: EntryBase, doc: AlertDocument): AlertEntry {
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

export function findingSubject(doc: FindingAlertDocument): string {
  return subject(`[${doc.severity.toUpperCase()}] ${doc.rule}: `, doc.resource.id, ` (${doc.status})`);
}

export function summarySubject(doc: SummaryAlertDocument): string {
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
export function subject(prefix: string, middle: string, suffix: string): string {
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

export function attributes(
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
export function entryId(label: string, key: string): string {
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
