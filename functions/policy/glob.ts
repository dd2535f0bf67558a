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

/** A glob of exactly `n` decimal digits (account ids). */
export function digitsGlob(n: number): Glob {
  return shapeGlob([{ cls: 'digit', count: n }]);
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
 * Whole-value match by simulating the pattern's automaton: time O(|pattern| x |value|) whatever the
 * pattern. (A backtracking regular expression is exponential in the number of `*` on a value that
 * does not match: `a*a*a*a*a*a*a*a*a*a*b` took seconds per test.)
 */
export function globMatches(g: Glob, value: string): boolean {
  if (g.literal !== undefined) return g.spec.ignoreCase ? foldCase(value) === g.literal : value === g.literal;
  const toks = g.tokens;
  const n = toks.length;
  let cur = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  cur[0] = 1;
  closeInPlace(toks, cur);
  for (const ch of value) {
    next.fill(0);
    const lower = ch.toLowerCase();
    let any = false;
    for (let s = 0; s < n; s++) {
      if (!cur[s]) continue;
      const tok = toks[s]!;
      switch (tok.t) {
        case 'c':
          if (tok.ci ? lower === tok.ch : ch === tok.ch) {
            next[s + 1] = 1;
            any = true;
          }
          break;
        case 'one':
          if (!(tok.noColon && ch === ':')) {
            next[s + 1] = 1;
            any = true;
          }
          break;
        case 'star':
          if (!(tok.noColon && ch === ':')) {
            next[s] = 1;
            any = true;
          }
          break;
        case 'class':
          if (inClass(tok.cls, ch)) {
            next[tok.star ? s : s + 1] = 1;
            any = true;
          }
          break;
      }
    }
    if (!any) return false;
    closeInPlace(toks, next);
    const t = cur;
    cur = next;
    next = t;
  }
  return cur[n] === 1;
}

function closeInPlace(toks: Token[], states: Uint8Array): void {
  for (let s = 0; s < toks.length; s++) if (states[s] && skippable(toks[s])) states[s + 1] = 1;
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
