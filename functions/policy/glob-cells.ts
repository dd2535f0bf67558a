/**
 * An exact enumeration of the "cells" a set of wildcard patterns cuts the string space into: for
 * every combination of patterns that some string matches at once, one shortest such string. This is
 * what keeps the analyzer exact for `StringLike`, `ArnLike` and friends: a request value only
 * matters through which patterns it matches.
 */

import { checkBudget } from './budget.js';
import {
  clearCompiledGlobs,
  closeStates,
  type Glob,
  globMatches,
  isUniversal,
  type Observer,
  readInto,
} from './glob.js';
import {
  type Acceptance,
  DEAD,
  FRESH_CHARS,
  type LiteralTrie,
  lettersToTry,
  ProductAutomaton,
  splitLiterals,
} from './glob-product.js';

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

const cellCache = new Map<string, CellResult>();

/** Drop the memoized globs and cells (bounded anyway; benchmarks use this to tell caches from leaks). */
export function clearGlobCaches(): void {
  clearCompiledGlobs();
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

function computeCells(
  globs: Glob[],
  domain: Glob | undefined,
  groupOf: readonly number[] | undefined,
  observers: readonly Observer[],
  maxStates: number,
): CellResult {
  const fast = fastCells(globs, domain, observers);
  if (fast) return { values: fast, exact: true };
  const split = splitLiterals(globs, groupOf);
  const automata = [...(domain ? [domain] : []), ...split.patterns, ...observers.map((o) => o.glob)];
  const letterList = lettersToTry(automata, split.trie);
  const product = new ProductAutomaton(automata, domain, split, observers);
  return exploreCells(product, split.trie, letterList, maxStates);
}

/** Literals and `prefix*` patterns over no domain or a `prefix*` one need no automata. */
function fastCells(
  globs: Glob[],
  domain: Glob | undefined,
  observers: readonly Observer[],
): string[] | undefined {
  const domainForm = domain ? prefixForm(domain) : undefined;
  if (
    observers.length === 0 &&
    (!domain ||
      (domainForm?.star && domain.tokens.every((t, i) => t.t === 'c' || i === domain.tokens.length - 1)))
  ) {
    return prefixCells(globs, domainForm?.prefix);
  }
  return undefined;
}

interface SearchState {
  tuple: number;
  /** Trie node, or -1 once the string left the trie (it equals no literal). */
  node: number;
  str: string;
}

/**
 * Breadth-first over (joint state, trie node): the first string to reach each signature is a
 * shortest member of its cell. Off the trie, at most `maxStates` states are explored.
 */
function exploreCells(
  product: ProductAutomaton,
  trie: LiteralTrie,
  letterList: (children: Map<string, number> | undefined) => string[],
  maxStates: number,
): CellResult {
  const offTrieLetters = letterList(undefined);
  const init: SearchState = { tuple: product.initial(), node: 0, str: '' };
  const seen = new Set<string>([`${init.node}:${init.tuple}`]);
  const signatures = new Map<string, string>();
  const queue: SearchState[] = [init];
  let offTrie = 0;
  let exact = true;
  for (let head = 0; head < queue.length; head++) {
    checkBudget();
    const { tuple, node, str } = queue[head]!;
    const info = product.acceptInfo(tuple);
    if (info) {
      const sig = cellSignature(info, node >= 0 ? trie.terminal[node]! : []);
      if (!signatures.has(sig)) signatures.set(sig, str);
    }
    const children = node >= 0 ? trie.children[node] : undefined;
    for (const ch of children ? letterList(children) : offTrieLetters) {
      const next = product.step(tuple, ch);
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

/** The groups matched (the automata's, and the literal groups `terminal` the value equals) and the observers' states. */
function cellSignature(info: Acceptance, terminal: readonly number[]): string {
  if (terminal.length === 0) return info.bits.join('') + info.observed;
  const bits = info.bits.slice();
  for (const id of terminal) bits[id] = 1;
  return bits.join('') + info.observed;
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
