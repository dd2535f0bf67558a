import { checkBudget } from './budget.js';
import { unique } from './candidates.js';
import { type Glob, globMatches, type Observer } from './glob.js';
import { cellRepresentatives, signatureOf } from './glob-cells.js';

function isWildcardFree(globs: Glob[]): boolean {
  return globs.every((g) => g.tokens.every((t) => t.t === 'c'));
}

export interface CellSet {
  values: string[];
  exact: boolean;
}

/** Whether every enumeration of a dimension was exact, and what was not. */
export interface Exactness {
  exact: boolean;
  reasons: string[];
}

/** Record a cell enumeration of `what` that hit a bound. */
export function noteExactness(exactness: Exactness, c: CellSet, what: string): void {
  if (!c.exact) {
    exactness.exact = false;
    exactness.reasons.push(what);
  }
}

interface CellQuery {
  /** `groupOf[i]`: the condition entry (group) of `globs[i]`; the values of an entry are ORed. */
  groupOf?: number[];
  observers?: Observer[];
  /** Values to show instead of the enumeration's own when they stand for the same cell (readable, trusted). */
  prefer?: string[];
  /**
   * Ids have AWS's shapes (vpce- and 17 hex digits, ...), the enumeration finds shortest strings:
   * `realify(v)` proposes values of the proper shape, the first in the same cell replaces `v`.
   */
  realify?: (value: string) => string[];
  /**
   * Also keep the policy's own literals that lie outside `domain` (a placeholder such as
   * vpce-0unknown99999 is the one value its condition matches; each literal is a cell of its own).
   */
  keepLiterals?: (literal: string) => boolean;
}

/**
 * Representatives for one string attribute given the globs that test it: one value per cell (per
 * combination of groups matched, and of observer states), readable where a preferred value
 * stands for the cell.
 */
export function stringCells(
  globs: Glob[],
  domain: Glob | undefined,
  fresh: (taken: (v: string) => boolean) => string,
  query: CellQuery = {},
): CellSet {
  const options = {
    ...(query.groupOf ? { groupOf: query.groupOf } : {}),
    ...(query.observers ? { observers: query.observers } : {}),
  };
  const matchesAny = (v: string) => globs.some((g) => globMatches(g, v));
  const inDomain = (v: string) => !domain || globMatches(domain, v);
  const readable = fresh(matchesAny);
  const prefer = [...(query.prefer ?? []), readable].filter(inDomain);
  let values: string[];
  let exact = true;
  let sigOf = (v: string) => signatureOf(globs, v, options);
  if (isWildcardFree(globs) && globs.every((g) => !g.spec.ignoreCase) && !query.observers?.length) {
    // Literals only: each literal is a cell of its own groups, the fresh value the cell of none.
    values = [...unique(globs.map((g) => g.spec.pattern)).filter(inDomain), readable];
    const groupsOf = new Map<string, number[]>();
    globs.forEach((g, i) => {
      const list = groupsOf.get(g.spec.pattern) ?? [];
      list.push(query.groupOf ? query.groupOf[i]! : i);
      groupsOf.set(g.spec.pattern, list);
    });
    sigOf = (v) => [...new Set(groupsOf.get(v) ?? [])].sort((a, b) => a - b).join(',');
  } else {
    const cells = cellRepresentatives(globs, domain, options);
    values = cells.values.filter((v) => v !== '' || !domain);
    exact = cells.exact;
  }
  // One value per cell, preferred values first (a preferred value only stands in for a cell the
  // enumeration found), then values given AWS's shape where one in the same cell exists.
  const found = new Set(values.map(sigOf));
  const bySignature = new Map<string, string>();
  for (const v of [...prefer, ...values]) {
    checkBudget();
    const sig = sigOf(v);
    if (!found.has(sig) || bySignature.has(sig)) continue;
    const shaped = query.realify?.(v).find((r) => inDomain(r) && sigOf(r) === sig);
    bySignature.set(sig, shaped ?? v);
  }
  const out = [...bySignature.values()];
  if (query.keepLiterals) {
    for (const g of globs) {
      const l = g.literal !== undefined && !g.spec.ignoreCase ? g.literal : undefined;
      if (l !== undefined && !inDomain(l) && query.keepLiterals(l) && !out.includes(l)) out.push(l);
    }
  }
  return { values: out, exact };
}
