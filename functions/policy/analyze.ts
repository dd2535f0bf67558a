import { checkBudget } from './budget.js';
import {
  buildDimensions,
  type Candidate,
  type Dimension,
  dimensionOf,
  isArnMatch,
  principalKind,
  sessionRoleArn,
} from './candidates.js';
import { type CompiledCondition, compileCondition, type Truth } from './condition-ops.js';
import { evaluate, statementMatches } from './evaluate.js';
import { compileGlob, globMatches } from './glob.js';
import { clearGlobCaches } from './glob-cells.js';
import { WITNESS_ACTION_PREFERENCE } from './kms-actions.js';
import { ownGet, ownSet } from './own.js';
import { KEY_SPELLING, type RequestClass, type Trust } from './request-model.js';
import type { ConcreteRequest, Policy, PrincipalElement, Statement } from './types.js';

/**
 * The symbolic analyzer: does a policy allow some request of a class, and which one?
 *
 * A request is split into dimensions (principal, network path, action, resource, each other
 * condition key). Every statement is a conjunction of tests, each on one dimension, so per
 * dimension it is a set of candidates (a bitmask). "Allowed" is then: some Allow's masks are
 * non-empty on every dimension, and every Deny is escaped on at least one dimension — a small
 * covering search over the Deny statements. Candidates cover every cell of each dimension
 * (candidates.ts), which makes the answer exact; where a construct cannot be decided statically
 * (policy variables) or a bound is hit, the answer is `unproven` and names it.
 */
export interface AnalysisQuery {
  policy: Policy;
  requestClass: RequestClass;
  trust: Trust;
  /** Statements the request must also match (all of them): e.g. a planned guard Deny. */
  mustMatch?: Statement[];
  /** Statements the request must not match, on top of the policy's own Denies. */
  mustNotMatch?: Statement[];
  /** Restrict the Allow side to these statements (default: the policy's Allow statements). */
  allows?: Statement[];
  /**
   * List in the answer every Allow through which some request of the class is allowed, not only
   * the one the witness uses (findings name them all; the prover's queries do not need them).
   */
  listGranting?: boolean;
}

export type Answer =
  | { kind: 'none' }
  | { kind: 'witness'; witness: ConcreteRequest; statements: Statement[] }
  | { kind: 'unproven'; reason: string; witness?: ConcreteRequest; statements: Statement[] };

interface Masks {
  may: bigint;
  must: bigint;
}

const SEARCH_BUDGET = 200_000;

class BudgetExceededError extends Error {
  override name = 'BudgetExceededError';
}

export function findAllowedRequest(query: AnalysisQuery): Answer {
  const allows = query.allows ?? query.policy.statements.filter((s) => s.effect === 'Allow');
  const denies = [
    ...query.policy.statements.filter((s) => s.effect === 'Deny'),
    ...(query.mustNotMatch ?? []),
  ];
  const required = query.mustMatch ?? [];
  // Policy variables exist only under Version 2012-10-17; statements added by the query (guard
  // statements, restrictions) are written for such a policy.
  const own = new Set(query.policy.statements);
  const variablesIn = (s: Statement) => !own.has(s) || query.policy.version === '2012-10-17';
  const statements = [...new Set([...allows, ...denies, ...required])];
  const conditions = new Map<Statement, CompiledCondition[]>(
    statements.map((s) => [s, s.conditions.map((c) => compileCondition(c, variablesIn(s)))]),
  );
  const dims = [
    ...buildDimensions({
      statements,
      conditions,
      requestClass: query.requestClass,
      trust: query.trust,
    }).values(),
  ];
  const classMasks = dims.map((d) => maskOf(d.candidates, (c) => inClass(c, d.name, query.requestClass)));
  const stmtMasks = new Map<Statement, Masks[]>(
    statements.map((s) => [s, dims.map((d) => statementMasks(s, conditions.get(s)!, d))]),
  );
  const variableUses = statements.flatMap((s) =>
    conditions
      .get(s)!
      .filter((c) => c.usesVariables)
      .map((c) => c.entry.path),
  );

  const grantsVia = (allow: Statement, mode: 'over' | 'under'): bigint[] | undefined => {
    const pick = (m: Masks, side: 'allow' | 'deny') =>
      (mode === 'over') === (side === 'allow') ? m.may : m.must;
    const denyMasks = denies.map((d) => stmtMasks.get(d)!.map((m) => pick(m, 'deny')));
    const start = classMasks.map((cm, i) => {
      let m = cm & pick(stmtMasks.get(allow)![i]!, 'allow');
      for (const r of required) m &= pick(stmtMasks.get(r)![i]!, 'allow');
      return m;
    });
    if (start.some((m) => m === 0n)) return undefined;
    return escapeDenies(start, denyMasks);
  };
  const search = (mode: 'over' | 'under') => {
    for (const allow of allows) {
      const found = grantsVia(allow, mode);
      if (found) return { allow, masks: found };
    }
    return undefined;
  };

  let over: ReturnType<typeof search>;
  try {
    over = search('over');
  } catch (e) {
    if (e instanceof BudgetExceededError) {
      return {
        kind: 'unproven',
        reason: 'the policy has too many interacting Deny statements to search exhaustively',
        statements: [],
      };
    }
    throw e;
  }
  const inexact = dims.filter((d) => !d.exact);
  if (!over) {
    if (inexact.length)
      return { kind: 'unproven', reason: inexact.map((d) => d.inexactReason).join('; '), statements: [] };
    return { kind: 'none' };
  }
  const under = variableUses.length ? search('under') : over;
  const chosen = under ?? over;
  const relevant = new Set([
    'aws:principalaccount',
    'aws:sourceaccount',
    'aws:principalorgid',
    ...statements.flatMap((s) => s.conditions.map((c) => c.keyLower)),
    ...(query.requestClass.network.kind === 'any' ? [] : ['aws:sourcevpce', 'aws:sourceip']),
    ...(query.requestClass.exempt ? ['aws:viaawsservice', 'aws:principalisawsservice'] : []),
  ]);
  // A witness through an AWS service says so (the keys that come with it are in the same dimension).
  if (dims.some((d) => d.name === 'via')) relevant.add('aws:viaawsservice');
  let witness = buildWitness(dims, chosen.masks, chosen.allow, relevant);
  // A service principal's request says so (aws:PrincipalIsAWSService is in every such request).
  if ('Service' in witness.principal && !('aws:PrincipalIsAWSService' in witness.context)) {
    witness = { ...witness, context: { 'aws:PrincipalIsAWSService': 'true', ...witness.context } };
  }
  const matched = allows.filter((s) => statementMatches(s, witness));
  let involved = matched.length ? matched : [chosen.allow];
  if (query.listGranting) {
    // Every Allow that grants some request of the class (each escapes the Denies on its own).
    const granting = new Set(involved);
    for (const allow of allows) {
      if (granting.has(allow)) continue;
      try {
        if (grantsVia(allow, 'over')) granting.add(allow);
      } catch (e) {
        if (!(e instanceof BudgetExceededError)) throw e;
      }
    }
    involved = allows.filter((s) => granting.has(s));
  }
  if (!under) {
    return {
      kind: 'unproven',
      reason: `policy variables cannot be resolved statically (${[...new Set(variableUses)].join(', ')})`,
      witness,
      statements: involved,
    };
  }
  // Proof-carrying: the independent concrete evaluator must agree with the witness.
  const allowConfirmed = query.allows
    ? query.allows.some((s) => statementMatches(s, witness))
    : evaluate(query.policy, witness).decision === 'allow';
  const confirmed =
    allowConfirmed &&
    required.every((r) => statementMatches(r, witness)) &&
    denies.every((d) => !statementMatches(d, witness));
  if (!confirmed) {
    return {
      kind: 'unproven',
      reason: 'the witness found symbolically was not confirmed by the concrete evaluator',
      witness,
      statements: involved,
    };
  }
  return { kind: 'witness', witness, statements: involved };
}

const ACTION_RANK = new Map<string, number>(WITNESS_ACTION_PREFERENCE.map((a, i) => [a.toLowerCase(), i]));

/** Lower is preferred: the witness names the action that says the most (Decrypt before DescribeKey). */
function actionRank(action: string): number {
  return ACTION_RANK.get(action.toLowerCase()) ?? ACTION_RANK.size + 1;
}

/** Restrict dimensions so that no Deny can match; undefined when impossible. */
function escapeDenies(start: bigint[], denies: bigint[][]): bigint[] | undefined {
  let budget = SEARCH_BUDGET;
  const failed = new Set<string>();
  const rec = (masks: bigint[]): bigint[] | undefined => {
    if (--budget < 0) throw new BudgetExceededError();
    checkBudget();
    // Among Denies that can still match, take the one with the fewest ways out.
    let best: number[] | undefined;
    let bestDeny = -1;
    for (let j = 0; j < denies.length; j++) {
      const d = denies[j]!;
      let canMatch = true;
      for (let i = 0; i < masks.length; i++) {
        if ((masks[i]! & d[i]!) === 0n) {
          canMatch = false;
          break;
        }
      }
      if (!canMatch) continue;
      const exits: number[] = [];
      for (let i = 0; i < masks.length; i++) if ((masks[i]! & ~d[i]!) !== 0n) exits.push(i);
      if (exits.length === 0) return undefined;
      if (!best || exits.length < best.length) {
        best = exits;
        bestDeny = j;
      }
    }
    if (!best) return masks;
    const key = masks.join(',');
    if (failed.has(key)) return undefined;
    const d = denies[bestDeny]!;
    for (const i of best) {
      const next = masks.slice();
      next[i] = masks[i]! & ~d[i]!;
      const r = rec(next);
      if (r) return r;
    }
    failed.add(key);
    return undefined;
  };
  return rec(start);
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

function maskOf(cands: Candidate[], pred: (c: Candidate) => boolean): bigint {
  const m = new MaskBuilder(cands.length);
  cands.forEach((c, i) => {
    if (pred(c)) m.set(i);
  });
  return m.toBigInt();
}

function inClass(c: Candidate, dim: string, cls: RequestClass): boolean {
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
    return (
      !net.vpceIds.includes(c.values['aws:sourcevpce'] as string) &&
      !net.vpcIds.includes(c.values['aws:sourcevpc'] as string)
    );
  }
  if (dim === 'via' && cls.exempt?.awsServiceCalls) return c.values['aws:viaawsservice'] === 'false';
  return true;
}

function statementMasks(s: Statement, conds: CompiledCondition[], dim: Dimension): Masks {
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

/** Drop every memo the analyzer keeps between calls (they are bounded; see `clearGlobCaches`). */
export function clearAnalyzerCaches(): void {
  patternCache.clear();
  clearGlobCaches();
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

/**
 * Principal element matching. An account entry (`arn:aws:iam::A:root`) stands for every principal
 * of account A; a role entry matches its sessions. NotPrincipal excludes a requester only when
 * every level of it is listed: account, then user or role, then session (IAM User Guide,
 * "NotPrincipal": AWS checks the account, then the role, then the assumed-role session).
 */
/**
 * Whether a statement's Principal/NotPrincipal covers a candidate depends only on the principal
 * (not on its organization or paths, which multiply the candidates): memoized per element.
 */
const principalMatchCache = new WeakMap<PrincipalElement, Map<string, boolean>>();

function principalMatches(el: PrincipalElement, c: Candidate): boolean {
  let key = c.principalKey;
  if (key === undefined) {
    const p = c.principal!;
    key = 'Service' in p ? `S${p.Service}` : 'Federated' in p ? `F${p.Federated}` : `A${p.AWS}`;
    c.principalKey = key;
  }
  let cache = principalMatchCache.get(el);
  if (!cache) {
    cache = new Map();
    principalMatchCache.set(el, cache);
  }
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = principalMatchesUncached(el, c);
    cache.set(key, hit);
  }
  return hit;
}

function principalMatchesUncached(el: PrincipalElement, c: Candidate): boolean {
  const info = c.principalInfo!;
  const p = c.principal!;
  let listed: boolean;
  if ('Service' in p) listed = el.any || el.service.includes(p.Service);
  else if ('Federated' in p) listed = el.any || el.federated.includes(p.Federated);
  else {
    const root = `arn:aws:iam::${info.account}:root`;
    const acct = el.any || el.aws.includes(root);
    const arn = p.AWS;
    const kind = principalKind(arn);
    const roleArn = kind === 'session' ? sessionRoleArn(arn) : arn;
    const roleName = roleArn.split('/').pop();
    const selfListed =
      el.any ||
      el.aws.includes(arn) ||
      (kind === 'session' &&
        el.aws.some(
          (e) => e.startsWith(`arn:aws:iam::${info.account}:role/`) && e.split('/').pop() === roleName,
        ));
    if (!el.negated) return kind === 'root' ? acct : acct || selfListed;
    listed = kind === 'root' ? acct : acct && selfListed;
    return !listed;
  }
  return el.negated ? !listed : listed;
}

function buildWitness(
  dims: Dimension[],
  masks: bigint[],
  allow: Statement,
  relevant: Set<string>,
): ConcreteRequest {
  const pickIndex = (mask: bigint, prefer?: (c: Candidate) => number, cands?: Candidate[]) => {
    const idx: number[] = [];
    for (let i = 0; mask >> BigInt(i) !== 0n; i++) if ((mask >> BigInt(i)) & 1n) idx.push(i);
    if (!prefer || !cands) return idx[0]!;
    return idx.reduce((best, i) => (prefer(cands[i]!) < prefer(cands[best]!) ? i : best), idx[0]!);
  };
  const request: ConcreteRequest = { principal: { AWS: '' }, action: '', resource: '*', context: {} };
  dims.forEach((d, i) => {
    const prefer = d.name === 'action' ? (c: Candidate) => actionRank(c.action!) : undefined;
    const c = d.candidates[pickIndex(masks[i]!, prefer, d.candidates)]!;
    if (c.principal) request.principal = c.principal;
    if (c.action) request.action = c.action;
    if (c.resource) request.resource = c.resource;
    for (const [k, v] of Object.entries(c.values))
      if (relevant.has(k)) ownSet(request.context, ownGet(KEY_SPELLING, k) ?? k, v);
  });
  return request;
}

/** Expand action patterns (case-insensitive wildcards) against a list of concrete actions. */
export function expandActions(patterns: readonly string[], universe: readonly string[]): string[] {
  const globs = patterns.map((p) =>
    compileGlob({ pattern: p, wildcards: true, ignoreCase: true, arn: false }),
  );
  return universe.filter((a) => globs.some((g) => globMatches(g, a)));
}
