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
  /** Identity of the compiled pattern (flags + pattern). */
  key: string;
  spec: GlobSpec;
  tokens: Token[];
  regex: RegExp;
}

function toRegex(tokens: Token[], ignoreCase: boolean): RegExp {
  const esc = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  const body = tokens
    .map((t) => {
      switch (t.t) {
        case 'c':
          return esc(t.ch);
        case 'one':
          return t.noColon ? '[^:]' : '[\\s\\S]';
        case 'star':
          return t.noColon ? '[^:]*' : '[\\s\\S]*';
        default:
          return '[0-9]';
      }
    })
    .join('');
  return new RegExp(`^${body}$`, ignoreCase ? 'iu' : 'u');
}

const compiled = new Map<string, Glob>();

function globKey(spec: GlobSpec): string {
  return `${spec.wildcards ? 'w' : 'l'}${spec.ignoreCase ? 'i' : 's'}${spec.arn ? 'a' : 'p'}${spec.pattern}`;
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
    if (ch === '$' && chars[i + 1] === '{' && '*?$'.includes(chars[i + 2] ?? '') && chars[i + 3] === '}') {
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
  return { key: globKey(spec), spec, tokens, regex: toRegex(tokens, spec.ignoreCase) };
}

/** A glob of exactly `n` decimal digits (account ids). */
export function digitsGlob(n: number): Glob {
  const tokens = Array.from({ length: n }, () => ({ t: 'digit' }) as Token);
  return {
    key: `digits${n}`,
    spec: { pattern: '#'.repeat(n), wildcards: false, ignoreCase: false, arn: false },
    tokens,
    regex: toRegex(tokens, false),
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
  return g.regex.test(value);
}

/** `*` alone (or only stars): matches every string, so it splits nothing. */
export function isUniversal(g: Glob): boolean {
  return g.tokens.length > 0 && g.tokens.every((t) => t.t === 'star' && !t.noColon);
}

/** A literal, or a literal followed by one trailing `*` that may cross `:`. */
function prefixForm(g: Glob): { prefix: string; star: boolean } | undefined {
  if (g.spec.ignoreCase) return undefined;
  const last = g.tokens[g.tokens.length - 1];
  const star = last?.t === 'star' && !last.noColon;
  const body = star ? g.tokens.slice(0, -1) : g.tokens;
  if (!body.every((t) => t.t === 'c')) return undefined;
  return { prefix: body.map((t) => (t.t === 'c' ? t.ch : '')).join(''), star };
}

/**
 * Exact cells for literals and `prefix*` patterns, without automata: a string's cell is fixed by
 * the chain of prefixes it extends and the literal it equals, so each prefix and literal, each
 * followed by a character outside the patterns, and those strings themselves, cover every cell.
 */
function prefixCells(globs: Glob[], domainPrefix: string | undefined): string[] | undefined {
  const forms = globs.map(prefixForm);
  if (forms.some((f) => f === undefined)) return undefined;
  const all = forms as { prefix: string; star: boolean }[];
  const alphabet = new Set(all.flatMap((f) => [...f.prefix]));
  for (const c of domainPrefix ?? '') alphabet.add(c);
  const fresh = [...FRESH_CHARS].find((c) => !alphabet.has(c)) ?? '\u00a7';
  const stems = new Set<string>([domainPrefix ?? '']);
  for (const f of all) stems.add(f.prefix);
  const out = new Set<string>();
  for (const stem of stems) {
    if (domainPrefix !== undefined && !stem.startsWith(domainPrefix)) continue;
    out.add(stem);
    out.add(stem + fresh);
  }
  return [...out];
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
const cellCache = new Map<string, CellResult>();

/** Drop the memoized globs and cells (bounded anyway; benchmarks use this to tell caches from leaks). */
export function clearGlobCaches(): void {
  compiled.clear();
  cellCache.clear();
}

export function cellRepresentatives(globs: Glob[], domain?: Glob, maxStates = 4000): CellResult {
  const useful = globs.filter((g) => !isUniversal(g));
  const key = [domain, ...useful].map((g) => (g ? g.key : '-')).join('\u0000');
  const cached = cellCache.get(key);
  if (cached) return cached;
  const result = computeCells(useful, domain, maxStates);
  if (cellCache.size > 5000) cellCache.clear();
  cellCache.set(key, result);
  return result;
}

function computeCells(globs: Glob[], domain: Glob | undefined, maxStates: number): CellResult {
  const domainForm = domain ? prefixForm(domain) : undefined;
  if (
    !domain ||
    (domainForm?.star && domain.tokens.every((t, i) => t.t === 'c' || i === domain.tokens.length - 1))
  ) {
    const fast = prefixCells(globs, domainForm?.prefix);
    if (fast) return { values: fast, exact: true };
  }
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
