import { closeStates, type Glob, stepStates } from './glob.js';

/**
 * One pattern's automaton made deterministic lazily: its sets of states interned, each step
 * memoised. Shared by every product automaton that runs the pattern (glob-product.ts), so the cell
 * enumerations of one policy (the role and user ARNs of each of hundreds of accounts run the same
 * ARN patterns) step each pattern through each state set once, not once per enumeration.
 */
export class GlobDfa {
  readonly sets: number[][] = [];
  /** Whether set `id` holds the accepting state. */
  readonly accepting: boolean[] = [];
  private readonly ids = new Map<string, number>();
  /** Steps on ASCII characters by code (-1: not computed yet), others by character. */
  private readonly ascii: Int32Array[] = [];
  private readonly next: Map<string, number>[] = [];

  /** The set before any character. */
  readonly start: number;

  constructor(private readonly glob: Glob) {
    this.start = this.id(closeStates(glob, [0]));
  }

  id(set: number[]): number {
    const k = set.join(',');
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(set);
      this.accepting.push(set.includes(this.glob.tokens.length));
      this.ascii.push(new Int32Array(128).fill(-1));
      this.next.push(new Map());
      this.ids.set(k, id);
    }
    return id;
  }

  step(id: number, ch: string): number {
    const code = ch.length === 1 ? ch.charCodeAt(0) : 128;
    return code < 128 ? this.stepAscii(id, code, ch) : this.stepOther(id, ch);
  }

  /** `step` for an ASCII character `ch` of code `code` (the product automaton's inner loop). */
  stepAscii(id: number, code: number, ch: string): number {
    const n = this.ascii[id]![code]!;
    if (n >= 0) return n;
    const computed = this.id(stepStates(this.glob, this.sets[id]!, ch, ch.toLowerCase()));
    // `id` may have grown the tables: index this state's row again.
    this.ascii[id]![code] = computed;
    return computed;
  }

  private stepOther(id: number, ch: string): number {
    const row = this.next[id]!;
    let n = row.get(ch);
    if (n === undefined) {
      n = this.id(stepStates(this.glob, this.sets[id]!, ch, ch.toLowerCase()));
      row.set(ch, n);
    }
    return n;
  }

  get size(): number {
    return this.sets.length;
  }
}

/** Per pattern; a DFA grown past this many sets is replaced by a fresh one (memory stays bounded). */
const MAX_SETS = 4_096;
const dfas = new WeakMap<Glob, GlobDfa>();

/**
 * The shared DFA of `g`. A product automaton takes its DFAs when it is built and keeps them, so
 * replacing an overgrown one here never changes the state ids a running enumeration holds.
 */
export function dfaOf(g: Glob): GlobDfa {
  let d = dfas.get(g);
  if (!d || d.size > MAX_SETS) {
    d = new GlobDfa(g);
    dfas.set(g, d);
  }
  return d;
}
