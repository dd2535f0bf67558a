import { dfaOf } from './glob-dfa.js';

/**
 * Wildcard patterns (`*`, `?`) as tiny automata: compiled once, matched in time linear in the
 * pattern times the value. glob-cells.ts enumerates the cells a set of them cuts the string space into.
 */

/** Character classes of the domains ids live in (account ids, endpoint ids, organization ids). */
export type CharClass = 'digit' | 'hex' | 'alnum';

type Token =
  | { t: 'c'; ch: string; ci: boolean }
  | { t: 'one'; noColon: boolean }
  | { t: 'star'; noColon: boolean }
  /** One character of the class, or (`star`) any run of them. */
  | { t: 'class'; cls: CharClass; star: boolean };

export const CLASS_CHARS: Record<CharClass, string> = {
  digit: '0123456789',
  hex: '0123456789abcdef',
  alnum: '0123456789abcdefghijklmnopqrstuvwxyz',
};

function inClass(cls: CharClass, ch: string): boolean {
  return ch.length === 1 && CLASS_CHARS[cls].includes(ch);
}

/** A token the automaton may pass without reading: `*`, or a class run. */
function skippable(tok: Token | undefined): boolean {
  return tok !== undefined && (tok.t === 'star' || (tok.t === 'class' && tok.star));
}

export interface GlobSpec {
  pattern: string;
  /** `*` and `?` are wildcards (Like/Arn operators); false for Equals operators. */
  wildcards: boolean;
  ignoreCase: boolean;
  /** ARN matching: wildcards in the first five colon-separated components do not cross `:`. */
  arn: boolean;
  /**
   * `${*}`, `${?}` and `${$}` stand for the literal characters, as in a Version 2012-10-17 policy
   * (default). In a policy of Version 2008-10-17 or none, `${...}` is plain text.
   */
  escapes?: boolean;
}

export interface Glob {
  /** Identity of the compiled pattern (flags + pattern). */
  key: string;
  spec: GlobSpec;
  tokens: Token[];
  /** The whole pattern when it has no wildcard (matched by comparison, not by the automaton). */
  literal?: string;
}

/**
 * An automaton whose *state* (not only acceptance) distinguishes values: the value is read between
 * `before` and `after`. The account part of a principal ARN is one: two accounts behave alike for
 * an ARN pattern only when the pattern's automaton is in the same state after `arn:aws:iam::<acct>:`
 * (so `*3:role/deploy` tells accounts ending in 3 from the others).
 */
export interface Observer {
  glob: Glob;
  before: string;
  after: string;
}

const compiled = new Map<string, Glob>();

function globKey(spec: GlobSpec): string {
  return `${spec.wildcards ? 'w' : 'l'}${spec.ignoreCase ? 'i' : 's'}${spec.arn ? 'a' : 'p'}${spec.escapes === false ? 'n' : 'e'}${spec.pattern}`;
}

/** Compile a pattern (memoized: policies repeat the same patterns across statements and keys). */
export function compileGlob(spec: GlobSpec): Glob {
  const key = globKey(spec);
  let g = compiled.get(key);
  if (!g) {
    g = compileUncached(spec);
    // Bounded: a sweep over thousands of distinct policies must not grow the heap without limit.
    if (compiled.size > 5_000) compiled.clear();
    compiled.set(key, g);
  }
  return g;
}

function compileUncached(spec: GlobSpec): Glob {
  const tokens: Token[] = [];
  let colons = 0;
  const chars = [...spec.pattern];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const inPrefix = spec.arn && colons < 5;
    // `${*}`, `${?}` and `${$}` are the literal characters (IAM policy variables, special characters).
    if (
      spec.escapes !== false &&
      ch === '$' &&
      chars[i + 1] === '{' &&
      '*?$'.includes(chars[i + 2] ?? '') &&
      chars[i + 3] === '}'
    ) {
      const lit = chars[i + 2]!;
      tokens.push({ t: 'c', ch: spec.ignoreCase ? lit.toLowerCase() : lit, ci: spec.ignoreCase });
      i += 3;
      continue;
    }
    if (spec.wildcards && ch === '*') {
      const last = tokens[tokens.length - 1];
      if (!(last?.t === 'star' && last.noColon === inPrefix)) tokens.push({ t: 'star', noColon: inPrefix });
    } else if (spec.wildcards && ch === '?') tokens.push({ t: 'one', noColon: inPrefix });
    else tokens.push({ t: 'c', ch: spec.ignoreCase ? ch.toLowerCase() : ch, ci: spec.ignoreCase });
    if (ch === ':') colons++;
  }
  const g: Glob = { key: globKey(spec), spec, tokens };
  if (tokens.every((t) => t.t === 'c')) g.literal = tokens.map((t) => (t.t === 'c' ? t.ch : '')).join('');
  return g;
}

const digitGlobs = new Map<number, Glob>();

/** A glob of exactly `n` decimal digits (account ids); one object per `n`, so its DFA is kept. */
export function digitsGlob(n: number): Glob {
  let g = digitGlobs.get(n);
  if (!g) {
    g = shapeGlob([{ cls: 'digit', count: n }]);
    digitGlobs.set(n, g);
  }
  return g;
}

export type ShapePart = string | { cls: CharClass; count: number; more?: boolean };

/**
 * The domain of an id of a known shape, e.g. `vpce-` and 17 lowercase hex digits:
 * literal text, and runs of a character class (`more`: any number of further ones).
 */
export function shapeGlob(parts: readonly ShapePart[]): Glob {
  const tokens: Token[] = [];
  let pattern = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      for (const ch of part) tokens.push({ t: 'c', ch, ci: false });
      pattern += part;
      continue;
    }
    for (let i = 0; i < part.count; i++) tokens.push({ t: 'class', cls: part.cls, star: false });
    if (part.more) tokens.push({ t: 'class', cls: part.cls, star: true });
    pattern += `<${part.cls}${part.count}${part.more ? '+' : ''}>`;
  }
  return {
    key: `shape:${pattern}`,
    spec: { pattern, wildcards: false, ignoreCase: false, arn: false },
    tokens,
  };
}

/** Add the states reachable through `*` without reading (a star may match the empty string). */
export function closeStates(g: Glob, states: number[]): number[] {
  const out: number[] = [];
  const seen = new Uint8Array(g.tokens.length + 1);
  for (const s0 of states) {
    let s = s0;
    for (;;) {
      if (seen[s]) break;
      seen[s] = 1;
      out.push(s);
      if (s < g.tokens.length && skippable(g.tokens[s])) s++;
      else break;
    }
  }
  return out.sort((a, b) => a - b);
}

export function stepStates(g: Glob, states: number[], ch: string, lower: string): number[] {
  const next: number[] = [];
  for (const s of states) {
    const tok = g.tokens[s];
    if (!tok) continue;
    switch (tok.t) {
      case 'c':
        if (tok.ci ? lower === tok.ch : ch === tok.ch) next.push(s + 1);
        break;
      case 'one':
        if (!(tok.noColon && ch === ':')) next.push(s + 1);
        break;
      case 'star':
        if (!(tok.noColon && ch === ':')) next.push(s);
        break;
      case 'class':
        if (inClass(tok.cls, ch)) next.push(tok.star ? s : s + 1);
        break;
    }
  }
  return next.length === 0 ? next : closeStates(g, next);
}

/**
 * Whole-value match by running the pattern's automaton (as a lazily built DFA): time
 * O(|pattern| x |value|) at worst whatever the pattern. (A backtracking regular expression is exponential in the number of `*` on a value that
 * does not match: `a*a*a*a*a*a*a*a*a*a*b` took seconds per test.) Patterns of literal characters,
 * `?` and `*` (no ARN-part stars, no classes) on ASCII values take the segment path instead: linear
 * in the value, and the analyzer's hottest call (every candidate against every pattern).
 */
export function globMatches(g: Glob, value: string): boolean {
  if (g.literal !== undefined) return g.spec.ignoreCase ? foldCase(value) === g.literal : value === g.literal;
  const form = segmentsOf(g);
  if (form !== null && !NON_ASCII.test(value))
    return segmentsMatch(form, g.spec.ignoreCase ? value.toLowerCase() : value);
  // The rest (ARN parts, id classes, non-ASCII) through the pattern's shared lazy DFA: after the
  // first values, a step is one lookup.
  const dfa = dfaOf(g);
  let state = dfa.start;
  for (const ch of value) {
    state = dfa.step(state, ch);
    if (dfa.sets[state]!.length === 0) return false;
  }
  return dfa.accepting[state]!;
}

const NON_ASCII = /\P{ASCII}/u;

/**
 * A pattern as the literal runs between its stars: `?` is a position that matches any character.
 * On ASCII, each run has a fixed length, so the leftmost place of each middle run is the right one.
 */
interface Segments {
  runs: string[];
  /** Per run: the positions of `?` (absent: none, so `indexOf` finds the run). */
  anyAt: (number[] | undefined)[];
  leadingStar: boolean;
  trailingStar: boolean;
}

const segmentForms = new WeakMap<Glob, Segments | null>();

function segmentsOf(g: Glob): Segments | null {
  let form = segmentForms.get(g);
  if (form !== undefined) return form;
  form = null;
  const plain = g.tokens.every(
    (t) =>
      (t.t === 'c' && t.ch.length === 1 && t.ch.charCodeAt(0) < 0x80) ||
      ((t.t === 'star' || t.t === 'one') && !t.noColon),
  );
  if (plain) {
    const runs: string[] = [''];
    const anyAt: (number[] | undefined)[] = [undefined];
    for (const t of g.tokens) {
      const last = runs.length - 1;
      if (t.t === 'star') {
        runs.push('');
        anyAt.push(undefined);
      } else if (t.t === 'one') {
        const positions = anyAt[last] ?? [];
        positions.push(runs[last]!.length);
        anyAt[last] = positions;
        runs[last] += '?';
      } else if (t.t === 'c') runs[last] += t.ch;
    }
    form = {
      runs,
      anyAt,
      leadingStar: g.tokens[0]?.t === 'star',
      trailingStar: g.tokens.at(-1)?.t === 'star',
    };
  }
  segmentForms.set(g, form);
  return form;
}

function runAt(run: string, any: number[] | undefined, value: string, at: number): boolean {
  if (at < 0 || at + run.length > value.length) return false;
  if (!any) return value.startsWith(run, at);
  for (let i = 0; i < run.length; i++) {
    if (run.charCodeAt(i) === 63 && any.includes(i)) continue;
    if (run.charCodeAt(i) !== value.charCodeAt(at + i)) return false;
  }
  return true;
}

function findRun(run: string, any: number[] | undefined, value: string, from: number, to: number): number {
  if (!any) {
    const i = value.indexOf(run, from);
    return i >= 0 && i + run.length <= to ? i : -1;
  }
  for (let i = from; i + run.length <= to; i++) if (runAt(run, any, value, i)) return i;
  return -1;
}

function segmentsMatch(f: Segments, value: string): boolean {
  const { runs, anyAt } = f;
  if (runs.length === 1) return runs[0]!.length === value.length && runAt(runs[0]!, anyAt[0], value, 0);
  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  if (first.length + last.length > value.length) return false;
  if (!runAt(first, anyAt[0], value, 0)) return false;
  const end = value.length - last.length;
  if (!runAt(last, anyAt[runs.length - 1], value, end)) return false;
  let pos = first.length;
  for (let r = 1; r < runs.length - 1; r++) {
    const run = runs[r]!;
    if (run.length === 0) continue;
    const at = findRun(run, anyAt[r], value, pos, end);
    if (at < 0) return false;
    pos = at + run.length;
  }
  return true;
}

/** The states reached from `states` by reading `text` (none once every state has died). */
export function readInto(g: Glob, states: number[], text: string): number[] {
  let cur = states;
  for (const ch of text) {
    if (cur.length === 0) return cur;
    cur = stepStates(g, cur, ch, ch.toLowerCase());
  }
  return cur;
}

/** Lower-case code point by code point, as the automaton compares case-insensitive characters. */
export function foldCase(value: string): string {
  let out = '';
  for (const ch of value) out += ch.toLowerCase();
  return out;
}

/** `*` alone (or only stars): matches every string, so it splits nothing. */
export function isUniversal(g: Glob): boolean {
  return g.tokens.length > 0 && g.tokens.every((t) => t.t === 'star' && !t.noColon);
}

/** Drop the memoized compiled patterns (glob-cells.ts `clearGlobCaches` clears its cells too). */
export function clearCompiledGlobs(): void {
  compiled.clear();
}
