/**
 * The sweep report (schema/sweep-report.v1.schema.json) written as the sweep goes: each resource is
 * written when it settles and only counted afterwards, so a sweep's memory does not grow with its
 * resources or findings. The document is the one `buildReport` makes, parsed; only the order of its
 * members differs: the run's start first, then `resources`, then what is known only at the end
 * (`finishedAt`, `durationMs`, `scopes`, `totals`, `apiCalls`, `rateLimitWaitsMs`).
 */
import type { RuleId } from '../config/schema.js';
import type { ReportResource, ReportRuleResult, ScopeResult, SweepReport } from './sweep-report.js';

type Totals = SweepReport['totals'];

/** Totals of no resource; `addToTotals` counts one more. */
export function emptyTotals(): Totals {
  return {
    resources: 0,
    byType: { 'kms-key': 0, 'vpc-endpoint': 0 },
    judged: 0,
    skipped: 0,
    unreadable: 0,
    byRule: {},
  };
}

export function addToTotals(t: Totals, r: ReportResource): void {
  t.resources++;
  t.byType[r.type]++;
  t[r.status]++;
  for (const [rule, res] of Object.entries(r.results) as [RuleId, ReportRuleResult][]) {
    const counts = t.byRule[rule] ?? {};
    counts[res.status] = (counts[res.status] ?? 0) + 1;
    t.byRule[rule] = counts;
  }
}

/** `byRule` in the rules' own order, as the buffered report lists it. */
export function orderedByRule(byRule: Totals['byRule'], ruleIds: readonly RuleId[]): Totals['byRule'] {
  return Object.fromEntries(ruleIds.filter((id) => byRule[id]).map((id) => [id, byRule[id]]));
}

interface StreamHead {
  runId: string;
  startedAt: Date;
  dryRun: boolean;
}

interface StreamTail {
  finishedAt: Date;
  scopes: ScopeResult[];
  apiCalls: Record<string, number>;
  rateLimitWaitsMs?: Record<string, number>;
}

/** Every line of a pretty-printed value after the first, indented by `pad`. */
const indented = (value: unknown, pad: string) => JSON.stringify(value, null, 2).replaceAll('\n', `\n${pad}`);

export interface ReportStream {
  /** Writes one resource and counts it. */
  add(r: ReportResource): void;
  /** Writes the end of the document; returns the report without its resources, and its totals. */
  finish(tail: StreamTail): Omit<SweepReport, 'resources'>;
}

/**
 * A report written through `write` in pieces (one per resource), pretty-printed as
 * `JSON.stringify(report, null, 2)` prints it, so a reader sees the same JSON. Without `write`,
 * only counted (a text report without `--output`).
 */
export function createReportStream(
  head: StreamHead,
  write: ((chunk: string) => void) | undefined,
  ruleIds: readonly RuleId[],
): ReportStream {
  const totals = emptyTotals();
  const start = {
    schemaVersion: '1' as const,
    kind: 'sweep-report' as const,
    product: 'kms-perimeter-guard' as const,
    runId: head.runId,
    startedAt: head.startedAt.toISOString(),
    dryRun: head.dryRun,
  };
  // The head object without its closing brace, then the resources array opened.
  write?.(`${JSON.stringify(start, null, 2).slice(0, -2)},\n  "resources": [`);
  return {
    add(r) {
      write?.(`${totals.resources === 0 ? '' : ','}\n    ${indented(r, '    ')}`);
      addToTotals(totals, r);
    },
    finish(tail) {
      const end = {
        finishedAt: tail.finishedAt.toISOString(),
        durationMs: tail.finishedAt.getTime() - head.startedAt.getTime(),
        scopes: tail.scopes,
        totals: { ...totals, byRule: orderedByRule(totals.byRule, ruleIds) },
        apiCalls: tail.apiCalls,
        ...(tail.rateLimitWaitsMs ? { rateLimitWaitsMs: tail.rateLimitWaitsMs } : {}),
      };
      // `{` of the tail object replaced by the comma that follows the resources.
      write?.(`${totals.resources === 0 ? '' : '\n  '}],${JSON.stringify(end, null, 2).slice(1)}\n`);
      return { ...start, ...end };
    },
  };
}
