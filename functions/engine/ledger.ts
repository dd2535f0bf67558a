/**
 * The findings ledger in the pipeline: which findings' transitions to alert, given what a run
 * observed. Pure orchestration over `LedgerPort` (the DynamoDB adapter, adapters/ledger.ts, in the
 * Lambdas; an in-memory one in tests). A write is made only for a transition, conditionally on the
 * version read, so of two writers racing on one transition (two handlers, a handler and a sweep)
 * exactly one wins and alerts; the loser re-reads and finds nothing left to do.
 *
 * If the table cannot be read or written, no finding is lost: from then on every open finding
 * observed is alerted as if `alerts.on` were "every", nothing is resolved, and the failure is
 * reported (`ledgerError`) for the caller to alert once.
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
  /** The table could not be used: every open observation since is in `alert`. */
  ledgerError?: string;
}

/** What one batch of observations (one resource's) did. */
interface Observed {
  /** The transitions won by these observations. */
  steps: Step[];
  /** The ids among them to alert about. */
  alert: Set<string>;
}

/**
 * One run's use of the ledger: a sweep of an account-region (its records read once, with one
 * paginated Query, then kept) or an event (each resource's records read when it is observed).
 */
export interface LedgerSession {
  observe(observations: Observation[], resourceArn?: string): Promise<Observed>;
  /**
   * The end of a complete sweep: resolve the records this session did not observe, except those
   * `keep` says were not judged (an unreadable resource's findings stay as they were).
   */
  resolveUnseen(keep: (r: LedgerRecord) => boolean): Promise<Step[]>;
  result(): LedgerResult;
}

const MAX_TRIES = 3;
const isOpenKind = (o: Observation) => o.kind === 'open' || o.kind === 'remediated';

export function openLedgerSession(
  ledger: LedgerPort,
  scope: string,
  alertsOn: AlertsOn,
  at: () => string,
  options: { wholeScope: boolean },
): LedgerSession {
  const result: LedgerResult = { transitions: [], alert: new Set(), writes: 0, lostRaces: 0 };
  const records = new Map<string, LedgerRecord>();
  const observed = new Set<string>();
  let loaded: Promise<void> | undefined;
  const load = async (resourceArn?: string) => {
    if (!options.wholeScope) {
      for (const r of await ledger.query(scope, resourceArn)) records.set(r.id, r);
      return;
    }
    loaded ??= ledger.query(scope).then((rs) => {
      for (const r of rs) records.set(r.id, r);
    });
    await loaded;
  };
  const apply = async (
    next: (prev: LedgerRecord | undefined) => Step | undefined,
    id: string,
    subject: FindingSubject,
  ): Promise<Step | undefined> => {
    let prev = records.get(id);
    for (let i = 0; i < MAX_TRIES; i++) {
      const s = next(prev);
      if (!s) return undefined;
      result.writes++;
      if (await ledger.put(s.next, prev?.version ?? 0)) {
        records.set(id, s.next);
        result.transitions.push(s);
        return s;
      }
      result.lostRaces++;
      prev = await ledger.get(subject);
    }
    throw new Error(`finding ${subject.resourceArn} ${subject.rule} kept changing under ${MAX_TRIES} writes`);
  };
  const fail = (err: unknown) => {
    result.ledgerError ??= (err as Error).message;
  };
  return {
    async observe(observations, resourceArn) {
      const out: Observed = { steps: [], alert: new Set() };
      // An unjudged resource says nothing: no read.
      if (observations.length === 0) return out;
      const open = observations.filter(isOpenKind).map((o) => o.id);
      for (const o of observations) observed.add(o.id);
      if (result.ledgerError === undefined) {
        try {
          await load(resourceArn);
          for (const o of observations) {
            const s = await apply((prev) => step(prev, o, at()), o.id, o.subject);
            if (s) out.steps.push(s);
          }
        } catch (err) {
          fail(err);
        }
      }
      if (result.ledgerError !== undefined || alertsOn === 'every') for (const id of open) out.alert.add(id);
      for (const s of out.steps) if (ALERTED.includes(s.transition)) out.alert.add(s.next.id);
      for (const id of out.alert) result.alert.add(id);
      return out;
    },
    async resolveUnseen(keep) {
      const steps: Step[] = [];
      if (result.ledgerError !== undefined) return steps;
      try {
        await load();
        for (const r of [...records.values()]) {
          if (observed.has(r.id) || keep(r)) continue;
          const s = await apply((prev) => (prev ? unseen(prev, at()) : undefined), r.id, r.subject);
          if (s) steps.push(s);
        }
      } catch (err) {
        fail(err);
      }
      for (const s of steps) if (ALERTED.includes(s.transition)) result.alert.add(s.next.id);
      return steps;
    },
    result: () => result,
  };
}

/** One run at once: the observations, then (a complete sweep) the unseen records resolved. */
export async function reconcile(
  ledger: LedgerPort,
  run: LedgerRun,
  alertsOn: AlertsOn,
): Promise<LedgerResult> {
  const session = openLedgerSession(ledger, run.scope, alertsOn, () => run.at, {
    wholeScope: run.resourceArn === undefined,
  });
  await session.observe(run.observations, run.resourceArn);
  if (run.complete && run.resourceArn === undefined) await session.resolveUnseen(() => false);
  return session.result();
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
