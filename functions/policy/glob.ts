/**
 * Wildcard patterns (`*`, `?`) as tiny automata, and an exact enumeration of the "cells" a set of
 * patterns cuts the string space into: for every combination of patterns that some string matches
 * at once, one shortest such string. This is what keeps the analyzer exact for `StringLike`,
 * `ArnLike` and friends: a request value only matters through which patterns it matches.
 */

import { checkBudget } from './budget.js';

/** Character classes of the domains ids live in (account ids, endpoint ids, organization ids). */
export type CharClass = 'digit' | 'hex' | 'alnum';

type Token =
  | { t: 'c'; ch: string; ci: boolean }
  | { t: 'one'; noColon: boolean }
  | { t: 'star'; noColon: boolean }
  /** One character of the class, or (`star`) any run of them. */
  | { t: 'class'; cls: CharClass; star: boolean };

const CLASS_CHARS: Record<CharClass, string> = {
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
function closeStates(g: Glob, states: number[]): number[] {
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

function stepStates(g: Glob, states: number[], ch: string, lower: string): number[] {
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

export interface CellOptions {
  /**
   * `groupOf[i]`: the group of `globs[i]`. Cells are then the combinations of *groups* matched (a
   * group matches when one of its globs does): the values of one condition entry are ORed, so a
   * list of 800 account ids is one group, and the 800 accounts are one cell, not 800.
   */
  groupOf?: readonly number[];
  observers?: readonly Observer[];
  maxStates?: number;
}

const FRESH_CHARS = 'zqxjkvw0123456789-_/.ABC';

const cellCache = new Map<string, CellResult>();

/** Drop the memoized globs and cells (bounded anyway; benchmarks use this to tell caches from leaks). */
export function clearGlobCaches(): void {
  compiled.clear();
  cellCache.clear();
}

/**
 * One representative string per non-empty cell of the partition induced by `globs` (or their
 * groups) and the observers on the strings accepted by `domain` (or all strings). Breadth-first
 * over the product automaton, so each representative is a shortest member of its cell.
 */
export function cellRepresentatives(globs: Glob[], domain?: Glob, options: CellOptions = {}): CellResult {
  const maxStates = options.maxStates ?? 4000;
  const keep = globs.map((g) => !isUniversal(g));
  const useful = globs.filter((_, i) => keep[i]);
  const groupOf = options.groupOf ? options.groupOf.filter((_, i) => keep[i]) : undefined;
  const observers = options.observers ?? [];
  const key = [
    domain ? domain.key : '-',
    ...useful.map((g, i) => `${groupOf ? groupOf[i] : i}\u0002${g.key}`),
    ...observers.map((o) => `${o.before}\u0003${o.after}\u0003${o.glob.key}`),
    String(maxStates),
  ].join('\u0000');
  const cached = cellCache.get(key);
  if (cached) return cached;
  const result = computeCells(useful, domain, groupOf, observers, maxStates);
  if (cellCache.size > 5000) cellCache.clear();
  cellCache.set(key, result);
  return result;
}

/**
 * Case-sensitive literals in one trie: a string equals at most one of them, so the product
 * automaton carries one trie position (or "off the trie") instead of one component per literal.
 * Its size is the literals' total length, which the policy size bounds.
 */
class LiteralTrie {
  readonly children: Map<string, number>[] = [new Map()];
  readonly terminal: number[][] = [[]];
  add(text: string, id: number): void {
    let node = 0;
    for (const ch of text) {
      let next = this.children[node]!.get(ch);
      if (next === undefined) {
        next = this.children.length;
        this.children.push(new Map());
        this.terminal.push([]);
        this.children[node]!.set(ch, next);
      }
      node = next;
    }
    this.terminal[node]!.push(id);
  }
  get size(): number {
    return this.children.length;
  }
}

function readInto(g: Glob, states: number[], text: string): number[] {
  let cur = states;
  for (const ch of text) {
    if (cur.length === 0) return cur;
    cur = stepStates(g, cur, ch, ch.toLowerCase());
  }
  return cur;
}

function computeCells(
  globs: Glob[],
  domain: Glob | undefined,
  groupOf: readonly number[] | undefined,
  observers: readonly Observer[],
  maxStates: number,
): CellResult {
  const domainForm = domain ? prefixForm(domain) : undefined;
  if (
    observers.length === 0 &&
    (!domain ||
      (domainForm?.star && domain.tokens.every((t, i) => t.t === 'c' || i === domain.tokens.length - 1)))
  ) {
    const fast = prefixCells(globs, domainForm?.prefix);
    if (fast) return { values: fast, exact: true };
  }
  const group = (i: number) => (groupOf ? groupOf[i]! : i);
  const groups = globs.length === 0 ? 0 : Math.max(...globs.map((_, i) => group(i))) + 1;
  const trie = new LiteralTrie();
  const patterns: Glob[] = [];
  const patternGroups: number[] = [];
  globs.forEach((g, i) => {
    if (g.literal !== undefined && !g.spec.ignoreCase) trie.add(g.literal, group(i));
    else {
      patterns.push(g);
      patternGroups.push(group(i));
    }
  });
  const automata = [...(domain ? [domain] : []), ...patterns, ...observers.map((o) => o.glob)];
  const patternOffset = domain ? 1 : 0;
  const observerOffset = patternOffset + patterns.length;

  // Characters the automata tell apart; every other character behaves alike for them (one digit and
  // one non-digit stand for all), unless the trie needs it to spell a literal.
  const significant = new Set<string>();
  for (const g of automata) {
    for (const tok of g.tokens) {
      if (tok.t === 'c') {
        significant.add(tok.ch);
        if (tok.ci) significant.add(tok.ch.toUpperCase());
      }
    }
  }
  // Digits act alike for a digit class (one stands for all, as any other character does); the
  // hex and alphanumeric classes of id domains are small, so their characters are all tried.
  const classes = new Set(automata.flatMap((g) => g.tokens.flatMap((t) => (t.t === 'class' ? [t.cls] : []))));
  const hasDigitTokens = classes.has('digit');
  for (const cls of classes) if (cls !== 'digit') for (const ch of CLASS_CHARS[cls]) significant.add(ch);
  const trieChars = new Set<string>();
  for (const m of trie.children) for (const ch of m.keys()) trieChars.add(ch);
  const plainDigits = [...'0123456789'].filter((d) => !significant.has(d));
  const plainOthers = [...FRESH_CHARS, ...trieChars].filter(
    (c) => !significant.has(c) && !significant.has(c.toLowerCase()) && !(c >= '0' && c <= '9'),
  );
  const base = [...significant];
  const letterList = (children: Map<string, number> | undefined): string[] => {
    const out = [...base];
    if (children) for (const ch of children.keys()) if (!significant.has(ch)) out.push(ch);
    const free = (c: string) => !children?.has(c);
    if (hasDigitTokens) {
      const d = plainDigits.find(free);
      if (d !== undefined) out.push(d);
    }
    const o = plainOthers.find(free);
    if (o !== undefined) out.push(o);
    return out;
  };
  const offTrieLetters = letterList(undefined);

  // The automata's joint states are interned (a lazily built DFA): along a trie of 1,600 account
  // ids the automata go through a handful of joint states, so each step is one memoized lookup.
  const tuples: number[][][] = [];
  const tupleIds = new Map<string, number>();
  const intern = (sets: number[][]): number => {
    const k = sets.map((x) => x.join(',')).join('|');
    let id = tupleIds.get(k);
    if (id === undefined) {
      id = tuples.length;
      tuples.push(sets);
      tupleIds.set(k, id);
    }
    return id;
  };
  const transitions: Map<string, number>[] = [];
  const DEAD = -1;
  const stepTuple = (id: number, ch: string): number => {
    let row = transitions[id];
    if (!row) {
      row = new Map();
      transitions[id] = row;
    }
    let next = row.get(ch);
    if (next === undefined) {
      const lower = ch.toLowerCase();
      const sets = tuples[id]!.map((x, i) => stepStates(automata[i]!, x, ch, lower));
      next = domain && sets[0]!.length === 0 ? DEAD : intern(sets);
      row.set(ch, next);
    }
    return next;
  };
  const tupleSignature = new Map<number, { bits: Uint8Array; observed: string } | null>();
  const acceptInfo = (id: number) => {
    let info = tupleSignature.get(id);
    if (info === undefined) {
      const sets = tuples[id]!;
      if (domain && !sets[0]!.includes(domain.tokens.length)) info = null;
      else {
        const bits = new Uint8Array(groups);
        patterns.forEach((g, j) => {
          if (sets[j + patternOffset]!.includes(g.tokens.length)) bits[patternGroups[j]!] = 1;
        });
        let observed = '';
        for (let j = 0; j < observers.length; j++) {
          const o = observers[j]!;
          observed += `|${readInto(o.glob, sets[observerOffset + j]!, o.after).join(',')}`;
        }
        info = { bits, observed };
      }
      tupleSignature.set(id, info);
    }
    return info;
  };

  interface State {
    tuple: number;
    /** Trie node, or -1 once the string left the trie (it equals no literal). */
    node: number;
    str: string;
  }
  const init: State = {
    tuple: intern(
      automata.map((g, i) =>
        i >= observerOffset
          ? readInto(g, closeStates(g, [0]), observers[i - observerOffset]!.before)
          : closeStates(g, [0]),
      ),
    ),
    node: 0,
    str: '',
  };
  const seen = new Set<string>([`${init.node}:${init.tuple}`]);
  const signatures = new Map<string, string>();
  const queue: State[] = [init];
  let offTrie = 0;
  let exact = true;
  for (let head = 0; head < queue.length; head++) {
    checkBudget();
    const { tuple, node, str } = queue[head]!;
    const info = acceptInfo(tuple);
    if (info) {
      let sig: string;
      const terminal = node >= 0 ? trie.terminal[node]! : [];
      if (terminal.length === 0) sig = info.bits.join('') + info.observed;
      else {
        const bits = info.bits.slice();
        for (const id of terminal) bits[id] = 1;
        sig = bits.join('') + info.observed;
      }
      if (!signatures.has(sig)) signatures.set(sig, str);
    }
    const children = node >= 0 ? trie.children[node] : undefined;
    for (const ch of children ? letterList(children) : offTrieLetters) {
      const next = stepTuple(tuple, ch);
      if (next === DEAD) continue;
      const nextNode = children ? (children.get(ch) ?? -1) : -1;
      const k = `${nextNode}:${next}`;
      if (seen.has(k)) continue;
      if (nextNode < 0) {
        if (offTrie >= maxStates) {
          exact = false;
          continue;
        }
        offTrie++;
      }
      seen.add(k);
      queue.push({ tuple: next, node: nextNode, str: str + ch });
    }
  }
  return { values: [...signatures.values()], exact };
}

/**
 * The cell of one value, in the form `computeCells` uses: which groups it matches and the states of
 * the observers. Two values with the same signature are interchangeable for every pattern given.
 */
export function signatureOf(globs: Glob[], value: string, options: CellOptions = {}): string {
  const keep = globs.map((g) => !isUniversal(g));
  const useful = globs.filter((_, i) => keep[i]);
  const groupOf = options.groupOf ? options.groupOf.filter((_, i) => keep[i]) : undefined;
  const group = (i: number) => (groupOf ? groupOf[i]! : i);
  const groups = useful.length === 0 ? 0 : Math.max(...useful.map((_, i) => group(i))) + 1;
  const bits = new Uint8Array(groups);
  useful.forEach((g, i) => {
    if (globMatches(g, value)) bits[group(i)] = 1;
  });
  let sig = bits.join('');
  for (const o of options.observers ?? []) {
    sig += `|${readInto(o.glob, closeStates(o.glob, [0]), `${o.before}${value}${o.after}`).join(',')}`;
  }
  return sig;
}
