import { isApprovedEndpoint } from './approved-network.js';
import { checkBudget } from './budget.js';
import { type Candidate, type Dimension, dimensionOf } from './candidates.js';
import type { CompiledCondition, Truth } from './condition-ops.js';
import { compileGlob, globMatches } from './glob.js';
import { ownGet } from './own.js';
import { principalMatches } from './principal-match.js';
import type { RequestClass } from './request-model.js';
import type { Statement } from './types.js';

/** Which candidates of a dimension a statement may match (some reading) and must match (every reading). */
export interface Masks {
  may: bigint;
  must: bigint;
}

/**
 * Candidate sets as bit masks. Built in 32-bit words and converted once: OR-ing `1n << i` into a
 * BigInt per candidate allocates a new BigInt each time (quadratic in the candidate count; the
 * principal dimension of a 32 KB policy has about 2,000 candidates).
 */
class MaskBuilder {
  private readonly words: Uint32Array;
  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32) || 1);
  }
  set(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }
  toBigInt(): bigint {
    let hex = '';
    for (let w = this.words.length - 1; w >= 0; w--) hex += this.words[w]!.toString(16).padStart(8, '0');
    return BigInt(`0x${hex}`);
  }
}

export function maskOf(cands: Candidate[], pred: (c: Candidate) => boolean): bigint {
  const m = new MaskBuilder(cands.length);
  cands.forEach((c, i) => {
    if (pred(c)) m.set(i);
  });
  return m.toBigInt();
}

export function inClass(c: Candidate, dim: string, cls: RequestClass): boolean {
  if (dim === 'principal') {
    const info = c.principalInfo!;
    if (cls.principals === 'external' && !info.external) return false;
    if (cls.principals === 'internal' && info.external) return false;
    if (cls.principals === 'trusted' && !(info.trusted && info.kind !== 'service')) return false;
    if (cls.exempt?.awsServiceCalls && info.kind === 'service') return false;
    if (cls.exempt && info.arn && cls.exempt.principalArns.some((p) => isArnMatch(p, info.arn!)))
      return false;
    return true;
  }
  if (dim === 'network') {
    const net = cls.network;
    if (net.kind === 'any') return true;
    if (net.kind === 'endpoint') return c.network === 'vpce';
    if (c.network === 'public') return true;
    return !isApprovedEndpoint(c.values, net);
  }
  if (dim === 'via' && cls.exempt?.awsServiceCalls) return c.values['aws:viaawsservice'] === 'false';
  return true;
}

export function statementMasks(s: Statement, conds: CompiledCondition[], dim: Dimension): Masks {
  const tests: ((c: Candidate) => Truth)[] = [];
  if (dim.name === 'principal') tests.push((c) => (principalMatches(s.principal, c) ? 'true' : 'false'));
  if (dim.name === 'action')
    tests.push((c) =>
      patternMatches(s.action.patterns, c.action!, true) !== s.action.negated ? 'true' : 'false',
    );
  if (dim.name === 'resource')
    tests.push((c) =>
      patternMatches(s.resource.patterns, c.resource!, false) !== s.resource.negated ? 'true' : 'false',
    );
  for (const cond of conds) {
    if (dimensionOf(cond.entry.keyLower) !== dim.name) continue;
    // Candidates repeat values (the principal dimension crosses accounts, ARNs, organizations and
    // paths): test each distinct value once.
    const seen = new Map<string, Truth>();
    const key = cond.entry.keyLower;
    tests.push((c) => {
      const v = ownGet(c.values, key);
      const k = v === undefined ? '\u0000' : typeof v === 'string' ? `s${v}` : `a${v.join('\u0001')}`;
      let t = seen.get(k);
      if (t === undefined) {
        t = cond.test(v);
        seen.set(k, t);
      }
      return t;
    });
  }
  const may = new MaskBuilder(dim.candidates.length);
  const must = new MaskBuilder(dim.candidates.length);
  dim.candidates.forEach((c, i) => {
    checkBudget();
    let t: Truth = 'true';
    for (const test of tests) {
      const r = test(c);
      if (r === 'false') {
        t = 'false';
        break;
      }
      if (r === 'unknown') t = 'unknown';
    }
    if (t !== 'false') may.set(i);
    if (t === 'true') must.set(i);
  });
  return { may: may.toBigInt(), must: must.toBigInt() };
}

const patternCache = new Map<string, ReturnType<typeof compileGlob>>();

/** Drop the memo of compiled Action and Resource patterns (see `clearAnalyzerCaches`). */
export function clearPatternCache(): void {
  patternCache.clear();
}

function patternMatches(patterns: string[], value: string, ignoreCase: boolean): boolean {
  return patterns.some((p) => {
    if (p === '*') return true;
    const k = `${ignoreCase ? 'i' : 's'}${p}`;
    let g = patternCache.get(k);
    if (!g) {
      g = compileGlob({ pattern: p, wildcards: true, ignoreCase, arn: false });
      if (patternCache.size < 10_000) patternCache.set(k, g);
    }
    return globMatches(g, value);
  });
}

function isArnMatch(pattern: string, value: string): boolean {
  return globMatches(compileGlob({ pattern, wildcards: true, ignoreCase: false, arn: true }), value);
}
