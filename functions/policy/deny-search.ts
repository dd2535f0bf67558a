import { checkBudget } from './budget.js';

const SEARCH_BUDGET = 200_000;

export class BudgetExceededError extends Error {
  override name = 'BudgetExceededError';
}

/** Restrict dimensions so that no Deny can match; undefined when impossible. */
export function escapeDenies(start: bigint[], denies: bigint[][]): bigint[] | undefined {
  let budget = SEARCH_BUDGET;
  const failed = new Set<string>();
  const rec = (masks: bigint[]): bigint[] | undefined => {
    if (--budget < 0) throw new BudgetExceededError();
    checkBudget();
    // Among Denies that can still match, take the one with the fewest ways out.
    let best: number[] | undefined;
    let bestDeny = -1;
    for (let j = 0; j < denies.length; j++) {
      const d = denies[j]!;
      let canMatch = true;
      for (let i = 0; i < masks.length; i++) {
        if ((masks[i]! & d[i]!) === 0n) {
          canMatch = false;
          break;
        }
      }
      if (!canMatch) continue;
      const exits: number[] = [];
      for (let i = 0; i < masks.length; i++) if ((masks[i]! & ~d[i]!) !== 0n) exits.push(i);
      if (exits.length === 0) return undefined;
      if (!best || exits.length < best.length) {
        best = exits;
        bestDeny = j;
      }
    }
    if (!best) return masks;
    const key = masks.join(',');
    if (failed.has(key)) return undefined;
    const d = denies[bestDeny]!;
    for (const i of best) {
      const next = masks.slice();
      next[i] = masks[i]! & ~d[i]!;
      const r = rec(next);
      if (r) return r;
    }
    failed.add(key);
    return undefined;
  };
  return rec(start);
}
