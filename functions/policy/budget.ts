/**
 * The analysis time budget: judge + plan of one resource must end in bounded time, whatever the
 * policy. Analysis code calls `checkBudget()` in its loops; past the deadline it throws
 * `AnalysisBudgetError`, which the rules turn into an `unproven` finding ("analysis budget
 * exceeded") so the resource is reported, never remediated, and the sweep goes on.
 *
 * The deadline is ambient (set by `withBudget` around one resource) rather than threaded through
 * every helper: the analyzer is synchronous, so exactly one budget is active at a time.
 */
import { AnalysisBudgetError } from '../errors.js';

let deadline = Number.POSITIVE_INFINITY;
let budgetMs = 0;
let ticks = 0;

/** Run `fn` with a budget of `ms` milliseconds (undefined or <= 0: no budget). Nested calls keep the tighter deadline. */
export function withBudget<T>(ms: number | undefined, fn: () => T): T {
  if (ms === undefined || !(ms > 0)) return fn();
  const outer = deadline;
  const outerMs = budgetMs;
  const mine = performance.now() + ms;
  if (mine < deadline) {
    deadline = mine;
    budgetMs = ms;
  }
  try {
    return fn();
  } finally {
    deadline = outer;
    budgetMs = outerMs;
  }
}

/** Throws `AnalysisBudgetError` once the active budget is spent. Cheap: reads the clock every 256 calls. */
export function checkBudget(): void {
  if (deadline === Number.POSITIVE_INFINITY) return;
  if ((++ticks & 0xff) !== 0) return;
  if (performance.now() > deadline) throw new AnalysisBudgetError(budgetMs);
}

/** Whether a budget is active (analysis code may then skip optional work). */
export function budgetActive(): boolean {
  return deadline !== Number.POSITIVE_INFINITY;
}
