import { clearAnalysisMemo, memoised } from './analysis-memo.js';
import { buildWitness } from './build-witness.js';
import type { Dimension } from './candidates.js';
import { type CompiledCondition, compileCondition } from './condition-ops.js';
import { BudgetExceededError, escapeDenies } from './deny-search.js';
import { buildDimensions } from './dimensions.js';
import { evaluate, statementMatches } from './evaluate.js';
import { compileGlob, globMatches } from './glob.js';
import { clearGlobCaches } from './glob-cells.js';
import type { RequestClass, Trust } from './request-model.js';
import { clearPatternCache, inClass, type Masks, maskOf, statementMasks } from './statement-masks.js';
import type { ConcreteRequest, Policy, Statement } from './types.js';

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

/** The statements of one query, its dimensions and the search for a request through one Allow. */
interface Search {
  allows: Statement[];
  denies: Statement[];
  required: Statement[];
  statements: Statement[];
  dims: Dimension[];
  /** Paths of the condition entries that use policy variables. */
  variableUses: string[];
  /**
   * Masks of the requests of the class that `allow` (and every required statement) lets through
   * and that escape every Deny, or undefined when there are none. `over` reads a test that cannot
   * be decided statically in the widest way (may-match for Allows, must-match for Denies), `under`
   * in the narrowest.
   */
  grantsVia: (allow: Statement, mode: 'over' | 'under') => bigint[] | undefined;
}

interface Found {
  allow: Statement;
  masks: bigint[];
}

/**
 * Does the query's policy allow some request of its class? Memoised (analysis-memo.ts): a repeated
 * policy and query, as an estate's templated keys ask, is answered without analysing again.
 */
export function findAllowedRequest(query: AnalysisQuery): Answer {
  return memoised(query, analyse);
}

function analyse(query: AnalysisQuery): Answer {
  const search = prepareSearch(query);
  let over: Found | undefined;
  try {
    over = searchAllows(search, 'over');
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
  const inexact = search.dims.filter((d) => !d.exact);
  if (!over) {
    if (inexact.length)
      return { kind: 'unproven', reason: inexact.map((d) => d.inexactReason).join('; '), statements: [] };
    return { kind: 'none' };
  }
  const under = search.variableUses.length ? searchAllows(search, 'under') : over;
  const chosen = under ?? over;
  const witness = witnessOf(query, search, chosen);
  const involved = involvedAllows(query, search, witness, chosen.allow);
  if (!under) {
    return {
      kind: 'unproven',
      reason: `policy variables cannot be resolved statically (${[...new Set(search.variableUses)].join(', ')})`,
      witness,
      statements: involved,
    };
  }
  // Proof-carrying: the independent concrete evaluator must agree with the witness.
  if (!confirmedConcretely(query, search, witness)) {
    return {
      kind: 'unproven',
      reason: 'the witness found symbolically was not confirmed by the concrete evaluator',
      witness,
      statements: involved,
    };
  }
  return { kind: 'witness', witness, statements: involved };
}

function prepareSearch(query: AnalysisQuery): Search {
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
  return { allows, denies, required, statements, dims, variableUses, grantsVia };
}

function searchAllows(search: Search, mode: 'over' | 'under'): Found | undefined {
  for (const allow of search.allows) {
    const found = search.grantsVia(allow, mode);
    if (found) return { allow, masks: found };
  }
  return undefined;
}

function witnessOf(query: AnalysisQuery, search: Search, chosen: Found): ConcreteRequest {
  const relevant = new Set([
    'aws:principalaccount',
    'aws:sourceaccount',
    'aws:principalorgid',
    ...search.statements.flatMap((s) => s.conditions.map((c) => c.keyLower)),
    ...(query.requestClass.network.kind === 'any' ? [] : ['aws:sourcevpce', 'aws:sourceip']),
    ...approvalKeys(query.requestClass),
    ...(query.requestClass.exempt ? ['aws:viaawsservice', 'aws:principalisawsservice'] : []),
  ]);
  // Keys that name the same thing travel together: an organization path names its organization, a
  // VPC ARN its VPC (so a reader sees they agree).
  if (relevant.has('aws:vpceorgpaths')) relevant.add('aws:vpceorgid');
  if (relevant.has('aws:sourcevpcarn')) relevant.add('aws:sourcevpc');
  // A witness through an AWS service says so (the keys that come with it are in the same dimension).
  if (search.dims.some((d) => d.name === 'via')) relevant.add('aws:viaawsservice');
  let witness = buildWitness(search.dims, chosen.masks, relevant);
  // A service principal's request says so (aws:PrincipalIsAWSService is in every such request).
  if ('Service' in witness.principal && !('aws:PrincipalIsAWSService' in witness.context)) {
    witness = { ...witness, context: { 'aws:PrincipalIsAWSService': 'true', ...witness.context } };
  }
  return witness;
}

/**
 * The owner keys an off-network witness must show when the configuration approves by them: a
 * request through an unapproved endpoint says whose endpoint it is (an owner in no organization
 * has no aws:VpceOrgID, and the witness then shows none).
 */
function approvalKeys(cls: RequestClass): string[] {
  const net = cls.network;
  if (net.kind !== 'off-network') return [];
  const keys: string[] = [];
  if (net.vpceAccounts?.length) keys.push('aws:vpceaccount');
  if (net.vpceOrgIds?.length) keys.push('aws:vpceorgid');
  if (net.vpceOrgPaths?.length) keys.push('aws:vpceorgpaths');
  if (net.vpcArns?.length) keys.push('aws:sourcevpcarn');
  return keys;
}

/** The Allows the answer names: those the witness matches (or the chosen one), or every granting one. */
function involvedAllows(
  query: AnalysisQuery,
  search: Search,
  witness: ConcreteRequest,
  chosenAllow: Statement,
): Statement[] {
  const { allows } = search;
  const matched = allows.filter((s) => statementMatches(s, witness));
  let involved = matched.length ? matched : [chosenAllow];
  if (query.listGranting) {
    // Every Allow that grants some request of the class (each escapes the Denies on its own).
    const granting = new Set(involved);
    for (const allow of allows) {
      if (granting.has(allow)) continue;
      try {
        if (search.grantsVia(allow, 'over')) granting.add(allow);
      } catch (e) {
        if (!(e instanceof BudgetExceededError)) throw e;
      }
    }
    involved = allows.filter((s) => granting.has(s));
  }
  return involved;
}

function confirmedConcretely(query: AnalysisQuery, search: Search, witness: ConcreteRequest): boolean {
  const allowConfirmed = query.allows
    ? query.allows.some((s) => statementMatches(s, witness))
    : evaluate(query.policy, witness).decision === 'allow';
  return (
    allowConfirmed &&
    search.required.every((r) => statementMatches(r, witness)) &&
    search.denies.every((d) => !statementMatches(d, witness))
  );
}

/** Drop every memo the analyzer keeps between calls (they are bounded; see `clearGlobCaches`). */
export function clearAnalyzerCaches(): void {
  clearPatternCache();
  clearGlobCaches();
  clearAnalysisMemo();
}

const expanded = new WeakMap<readonly string[], Map<string, string[]>>();

/**
 * Expand action patterns (case-insensitive wildcards) against a list of concrete actions. Memoised
 * per universe (bounded): every key of an estate expands the same configured actions.
 */
export function expandActions(patterns: readonly string[], universe: readonly string[]): string[] {
  let byPatterns = expanded.get(universe);
  if (!byPatterns) {
    byPatterns = new Map();
    expanded.set(universe, byPatterns);
  }
  const key = patterns.join('\u0000');
  let out = byPatterns.get(key);
  if (!out) {
    const globs = patterns.map((p) =>
      compileGlob({ pattern: p, wildcards: true, ignoreCase: true, arn: false }),
    );
    out = universe.filter((a) => globs.some((g) => globMatches(g, a)));
    if (byPatterns.size >= 256) byPatterns.clear();
    byPatterns.set(key, out);
  }
  return [...out];
}
