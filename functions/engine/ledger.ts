/**
 * The findings ledger in the pipeline: which findings' transitions to alert, given what a run
 * observed. Pure orchestration over `LedgerPort` (the DynamoDB adapter, adapters/ledger.ts, in the
 * Lambdas; an in-memory one in tests). A write is made only for a transition, conditionally on the
 * version read, so of two writers racing on one transition (two handlers, a handler and a sweep)
 * exactly one wins and alerts; the loser re-reads and finds nothing left to do.
 *
 * If the table cannot be read or written, no finding is lost: every open finding observed is
 * alerted as if `alerts.on` were "every", and the failure is reported (`ledgerError`) for the
 * caller to alert once.
 */
import type { RuleId } from '../config/schema.js';
import { type FindingSubject, findingId, subjectOf } from '../findings/finding-id.js';
import {
  ALERTED,
  fingerprintOf,
  type LedgerRecord,
  type Observation,
  type Step,
  step,
  unseen,
} from '../findings/lifecycle.js';
import type { ResourceOutcome } from './deps.js';

export interface LedgerPort {
  /** The records of one scope (`scopeOf`), or of one resource in it when `resourceArn` is given. */
  query(scope: string, resourceArn?: string): Promise<LedgerRecord[]>;
  /** One record, read again after a lost race. */
  get(subject: FindingSubject): Promise<LedgerRecord | undefined>;
  /** Write `next` if the stored version is `expected` (0: no record yet); false if another writer won. */
  put(next: LedgerRecord, expected: number): Promise<boolean>;
}

export type AlertsOn = 'transitions' | 'every';

export interface LedgerRun {
  /** One account-region (`scopeOf`). */
  scope: string;
  /** An event's resource: only its records are read, and nothing unseen is resolved. */
  resourceArn?: string;
  observations: Observation[];
  /** A complete sweep of the scope: its records not observed are resolved. */
  complete: boolean;
  at: string;
}

export interface LedgerResult {
  /** The transitions this run won (one write each). */
  transitions: Step[];
  /** Ids of the findings to alert about (per `alerts.on`). */
  alert: Set<string>;
  writes: number;
  /** Conditional writes lost to another writer (then re-read). */
  lostRaces: number;
  /** The table could not be used: every open observation is in `alert`. */
  ledgerError?: string;
}

const MAX_TRIES = 3;

export async function reconcile(
  ledger: LedgerPort,
  run: LedgerRun,
  alertsOn: AlertsOn,
): Promise<LedgerResult> {
  const open = run.observations.filter((o) => o.kind === 'open' || o.kind === 'remediated').map((o) => o.id);
  const result: LedgerResult = { transitions: [], alert: new Set(), writes: 0, lostRaces: 0 };
  try {
    const records = new Map((await ledger.query(run.scope, run.resourceArn)).map((r) => [r.id, r]));
    const apply = async (
      first: LedgerRecord | undefined,
      next: (prev: LedgerRecord | undefined) => Step | undefined,
      subject: FindingSubject,
    ) => {
      let prev = first;
      for (let i = 0; i < MAX_TRIES; i++) {
        const s = next(prev);
        if (!s) return;
        result.writes++;
        if (await ledger.put(s.next, prev?.version ?? 0)) {
          result.transitions.push(s);
          return;
        }
        result.lostRaces++;
        prev = await ledger.get(subject);
      }
      throw new Error(
        `finding ${subject.resourceArn} ${subject.rule} kept changing under ${MAX_TRIES} writes`,
      );
    };
    for (const o of run.observations)
      await apply(records.get(o.id), (prev) => step(prev, o, run.at), o.subject);
    if (run.complete && run.resourceArn === undefined) {
      const seen = new Set(run.observations.map((o) => o.id));
      for (const r of records.values())
        if (!seen.has(r.id)) await apply(r, (prev) => (prev ? unseen(prev, run.at) : undefined), r.subject);
    }
  } catch (err) {
    result.ledgerError = (err as Error).message;
    for (const id of open) result.alert.add(id);
    return result;
  }
  for (const t of result.transitions) if (ALERTED.includes(t.transition)) result.alert.add(t.next.id);
  if (alertsOn === 'every') for (const id of open) result.alert.add(id);
  return result;
}

/**
 * What one outcome says of each judged rule: open (`finding`, `alerted`, `dry-run`,
 * `remediation-failed`), remediated, exempt or compliant. `off`, `not-applicable` and `not-read`
 * say nothing (the finding is neither seen nor resolved); nor does an outcome not judged.
 */
export function observationsOf(o: ResourceOutcome): Observation[] {
  if (o.status !== 'judged') return [];
  const out: Observation[] = [];
  for (const r of o.rules) {
    const subject = subjectOf(o, r.rule as RuleId);
    const id = findingId(subject);
    const judged = o.verdict?.results.find((v) => v.rule === r.rule);
    const first = judged?.findings[0];
    const seen = (kind: 'open' | 'remediated'): Observation => {
      const severity = first?.severity ?? 'low';
      return { kind, id, subject, severity, fingerprint: fingerprintOf(severity, first?.witness) };
    };
    if (r.status === 'compliant') out.push({ kind: 'compliant', id, subject });
    else if (r.status === 'exempt') out.push({ kind: 'exempt', id, subject });
    else if (r.status === 'remediated') out.push(seen('remediated'));
    else if (['finding', 'alerted', 'dry-run', 'remediation-failed'].includes(r.status))
      out.push(seen('open'));
  }
  return out;
}
