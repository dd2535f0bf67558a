/**
 * A finding's lifecycle, pure: given what the ledger holds for a finding and what the guard just
 * observed, the next record and the transition (if any). The ledger adapter writes a record only
 * for a transition, conditionally on the version it read, so two writers never both win one
 * transition; only the winner alerts.
 *
 * States: `open` (found, not fixed), `remediated` (the guard fixed it), `resolved` (seen compliant,
 * or unseen by a complete sweep), `reopened` (open again after remediated/resolved/exempt),
 * `exempt` (an exemption covers it).
 */
import { createHash } from 'node:crypto';
import type { Witness } from '../policy/types.js';
import type { Severity } from '../rules/types.js';
import type { FindingSubject } from './finding-id.js';

export type FindingState = 'open' | 'remediated' | 'resolved' | 'reopened' | 'exempt';
export type Transition = 'new' | 'changed' | 'reopened' | 'remediated' | 'resolved' | 'exempted';

/** Transitions subscribers hear about (`alerts.on: "transitions"`): exemptions are the user's own act. */
export const ALERTED: readonly Transition[] = ['new', 'changed', 'reopened', 'remediated', 'resolved'];

export interface LedgerRecord {
  id: string;
  subject: FindingSubject;
  state: FindingState;
  severity: Severity;
  /** Of the severity and witness: a different one is a `changed` finding. */
  fingerprint: string;
  firstSeen: string;
  /** When the record was last written (a transition); unchanged sightings cost no write. */
  lastSeen: string;
  /** Incremented by each write; the condition of the next one. */
  version: number;
}

/** What one judgment said of a finding's rule on its resource. */
interface Seen {
  id: string;
  subject: FindingSubject;
  severity: Severity;
  fingerprint: string;
}
interface Unseen {
  id: string;
  subject: FindingSubject;
}
export type Observation =
  | (Seen & { kind: 'open' })
  | (Seen & { kind: 'remediated' })
  | (Unseen & { kind: 'exempt' })
  | (Unseen & { kind: 'compliant' });

export function fingerprintOf(severity: Severity, witness: Witness | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([severity, witness ?? null]))
    .digest('hex')
    .slice(0, 16);
}

export interface Step {
  transition: Transition;
  next: LedgerRecord;
}

const isOpen = (s: FindingState) => s === 'open' || s === 'reopened';

/**
 * The next record for an observation, or undefined when nothing changes (no write, no alert). A
 * compliant or exempt observation of a finding the ledger never held writes nothing either.
 */
export function step(prev: LedgerRecord | undefined, obs: Observation, at: string): Step | undefined {
  const write = (state: FindingState, transition: Transition, patch: Partial<LedgerRecord> = {}): Step => ({
    transition,
    next: {
      id: obs.id,
      subject: obs.subject,
      severity: prev?.severity ?? 'low',
      fingerprint: prev?.fingerprint ?? '',
      firstSeen: prev?.firstSeen ?? at,
      ...patch,
      state,
      lastSeen: at,
      version: (prev?.version ?? 0) + 1,
    },
  });
  if (obs.kind === 'compliant') {
    // Remediated is closed already: its alert said so, and seeing it compliant again is no news.
    if (!prev || prev.state === 'resolved' || prev.state === 'remediated') return undefined;
    return write('resolved', 'resolved');
  }
  if (obs.kind === 'exempt') {
    if (!prev || prev.state === 'exempt' || prev.state === 'resolved' || prev.state === 'remediated')
      return undefined;
    return write('exempt', 'exempted');
  }
  const seen = { severity: obs.severity, fingerprint: obs.fingerprint };
  if (obs.kind === 'remediated') return write('remediated', 'remediated', seen);
  if (!prev) return write('open', 'new', seen);
  if (isOpen(prev.state)) {
    return prev.fingerprint === obs.fingerprint ? undefined : write(prev.state, 'changed', seen);
  }
  return write('reopened', 'reopened', seen);
}

/** A complete sweep's verdict on a finding it did not see: resolved, unless already closed. */
export function unseen(prev: LedgerRecord, at: string): Step | undefined {
  return step(prev, { kind: 'compliant', id: prev.id, subject: prev.subject }, at);
}

/** The scope a record belongs to (the table's partition key): one account-region of one partition. */
export const scopeOf = (s: Pick<FindingSubject, 'partition' | 'account' | 'region'>) =>
  `${s.partition}#${s.account}#${s.region}`;

/** The sort key: the resource ARN then the rule, so one event's resource is one Query prefix. */
export const sortKeyOf = (s: Pick<FindingSubject, 'resourceArn' | 'rule'>) => `${s.resourceArn}#${s.rule}`;
