/**
 * Analysis memoised by policy: estates repeat a few policy texts (templates stamp the same key
 * policy on every key), so the same question about the same policy is asked again and again. A
 * bounded cache answers a repeated query without analysing again.
 *
 * The key is everything the answer is a function of: the policy as the analyzer reads it (its
 * Version and its parsed statements, positions and paths included; for a parsed policy that is a
 * function of its text), the request class (actions, principal scope, network and exemptions: the
 * rule's configuration slice), the trust, the extra statements of the query (guards, RCP denies,
 * restrictions) and whether every granting Allow is listed. The key's ARN is the one input a
 * repeated text usually does not share: where the answer depends on it only through its literal
 * (every statement's Resource is `*`, no condition reads aws:ResourceAccount, no policy variable),
 * the entry is shared by the keys of one partition, account and region and the witness's resource
 * is substituted; otherwise the full ARN is part of the key. The structural form is built from
 * the parsed statements rather than read from `Policy.text`, because hand-built policies (probes,
 * tests) carry a placeholder text.
 */
import type { AnalysisQuery, Answer } from './analyze.js';
import type { RequestClass, Trust } from './request-model.js';
import type { ConcreteRequest, Policy, Statement } from './types.js';

/** An answer as stored: statements by position in the query's Allow list, witness for `arn`. */
type Stored =
  | { kind: 'none' }
  | {
      kind: 'witness' | 'unproven';
      reason?: string;
      witness?: ConcreteRequest;
      allows: number[];
      arn?: string;
    };

/**
 * Bounds: policies (outer entries), their forms' total length (a near-32 KB policy's form is about
 * 60,000 characters) and queries per policy (judge, plan and proof ask a few dozen at most).
 */
const MAX_POLICIES = 1_000;
const MAX_FORM_CHARS = 8_000_000;
const MAX_QUERIES_PER_POLICY = 256;

const byPolicy = new Map<string, Map<string, Stored>>();
let formChars = 0;
let enabled = true;

const statementForms = new WeakMap<Statement, string>();
const policyForms = new WeakMap<Policy, string>();

function statementForm(s: Statement): string {
  let f = statementForms.get(s);
  if (f === undefined) {
    f = JSON.stringify([
      s.index,
      s.sid ?? null,
      s.effect,
      s.principal,
      s.action,
      s.resource,
      s.conditions,
      s.path,
    ]);
    statementForms.set(s, f);
  }
  return f;
}

function policyForm(p: Policy): string {
  let f = policyForms.get(p);
  if (f === undefined) {
    f = `${p.version ?? '-'}\u0001${p.statements.map(statementForm).join('\u0002')}`;
    policyForms.set(p, f);
  }
  return f;
}

/** Whether no statement of the query can tell one key ARN of an account and region from another. */
function arnIndependent(statements: readonly Statement[]): boolean {
  return statements.every(
    (s) =>
      !s.resource.negated &&
      s.resource.patterns.includes('*') &&
      s.conditions.every(
        (c) => c.keyLower !== 'aws:resourceaccount' && c.values.every((v) => !v.includes('${')),
      ),
  );
}

const KEY_ARN = /^(arn:[^:]+:kms:[^:]*:\d{12}:key\/)[^/]+$/;

interface Keyed {
  policy: string;
  query: string;
  /** The ARN the stored witness names when it is substituted on a hit. */
  arn?: string;
}

function keyOf(q: AnalysisQuery): Keyed {
  const own = new Map(q.policy.statements.map((s, i) => [s, i]));
  const ref = (s: Statement) => {
    const i = own.get(s);
    return i === undefined ? statementForm(s) : `#${i}`;
  };
  const extras = [...(q.mustMatch ?? []), ...(q.mustNotMatch ?? []), ...(q.allows ?? [])];
  const cls = q.requestClass;
  const arn = cls.resource.kind === 'key' ? cls.resource.arn : undefined;
  const shared = arn !== undefined ? KEY_ARN.exec(arn) : null;
  const substitute = shared !== null && arnIndependent(q.policy.statements) && arnIndependent(extras);
  // Every field of the class and of the query, by name: a field added to either type and left
  // out of the key is a compile error, not a stale answer.
  const classKey: Record<keyof RequestClass, unknown> = {
    principals: cls.principals,
    actions: cls.actions,
    resource: substitute ? { kind: 'key', arn: `${shared[1]}*` } : cls.resource,
    network: cls.network,
    exempt: cls.exempt ?? null,
  };
  const queryKey: Record<keyof AnalysisQuery, unknown> = {
    policy: '',
    requestClass: classKey,
    trust: { accounts: q.trust.accounts, organizationIds: q.trust.organizationIds } satisfies Record<
      keyof Trust,
      unknown
    >,
    listGranting: q.listGranting === true,
    mustMatch: q.mustMatch?.map(ref) ?? null,
    mustNotMatch: q.mustNotMatch?.map(ref) ?? null,
    allows: q.allows?.map(ref) ?? null,
  };
  const query = JSON.stringify(queryKey);
  return { policy: policyForm(q.policy), query, ...(substitute ? { arn } : {}) };
}

function allowList(q: AnalysisQuery): Statement[] {
  return q.allows ?? q.policy.statements.filter((s) => s.effect === 'Allow');
}

const copy = (w: ConcreteRequest): ConcreteRequest => structuredClone(w);

function store(q: AnalysisQuery, keyed: Keyed, answer: Answer): void {
  let queries = byPolicy.get(keyed.policy);
  if (!queries) {
    while (
      byPolicy.size >= MAX_POLICIES ||
      (byPolicy.size > 0 && formChars + keyed.policy.length > MAX_FORM_CHARS)
    ) {
      const oldest = byPolicy.keys().next().value as string;
      byPolicy.delete(oldest);
      formChars -= oldest.length;
    }
    queries = new Map();
    byPolicy.set(keyed.policy, queries);
    formChars += keyed.policy.length;
  }
  if (queries.size >= MAX_QUERIES_PER_POLICY) queries.clear();
  if (answer.kind === 'none') {
    queries.set(keyed.query, answer);
    return;
  }
  const position = new Map(allowList(q).map((s, i) => [s, i]));
  queries.set(keyed.query, {
    kind: answer.kind,
    ...(answer.kind === 'unproven' ? { reason: answer.reason } : {}),
    ...(answer.witness ? { witness: copy(answer.witness) } : {}),
    allows: answer.statements.map((s) => position.get(s) ?? -1),
    ...(keyed.arn ? { arn: keyed.arn } : {}),
  });
}

function restore(q: AnalysisQuery, keyed: Keyed, stored: Stored): Answer {
  if (stored.kind === 'none') return { kind: 'none' };
  const allows = allowList(q);
  const statements = stored.allows.map((i) => allows[i]!);
  let witness = stored.witness ? copy(stored.witness) : undefined;
  if (witness && stored.arn !== undefined && keyed.arn !== undefined && witness.resource === stored.arn)
    witness = { ...witness, resource: keyed.arn };
  if (stored.kind === 'witness') return { kind: 'witness', witness: witness!, statements };
  return { kind: 'unproven', reason: stored.reason ?? '', ...(witness ? { witness } : {}), statements };
}

/**
 * The answer to `q`: from the memo when the same query was answered before, else `analyse(q)`
 * (stored unless it throws: a budget stop is not an answer). Entries are refreshed on use and the
 * least recently used policy is dropped first.
 */
export function memoised(q: AnalysisQuery, analyse: (q: AnalysisQuery) => Answer): Answer {
  if (!enabled) return analyse(q);
  const keyed = keyOf(q);
  const queries = byPolicy.get(keyed.policy);
  const hit = queries?.get(keyed.query);
  if (queries && hit) {
    byPolicy.delete(keyed.policy);
    byPolicy.set(keyed.policy, queries);
    return restore(q, keyed, hit);
  }
  const answer = analyse(q);
  // An answer naming a statement outside the query's Allow list cannot be restored by position.
  const allows = new Set(allowList(q));
  if (answer.kind === 'none' || answer.statements.every((s) => allows.has(s))) store(q, keyed, answer);
  return answer;
}

/** Drop every memoised answer (analyze.ts `clearAnalyzerCaches`). */
export function clearAnalysisMemo(): void {
  byPolicy.clear();
  formChars = 0;
}

/** Run `fn` with the memo off (the differential test compares both paths). */
export function withoutAnalysisMemo<T>(fn: () => T): T {
  const before = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = before;
  }
}

/** How many policies and answers the memo holds (tests check it is bounded and cleared). */
export function analysisMemoSize(): { policies: number; answers: number; formChars: number } {
  let answers = 0;
  for (const q of byPolicy.values()) answers += q.size;
  return { policies: byPolicy.size, answers, formChars };
}
