/**
 * The machinery of the cell enumeration (glob-cells.ts): the patterns' automata run as one product
 * automaton, case-sensitive literals folded into one trie, and the characters worth trying.
 */

import { CLASS_CHARS, closeStates, type Glob, type Observer, readInto } from './glob.js';
import { dfaOf, type GlobDfa } from './glob-dfa.js';

/** Characters outside most patterns, tried in this order to step off every pattern at once. */
export const FRESH_CHARS = 'zqxjkvw0123456789-_/.ABC';

/**
 * Case-sensitive literals in one trie: a string equals at most one of them, so the product
 * automaton carries one trie position (or "off the trie") instead of one component per literal.
 * Its size is the literals' total length, which the policy size bounds.
 */
export class LiteralTrie {
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

export interface LiteralSplit {
  /** Case-sensitive literals, by the group each stands for. */
  trie: LiteralTrie;
  /**
   * Every other pattern, once (a pattern repeated across statements is one automaton: its
   * acceptance is the same for every group it stands for), and the groups it stands for.
   */
  patterns: Glob[];
  patternGroups: number[][];
  groups: number;
}

export function splitLiterals(globs: Glob[], groupOf: readonly number[] | undefined): LiteralSplit {
  const group = (i: number) => (groupOf ? groupOf[i]! : i);
  const groups = globs.length === 0 ? 0 : Math.max(...globs.map((_, i) => group(i))) + 1;
  const trie = new LiteralTrie();
  const patterns: Glob[] = [];
  const patternGroups: number[][] = [];
  const position = new Map<string, number>();
  globs.forEach((g, i) => {
    if (g.literal !== undefined && !g.spec.ignoreCase) {
      trie.add(g.literal, group(i));
      return;
    }
    const at = position.get(g.key);
    if (at !== undefined) {
      patternGroups[at]!.push(group(i));
      return;
    }
    position.set(g.key, patterns.length);
    patterns.push(g);
    patternGroups.push([group(i)]);
  });
  return { trie, patterns, patternGroups, groups };
}

/** The characters to try after a trie node (`children`), or off the trie (undefined). */
export function lettersToTry(
  automata: readonly Glob[],
  trie: LiteralTrie,
): (children: Map<string, number> | undefined) => string[] {
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
  return (children) => {
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
}

export const DEAD = -1;

/** What an accepted joint state says about a value: the groups it matches and the observers' states. */
export interface Acceptance {
  bits: Uint8Array;
  observed: string;
}

/**
 * The automata's joint states, interned (a lazily built DFA): along a trie of 1,600 account ids the
 * automata go through a handful of joint states, so each step is one memoized lookup. The domain's
 * automaton, when there is one, comes first; the observers' come last.
 */
export class ProductAutomaton {
  /** Each joint state: one state-set id per automaton, in that automaton's DFA. */
  private readonly tuples: number[][] = [];
  private readonly transitions: Map<string, number>[] = [];
  private readonly tupleSignature = new Map<number, Acceptance | null>();
  private readonly patternOffset: number;
  private readonly observerOffset: number;
  private readonly dfas: GlobDfa[];

  constructor(
    private readonly automata: readonly Glob[],
    private readonly domain: Glob | undefined,
    private readonly split: LiteralSplit,
    private readonly observers: readonly Observer[],
  ) {
    this.patternOffset = domain ? 1 : 0;
    this.observerOffset = this.patternOffset + split.patterns.length;
    this.dfas = automata.map(dfaOf);
  }

  /** The joint state before any character: observers have read their `before` text. */
  initial(): number {
    const { automata, observers, observerOffset, dfas } = this;
    return this.intern(
      automata.map((g, i) =>
        dfas[i]!.id(
          i >= observerOffset
            ? readInto(g, closeStates(g, [0]), observers[i - observerOffset]!.before)
            : closeStates(g, [0]),
        ),
      ),
    );
  }

  /**
   * Joint states by a hash of their ids, each bucket checked element by element: with a hundred
   * patterns a joint state is a hundred ids, and building a string key for each step was most of
   * the enumeration's time.
   */
  private readonly buckets = new Map<number, number[]>();

  private intern(ids: number[]): number {
    let h = 0x811c9dc5;
    for (const x of ids) h = Math.imul(h ^ x, 0x01000193);
    const bucket = this.buckets.get(h);
    if (bucket) {
      for (const id of bucket) if (sameIds(this.tuples[id]!, ids)) return id;
    }
    const id = this.tuples.length;
    this.tuples.push(ids);
    if (bucket) bucket.push(id);
    else this.buckets.set(h, [id]);
    return id;
  }

  /** The joint state after `ch`, or DEAD once the value left the domain. */
  step(id: number, ch: string): number {
    let row = this.transitions[id];
    if (!row) {
      row = new Map();
      this.transitions[id] = row;
    }
    let next = row.get(ch);
    if (next === undefined) {
      const { dfas } = this;
      const from = this.tuples[id]!;
      const ids = new Array<number>(from.length);
      const code = ch.length === 1 ? ch.charCodeAt(0) : 128;
      if (code < 128) for (let i = 0; i < from.length; i++) ids[i] = dfas[i]!.stepAscii(from[i]!, code, ch);
      else for (let i = 0; i < from.length; i++) ids[i] = dfas[i]!.step(from[i]!, ch);
      next = this.domain && dfas[0]!.sets[ids[0]!]!.length === 0 ? DEAD : this.intern(ids);
      row.set(ch, next);
    }
    return next;
  }

  /** Null when the value read so far is outside the domain. */
  acceptInfo(id: number): Acceptance | null {
    let info = this.tupleSignature.get(id);
    if (info === undefined) {
      const { domain, observers, observerOffset, patternOffset, dfas } = this;
      const { patterns, patternGroups, groups } = this.split;
      const ids = this.tuples[id]!;
      if (domain && !dfas[0]!.accepting[ids[0]!]) info = null;
      else {
        const bits = new Uint8Array(groups);
        for (let j = 0; j < patterns.length; j++)
          if (dfas[j + patternOffset]!.accepting[ids[j + patternOffset]!])
            for (const g of patternGroups[j]!) bits[g] = 1;
        let observed = '';
        for (let j = 0; j < observers.length; j++) {
          const o = observers[j]!;
          const set = dfas[observerOffset + j]!.sets[ids[observerOffset + j]!]!;
          observed += `|${readInto(o.glob, set, o.after).join(',')}`;
        }
        info = { bits, observed };
      }
      this.tupleSignature.set(id, info);
    }
    return info;
  }
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
