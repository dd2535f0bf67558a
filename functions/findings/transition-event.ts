/**
 * The EventBridge event for one transition of the ledger: put on the default bus of the guard's
 * account so users route findings (to chat, ticketing, ...) with rules of their own. The detail is
 * versioned and documented by schema/finding-event.v1.schema.json.
 *
 * Size: EventBridge refuses an entry of 256 KB or more, counting Time as 14 bytes and Source,
 * DetailType, Detail and each Resources entry as their UTF-8 bytes
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html). A witness that
 * would not fit is clipped (its strings shortened, at worst dropped) and the detail says so
 * (`witnessClipped`); the description is clipped to DESCRIPTION_MAX characters in any case.
 */
import type { Witness } from '../policy/types.js';
import type { RuleId } from '../rules/index.js';
import type { Proof, Severity } from '../rules/types.js';
import type { FindingState, Step, Transition } from './lifecycle.js';
import type { OpenFinding } from './open-findings.js';
import { findingOfRecord } from './record-finding.js';

const EVENT_SOURCE = 'kms-perimeter-guard';
const EVENT_DETAIL_TYPE = 'KMS Perimeter Guard Finding';
/** The largest entry EventBridge accepts, in its own count (see above): under 256 KiB. */
export const EVENT_MAX_ENTRY_BYTES = 262_143;
const DESCRIPTION_MAX = 4096;
/** Each string of a witness that does not fit is cut to these lengths in turn, then dropped. */
const WITNESS_CLIPS = [1024, 128, 16] as const;

export interface TransitionEventDetail {
  schemaVersion: 1;
  findingId: string;
  transition: Transition;
  /** The finding's state after the transition. */
  state: FindingState;
  rule: RuleId;
  title: string;
  severity: Severity;
  description: string;
  resource: {
    type: OpenFinding['resource']['type'];
    id: string;
    arn: string;
    account: string;
    region: string;
    partition: string;
  };
  firstSeen: string;
  lastSeen: string;
  proof?: Proof;
  witness?: Witness;
  /** The witness was too large for an EventBridge entry: its strings were shortened, or it was left out. */
  witnessClipped?: true;
  remediationFailed?: true;
  /** The account whose guard sent the event (the bus's account), when the caller knows it. */
  guardAccount?: string;
}

/** One PutEvents entry (the adapter sends all but `findingId`, which names it in failures). */
export interface TransitionEventEntry {
  findingId: string;
  Source: typeof EVENT_SOURCE;
  DetailType: typeof EVENT_DETAIL_TYPE;
  /** TransitionEventDetail as JSON text. */
  Detail: string;
  Resources: string[];
  /** ISO 8601: when the transition was written. */
  Time: string;
}

/** The entry's size as EventBridge counts it. */
export function eventEntryBytes(e: {
  Source: string;
  DetailType: string;
  Detail: string;
  Resources: readonly string[];
}) {
  let bytes =
    14 + Buffer.byteLength(e.Source) + Buffer.byteLength(e.DetailType) + Buffer.byteLength(e.Detail);
  for (const r of e.Resources) bytes += Buffer.byteLength(r);
  return bytes;
}

/** At most `max` code points, ending in `…` when shortened. */
function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function clipWitness(w: Witness, max: number): Witness {
  const c = (s: string) => clip(s, max);
  const principal = Object.fromEntries(Object.entries(w.principal).map(([k, v]) => [k, c(String(v))]));
  const context = Object.fromEntries(
    // Keys stay whole: shortened, two keys could become one.
    Object.entries(w.context).map(([k, v]) => [k, Array.isArray(v) ? v.map(c) : c(v)]),
  );
  return { principal, action: c(w.action), resource: c(w.resource), context } as Witness;
}

function detailOf(
  step: Step,
  finding: OpenFinding | undefined,
  guardAccount?: string,
): TransitionEventDetail {
  const { transition, next } = step;
  const f = finding ?? findingOfRecord(next);
  const s = next.subject;
  return {
    schemaVersion: 1,
    findingId: next.id,
    transition,
    state: next.state,
    rule: s.rule,
    title: f.title,
    severity: f.severity,
    description: clip(f.description, DESCRIPTION_MAX),
    resource: {
      type: f.resource.type,
      id: f.resource.id,
      arn: s.resourceArn,
      account: s.account,
      region: s.region,
      partition: s.partition,
    },
    firstSeen: next.firstSeen,
    lastSeen: next.lastSeen,
    ...(f.proof ? { proof: f.proof } : {}),
    ...(f.witness ? { witness: f.witness } : {}),
    ...(f.remediationFailed ? { remediationFailed: true as const } : {}),
    ...(guardAccount ? { guardAccount } : {}),
  };
}

/**
 * The PutEvents entry for one transition. `finding`: the open finding the run judged, when it has
 * one (its witness and proof go along); without it the record describes the finding.
 */
export function transitionEvent(
  step: Step,
  finding: OpenFinding | undefined,
  guardAccount?: string,
): TransitionEventEntry {
  const detail = detailOf(step, finding, guardAccount);
  const entry = (d: TransitionEventDetail): TransitionEventEntry => ({
    findingId: d.findingId,
    Source: EVENT_SOURCE,
    DetailType: EVENT_DETAIL_TYPE,
    Detail: JSON.stringify(d),
    Resources: [d.resource.arn],
    Time: step.next.lastSeen,
  });
  let out = entry(detail);
  const witness = detail.witness;
  if (!witness || eventEntryBytes(out) <= EVENT_MAX_ENTRY_BYTES) return out;
  for (const max of WITNESS_CLIPS) {
    out = entry({ ...detail, witness: clipWitness(witness, max), witnessClipped: true });
    if (eventEntryBytes(out) <= EVENT_MAX_ENTRY_BYTES) return out;
  }
  const { witness: _dropped, ...rest } = detail;
  return entry({ ...rest, witnessClipped: true });
}
