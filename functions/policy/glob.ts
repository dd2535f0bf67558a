/**
 * Wildcard patterns (`*`, `?`) as tiny automata, and an exact enumeration of the "cells" a set of
 * patterns cuts the string space into: for every combination of patterns that some string matches
 * at once, one shortest such string. This is what keeps the analyzer exact for `StringLike`,
 * `ArnLike` and friends: a request value only matters through which patterns it matches.
 */

type Token =
  | { t: 'c'; ch: string; ci: boolean }
  | { t: 'one'; noColon: boolean }
  | { t: 'star'; noColon: boolean }
  | { t: 'digit' };

export interface GlobSpec {
  pattern: string;
  /** `*` and `?` are wildcards (Like/Arn operators); false for Equals operators. */
  wildcards: boolean;
  ignoreCase: boolean;
  /** ARN matching: wildcards in the first five colon-separated components do not cross `:`. */
  arn: boolean;
}

export interface Glob {
  spec: GlobSpec;
  tokens: Token[];
}

export function compileGlob(spec: GlobSpec): Glob {
  const tokens: Token[] = [];
  let colons = 0;
  for (const ch of spec.pattern) {
    const inPrefix = spec.arn && colons < 5;
    if (spec.wildcards && ch === '*') {
      const last = tokens[tokens.length - 1];
      if (!(last?.t === 'star' && last.noColon === inPrefix)) tokens.push({ t: 'star', noColon: inPrefix });
    } else if (spec.wildcards && ch === '?') tokens.push({ t: 'one', noColon: inPrefix });
    else tokens.push({ t: 'c', ch: spec.ignoreCase ? ch.toLowerCase() : ch, ci: spec.ignoreCase });
    if (ch === ':') colons++;
  }
  return { spec, tokens };
}

/** A glob of exactly `n` decimal digits (account ids). */
export function digitsGlob(n: number): Glob {
  return {
    spec: { pattern: '#'.repeat(n), wildcards: false, ignoreCase: false, arn: false },
    tokens: Array.from({ length: n }, () => ({ t: 'digit' }) as Token),
  };
}

function closure(g: Glob, states: Set<number>): Set<number> {
  const out = new Set(states);
  for (const s of states) {
    let i = s;
    while (i < g.tokens.length && g.tokens[i]!.t === 'star') {
      i++;
      out.add(i);
    }
  }
  return out;
}

function step(g: Glob, states: Set<number>, ch: string): Set<number> {
  const next = new Set<number>();
  const lower = ch.toLowerCase();
  for (const s of states) {
    const tok = g.tokens[s];
    if (!tok) continue;
    switch (tok.t) {
      case 'c':
        if (tok.ci ? lower === tok.ch : ch === tok.ch) next.add(s + 1);
        break;
      case 'one':
        if (!(tok.noColon && ch === ':')) next.add(s + 1);
        break;
      case 'star':
        if (!(tok.noColon && ch === ':')) next.add(s);
        break;
      case 'digit':
        if (ch >= '0' && ch <= '9') next.add(s + 1);
        break;
    }
  }
  return closure(g, next);
}

export function globMatches(g: Glob, value: string): boolean {
  let states = closure(g, new Set([0]));
  for (const ch of value) {
    states = step(g, states, ch);
    if (states.size === 0) return false;
  }
  return states.has(g.tokens.length);
}

export interface CellResult {
  /** One string per reachable combination of matched patterns. */
  values: string[];
  /** False when the exploration hit its bound: some combination may be missing. */
  exact: boolean;
}

const FRESH_CHARS = 'zqxjkvw0123456789-_/.ABC';

/**
 * One representative string per non-empty cell of the partition induced by `globs` on the strings
 * accepted by `domain` (or all strings). Breadth-first over the product automaton, so each
 * representative is a shortest member of its cell.
 */
export function cellRepresentatives(globs: Glob[], domain?: Glob, maxStates = 4000): CellResult {
  const all = domain ? [domain, ...globs] : globs;
  const alphabet = new Set<string>();
  for (const g of all) {
    for (const tok of g.tokens) {
      if (tok.t === 'c') {
        alphabet.add(tok.ch);
        if (tok.ci) alphabet.add(tok.ch.toUpperCase());
      }
    }
  }
  if (domain?.tokens.some((t) => t.t === 'digit')) for (const d of '0123456789') alphabet.add(d);
  // Every character outside the patterns behaves alike; one stands for all of them.
  const fresh = [...FRESH_CHARS].find((c) => !alphabet.has(c) && !alphabet.has(c.toLowerCase()));
  if (fresh) alphabet.add(fresh);
  const letters = [...alphabet];

  const init = all.map((g) => closure(g, new Set([0])));
  const key = (st: Set<number>[]) => st.map((s) => [...s].sort((a, b) => a - b).join(',')).join('|');
  const seen = new Set<string>([key(init)]);
  const signatures = new Map<string, string>();
  const queue: { st: Set<number>[]; str: string }[] = [{ st: init, str: '' }];
  let exact = true;
  for (let head = 0; head < queue.length; head++) {
    const { st, str } = queue[head]!;
    const domainOk = !domain || st[0]!.has(domain.tokens.length);
    if (domainOk) {
      const sig = globs.map((g, i) => (st[i + (domain ? 1 : 0)]!.has(g.tokens.length) ? '1' : '0')).join('');
      if (!signatures.has(sig)) signatures.set(sig, str);
    }
    for (const ch of letters) {
      const next = st.map((s, i) => step(all[i]!, s, ch));
      if (domain && next[0]!.size === 0) continue;
      const k = key(next);
      if (seen.has(k)) continue;
      if (seen.size >= maxStates) {
        exact = false;
        continue;
      }
      seen.add(k);
      queue.push({ st: next, str: str + ch });
    }
  }
  return { values: [...signatures.values()], exact };
}
