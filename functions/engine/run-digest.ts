/**
 * One digest per sweep run, not one per account-region: each worker keeps its account-region's
 * summary in the ledger table under the run, and the worker that completes the run — it finds every
 * account-region's summary there and wins a conditional write — sends the one summary message of
 * the whole run. A redelivered message replaces its account-region's summary; a run whose message
 * goes to the dead-letter queue never completes, and the queue's alarm says so. Pure over the port.
 */
import type { Severity } from '../rules/types.js';
import type { SweepSummaryInput } from './alert-types.js';
import type { SweepDigest } from './digest.js';

export interface RunDigestPort {
  /** Keep one account-region's summary of a run, replacing an earlier one (a redelivery). */
  put(runId: string, account: string, region: string, summary: SweepSummaryInput): Promise<void>;
  /** Every account-region summary of the run so far. */
  list(runId: string): Promise<SweepSummaryInput[]>;
  /** True for exactly one caller per run: the one that sends its digest. */
  claim(runId: string): Promise<boolean>;
}

/** Errors kept per account-region (the summary alert shows a few and says how many there were). */
const MAX_ERRORS = 50;
const TOP = 10;
const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

const sum = <K extends string>(
  into: Partial<Record<K, number>>,
  from: Partial<Record<K, number>> | undefined,
) => {
  for (const [k, n] of Object.entries(from ?? {}) as [K, number][]) into[k] = (into[k] ?? 0) + n;
};
const iso = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

function mergeDigests(parts: SweepDigest[]): SweepDigest {
  const out: SweepDigest = { changes: {}, open: {}, top: [] };
  for (const d of parts) {
    sum(out.changes, d.changes);
    sum(out.open, d.open);
    out.top.push(...d.top);
  }
  out.top = out.top
    .map((f, i) => ({ f, i }))
    .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i)
    .slice(0, TOP)
    .map(({ f }) => f);
  return out;
}

/** The run's summary from its account-regions' summaries. */
export function mergeSummaries(runId: string, parts: SweepSummaryInput[]): SweepSummaryInput {
  const counts: SweepSummaryInput['counts'] = {};
  const resources: NonNullable<SweepSummaryInput['resources']> = {};
  for (const p of parts) {
    for (const [rule, byStatus] of Object.entries(p.counts) as [
      keyof typeof counts,
      Record<string, number>,
    ][]) {
      const c = counts[rule] ?? {};
      sum(c, byStatus);
      counts[rule] = c;
    }
    sum(resources, p.resources);
  }
  const started = parts
    .map((p) => iso(p.startedAt))
    .filter((t): t is string => t !== undefined)
    .sort();
  const finished = parts
    .map((p) => iso(p.finishedAt))
    .filter((t): t is string => t !== undefined)
    .sort();
  const digests = parts.flatMap((p) => (p.digest ? [p.digest] : []));
  return {
    sweepId: runId,
    ...(started[0] ? { startedAt: started[0] } : {}),
    ...(finished.at(-1) ? { finishedAt: finished.at(-1) as string, time: finished.at(-1) as string } : {}),
    dryRun: parts.some((p) => p.dryRun),
    accounts: [...new Set(parts.flatMap((p) => p.accounts))].sort(),
    regions: [...new Set(parts.flatMap((p) => p.regions))].sort(),
    resources,
    counts,
    errors: parts.flatMap((p) => p.errors ?? []),
    ...(digests.length > 0 ? { digest: mergeDigests(digests) } : {}),
  };
}

/** What one account-region keeps of its summary (errors bounded: an item holds at most 400 KB). */
function scopeSummary(summary: SweepSummaryInput): SweepSummaryInput {
  return { ...summary, errors: (summary.errors ?? []).slice(0, MAX_ERRORS) };
}

/**
 * Record this account-region's summary; the run's merged summary when this worker completes the
 * run (all `scopes` account-regions are in and it won the claim), else undefined.
 */
export async function completeRun(
  port: RunDigestPort,
  runId: string,
  scopes: number,
  account: string,
  region: string,
  mine: SweepSummaryInput,
): Promise<SweepSummaryInput | undefined> {
  await port.put(runId, account, region, scopeSummary(mine));
  const parts = await port.list(runId);
  if (parts.length < scopes) return undefined;
  if (!(await port.claim(runId))) return undefined;
  return mergeSummaries(runId, parts);
}
