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

/**
 * The analysis stops this share of the budget early: unwinding from the last clock read to the
 * caller's report takes time too (measured on 32 KB generated policies: up to about 70 ms between
 * reads), and the budget is a promise about the whole of judge + plan.
 */
const STOP_SHARE = 0.95;
/** Clock reads every 16 calls: each read costs tens of nanoseconds; 256 let 200 ms slip by. */
const CHECK_EVERY_MASK = 0xf;

let deadline = Number.POSITIVE_INFINITY;
let budgetMs = 0;
let ticks = 0;

/** Run `fn` with a budget of `ms` milliseconds (undefined or <= 0: no budget). Nested calls keep the tighter deadline. */
export function withBudget<T>(ms: number | undefined, fn: () => T): T {
  if (ms === undefined || !(ms > 0)) return fn();
  const outer = deadline;
  const outerMs = budgetMs;
  const mine = performance.now() + ms * STOP_SHARE;
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

/** Throws `AnalysisBudgetError` once the active budget is spent. Cheap: reads the clock every 16 calls. */
export function checkBudget(): void {
  if (deadline === Number.POSITIVE_INFINITY) return;
  if ((++ticks & CHECK_EVERY_MASK) !== 0) return;
  if (performance.now() > deadline) throw new AnalysisBudgetError(budgetMs);
}
