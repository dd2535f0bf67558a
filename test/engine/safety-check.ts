/**
 * The remediation safety invariants of SPEC.md §3, checked on one policy text with the concrete
 * evaluator as referee (never the analyzer): judge, plan, then for every planned decision compare
 * the policy before and after on concrete requests, the statement bytes, the size, and what
 * planning again does. Shared by the property test, the data-driven reproductions and the
 * minimizer that turns a violation into a small reproduction.
 */
import { isDeepStrictEqual } from 'node:util';
import type { GuardConfig, RuleId } from '../../functions/config/schema.js';
import { judge, type Verdict } from '../../functions/engine/judge.js';
import { planRemediations, type RemediationDecision } from '../../functions/engine/remediation.js';
import { expandActions } from '../../functions/policy/analyze.js';
import { withBudget } from '../../functions/policy/budget.js';
import { evaluate } from '../../functions/policy/evaluate.js';
import { literalPattern, wildcardMatch } from '../../functions/policy/evaluate-patterns.js';
import { documentLayout, statementTexts } from '../../functions/policy/json-text.js';
import { KMS_ACTIONS } from '../../functions/policy/kms-actions.js';
import { parsePolicyText } from '../../functions/policy/parse.js';
import type { ConcreteRequest, Policy } from '../../functions/policy/types.js';
import type { Resource } from '../../functions/rules/types.js';
import {
  ENDPOINT_ID,
  ENDPOINT_POLICY_LIMIT,
  isExternalRequest,
  isOffNetworkCryptoRequest,
  KEY_ARN,
  KEY_POLICY_LIMIT,
  type PolicyKind,
  REGION,
  sampleRequests,
  T,
  VPC,
} from '../policy/adversarial.js';

export type Invariant =
  | 'crash'
  | 'refusal-reason'
  | '1-forbidden-request-left'
  | '1-detection-missed'
  | '2-access-lost'
  | '3-newly-allowed'
  | '4-statements-changed'
  | '4-bad-added-statement'
  | '5-size'
  | '6-not-idempotent'
  | 'plan-text';

export const INVARIANTS: Invariant[] = [
  'crash',
  'refusal-reason',
  'plan-text',
  '1-forbidden-request-left',
  '1-detection-missed',
  '2-access-lost',
  '3-newly-allowed',
  '4-statements-changed',
  '4-bad-added-statement',
  '5-size',
  '6-not-idempotent',
];

export interface Violation {
  invariant: Invariant;
  rule?: RuleId;
  detail: string;
  request?: ConcreteRequest;
}

export interface SafetyStats {
  policies: number;
  planned: number;
  refused: number;
  refusedReasons: Record<string, number>;
  requests: number;
  evaluations: number;
  byRule: Record<string, { planned: number; refused: number; compliant: number; finding: number }>;
}

function ruleStats(stats: SafetyStats, rule: string) {
  let s = stats.byRule[rule];
  if (!s) {
    s = { planned: 0, refused: 0, compliant: 0, finding: 0 };
    stats.byRule[rule] = s;
  }
  return s;
}

export const newStats = (): SafetyStats => ({
  policies: 0,
  planned: 0,
  refused: 0,
  refusedReasons: {},
  requests: 0,
  evaluations: 0,
  byRule: {},
});

export function resourceOf(kind: PolicyKind, policy: Policy): Resource {
  return kind === 'key'
    ? {
        type: 'kms-key',
        id: '1234abcd-12ab-34cd-56ef-1234567890ab',
        arn: KEY_ARN,
        account: T,
        region: REGION,
        keyManager: 'CUSTOMER',
        keyState: 'Enabled',
        policy,
      }
    : {
        type: 'vpc-endpoint',
        id: ENDPOINT_ID,
        account: T,
        region: REGION,
        serviceName: `com.amazonaws.${REGION}.kms`,
        vpcEndpointType: 'Interface',
        requesterManaged: false,
        privateDnsEnabled: true,
        vpcId: VPC,
        policy,
      };
}

const GUARD_PREFIX = 'KmsPerimeterGuard';

/**
 * Whether a service request acting for `account` is external access under SPEC §2: the account is
 * untrusted and the policy's own aws:SourceAccount/SourceArn/SourceOwner conditions name it (a
 * negated or IfExists condition on those keys admits every account).
 */
function policyNamesSourceAccount(policy: Policy, account: string): boolean {
  for (const s of policy.statements)
    for (const c of s.conditions) {
      if (!['aws:sourceaccount', 'aws:sourceowner', 'aws:sourcearn'].includes(c.keyLower)) continue;
      if (c.ifExists || c.base.includes('Not')) return true;
      for (const v of c.values) {
        const acct = c.keyLower === 'aws:sourcearn' ? v.split(':')[4] : v;
        if (acct !== undefined && wildcardMatch(literalPattern(acct), account, false)) return true;
      }
    }
  return false;
}

const ctxGet = (r: ConcreteRequest, key: string) => {
  for (const [k, v] of Object.entries(r.context)) if (k.toLowerCase() === key) return v;
  return undefined;
};

/** External (SPEC §2), for the policy the request is judged against. */
export function external(r: ConcreteRequest, policy: Policy, config: GuardConfig): boolean {
  if (!isExternalRequest(r, config)) return false;
  if ('Service' in r.principal) {
    const sa = ctxGet(r, 'aws:sourceaccount');
    return typeof sa === 'string' && policyNamesSourceAccount(policy, sa);
  }
  return true;
}

/** Inside the perimeter: trusted IAM principals, services acting for no account or a trusted one. */
export function internal(r: ConcreteRequest, config: GuardConfig): boolean {
  return !isExternalRequest(r, config);
}

/**
 * A witness as a whole request: witnesses omit the context keys that do not matter to the policy
 * judged, but the guard statements test some of them (aws:PrincipalIsAWSService, ...), so the keys
 * the request model fixes are filled in.
 */
export function completeWitness(w: ConcreteRequest): ConcreteRequest {
  const context = { ...w.context };
  const has = (key: string) => Object.keys(context).some((k) => k.toLowerCase() === key.toLowerCase());
  const put = (key: string, value: string | string[]) => {
    if (!has(key)) context[key] = value;
  };
  if ('Service' in w.principal) {
    put('aws:PrincipalIsAWSService', 'true');
    put('aws:PrincipalServiceName', w.principal.Service);
  } else if ('AWS' in w.principal) {
    const session = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(w.principal.AWS);
    const account = session ? session[1]! : w.principal.AWS.split(':')[4];
    if (account) {
      put('aws:PrincipalAccount', account);
      put('kms:CallerAccount', account);
      put('aws:PrincipalArn', session ? `arn:aws:iam::${account}:role/${session[2]}` : w.principal.AWS);
    }
    put('aws:PrincipalIsAWSService', 'false');
  } else put('aws:PrincipalIsAWSService', 'false');
  put('aws:ViaAWSService', 'false');
  if (!has('aws:SourceVpce') && !has('aws:SourceIp')) put('aws:SourceIp', '203.0.113.10');
  return { ...w, resource: w.resource === '*' ? KEY_ARN : w.resource, context };
}

const KEY_PLAN_KINDS: readonly string[] = ['put-key-policy'];
/** The endpoint policy plan (called `modify-vpc-endpoint` before it had a module of its own). */
const ENDPOINT_PLAN_KINDS: readonly string[] = ['modify-endpoint-policy', 'modify-vpc-endpoint'];

/** The policy text a plan writes and its parsed document (key and endpoint plans name them differently). */
function policyChange(plan: object): { text?: string; document?: unknown } {
  const p = plan as { policyText?: unknown; policy?: unknown; policyDocument?: unknown };
  return {
    ...(typeof p.policyText === 'string' ? { text: p.policyText } : {}),
    document: p.policy ?? p.policyDocument,
  };
}

export interface CheckOptions {
  samples: number;
  seed: number;
  /** Requests checked on top of the sampled ones (a reproduction's own request). */
  requests?: ConcreteRequest[];
  stats?: SafetyStats;
  /**
   * Judge and plan within this analysis budget, as the Lambdas and sweeps do (2 s by default): past
   * it findings are unproven and nothing is planned. Undefined: no budget.
   */
  budgetMs?: number;
}

export interface CheckResult {
  violations: Violation[];
  verdict?: Verdict;
  decisions?: RemediationDecision[];
  /** The text after every planned decision (the original text when nothing was planned). */
  finalText: string;
}

const describeRequest = (r: ConcreteRequest) => JSON.stringify(r);

function forbiddenFor(
  rule: RuleId,
  r: ConcreteRequest,
  policy: Policy,
  config: GuardConfig,
  crypto: readonly string[],
) {
  if (rule === 'key-crypto-via-vpce') return isOffNetworkCryptoRequest(r, config, crypto);
  return external(r, policy, config);
}

/** Check every invariant on one policy text (which must parse). */
export function checkSafety(
  text: string,
  kind: PolicyKind,
  config: GuardConfig,
  options: CheckOptions,
): CheckResult {
  const violations: Violation[] = [];
  const stats = options.stats;
  const limit = kind === 'key' ? KEY_POLICY_LIMIT : ENDPOINT_POLICY_LIMIT;
  const parsed = parsePolicyText(text, {
    maxBytes: kind === 'key' ? KEY_POLICY_LIMIT : Number.MAX_SAFE_INTEGER,
  });
  if (!parsed.ok) throw new Error(`the policy does not parse: ${parsed.issues[0]?.message}`);
  const original = parsed.value;
  const crypto = expandActions(config.network.cryptoActions, KMS_ACTIONS);
  const resource = resourceOf(kind, original);
  let verdict: Verdict;
  let decisions: RemediationDecision[];
  const assessed = withBudget(options.budgetMs, () => {
    let v: Verdict;
    try {
      v = judge(resource, config);
    } catch (err) {
      return { error: `judge threw: ${(err as Error).stack ?? err}` };
    }
    try {
      return { verdict: v, decisions: planRemediations(v, config) };
    } catch (err) {
      return { verdict: v, error: `planRemediations threw: ${(err as Error).stack ?? err}` };
    }
  });
  if (assessed.error !== undefined || !assessed.decisions) {
    violations.push({ invariant: 'crash', detail: assessed.error ?? 'no decisions' });
    return { violations, ...(assessed.verdict ? { verdict: assessed.verdict } : {}), finalText: text };
  }
  verdict = assessed.verdict;
  decisions = assessed.decisions;
  if (stats) {
    stats.policies++;
    for (const r of verdict.results) {
      const s = ruleStats(stats, r.rule);
      if (r.status === 'compliant') s.compliant++;
      if (r.status === 'finding') s.finding++;
    }
  }

  // Requests: sampled from the policy's own literals, the findings' witnesses (requests the policy
  // is known to allow), and the caller's.
  const witnesses = verdict.results.flatMap((r) => r.findings.flatMap((f) => (f.witness ? [f.witness] : [])));
  const requests = [
    ...sampleRequests(original, kind, options.seed, options.samples),
    ...witnesses.map(completeWitness),
    ...(options.requests ?? []),
  ];
  if (stats) stats.requests += requests.length;
  const decide = (p: Policy, r: ConcreteRequest) => {
    if (stats) stats.evaluations++;
    return evaluate(p, r).decision;
  };

  const originalSids = new Set(original.statements.flatMap((s) => (s.sid === undefined ? [] : [s.sid])));
  let base = original;
  let baseText = text;
  const plannedRules: RuleId[] = [];
  for (const d of decisions) {
    const rs = stats ? ruleStats(stats, d.rule) : undefined;
    if (d.status === 'refused') {
      if (stats) {
        stats.refused++;
        rs!.refused++;
        const why = d.reason.replace(/\d+/g, 'N').replace(/\(.*$/, '').slice(0, 90);
        stats.refusedReasons[why] = (stats.refusedReasons[why] ?? 0) + 1;
      }
      if (typeof d.reason !== 'string' || d.reason.trim() === '')
        violations.push({ invariant: 'refusal-reason', rule: d.rule, detail: 'a refusal without a reason' });
      continue;
    }
    if (stats) {
      stats.planned++;
      rs!.planned++;
    }
    const plan = d.plan;
    const { text: newText, document: doc } = policyChange(plan);
    // Turning private DNS on changes no policy (and the endpoints here have it on already).
    if ((plan.kind as string) === 'enable-private-dns') continue;
    plannedRules.push(d.rule);
    if (
      !(kind === 'key' ? KEY_PLAN_KINDS : ENDPOINT_PLAN_KINDS).includes(plan.kind) ||
      newText === undefined
    ) {
      violations.push({
        invariant: 'plan-text',
        rule: d.rule,
        detail: `plan of kind ${plan.kind} without policy text`,
      });
      continue;
    }
    // 5. The written bytes fit.
    const size = kind === 'key' ? Buffer.byteLength(newText, 'utf8') : newText.length;
    if (size > limit)
      violations.push({
        invariant: '5-size',
        rule: d.rule,
        detail: `the plan writes ${size} (limit ${limit})`,
      });
    const afterParsed = parsePolicyText(newText, { maxBytes: Number.MAX_SAFE_INTEGER });
    if (!afterParsed.ok) {
      violations.push({
        invariant: 'plan-text',
        rule: d.rule,
        detail: `the planned text does not parse: ${afterParsed.issues[0]?.message}`,
      });
      continue;
    }
    const after = afterParsed.value;
    let docMatches = false;
    try {
      docMatches = isDeepStrictEqual(doc, JSON.parse(newText));
    } catch {
      docMatches = false;
    }
    if (!docMatches)
      violations.push({
        invariant: 'plan-text',
        rule: d.rule,
        detail: 'plan.policy is not the parsed policyText',
      });

    // 4. Original statements byte-identical and in order; only guard Denies under fresh Sids added;
    // everything around the statements kept.
    const oldTexts = statementTexts(baseText);
    const newTexts = statementTexts(newText);
    const changed = oldTexts.findIndex((s, i) => newTexts[i] !== s);
    if (newTexts.length < oldTexts.length || changed >= 0)
      violations.push({
        invariant: '4-statements-changed',
        rule: d.rule,
        detail: `statement ${changed >= 0 ? changed : oldTexts.length} not kept byte for byte: ${JSON.stringify(oldTexts[changed]?.slice(0, 200))} became ${JSON.stringify(newTexts[changed]?.slice(0, 200))}`,
      });
    const layout = documentLayout(baseText);
    const st = layout.statement;
    if (st) {
      const cut = st.kind === 'list' ? (st.elements.at(-1)?.end ?? st.span.start) : st.span.start;
      const tail = baseText.slice(st.kind === 'list' ? cut : st.span.end);
      if (!newText.startsWith(baseText.slice(0, cut)) || !newText.endsWith(tail))
        violations.push({
          invariant: '4-statements-changed',
          rule: d.rule,
          detail: 'the text around the statements changed',
        });
    }
    const added = after.statements.slice(base.statements.length);
    const addedSids = new Set<string>();
    for (const s of added) {
      const sid = s.sid;
      const bad =
        s.effect !== 'Deny'
          ? 'is not a Deny'
          : sid === undefined || !sid.startsWith(GUARD_PREFIX)
            ? 'has no guard Sid'
            : originalSids.has(sid)
              ? `reuses the original Sid ${sid}`
              : addedSids.has(sid)
                ? `duplicates ${sid}`
                : !(plan.guardSids as readonly string[]).includes(sid)
                  ? `is not in plan.guardSids`
                  : undefined;
      if (bad)
        violations.push({
          invariant: '4-bad-added-statement',
          rule: d.rule,
          detail: `added statement ${s.path} ${bad}`,
        });
      if (sid) addedSids.add(sid);
    }

    for (const r of requests) {
      const before = decide(base, r);
      const now = decide(after, r);
      // 1. No forbidden request of the rule's class is left.
      if (now === 'allow' && forbiddenFor(d.rule, r, original, config, crypto))
        violations.push({
          invariant: '1-forbidden-request-left',
          rule: d.rule,
          detail: `still allowed: ${describeRequest(r)}`,
          request: r,
        });
      // 2. Nothing inside the perimeter is lost but what the rule exists to stop.
      if (before === 'allow' && now !== 'allow' && internal(r, config)) {
        const removable = d.rule === 'key-crypto-via-vpce' && isOffNetworkCryptoRequest(r, config, crypto);
        if (!removable) {
          const what = crypto.includes(r.action) ? 'crypto' : 'administration';
          violations.push({
            invariant: '2-access-lost',
            rule: d.rule,
            detail: `${what} request lost (${now}): ${describeRequest(r)}`,
            request: r,
          });
        }
      }
      // 3. Nothing newly allowed.
      if (now === 'allow' && before !== 'allow')
        violations.push({
          invariant: '3-newly-allowed',
          rule: d.rule,
          detail: `newly allowed: ${describeRequest(r)}`,
          request: r,
        });
    }
    base = after;
    baseText = newText;
  }

  // Detection: a rule judged compliant must deny every forbidden request of its class.
  for (const result of verdict.results) {
    if (result.status !== 'compliant' || config.rules[result.rule] === 'off') continue;
    if (
      !['key-no-external-principals', 'key-crypto-via-vpce', 'endpoint-no-external-principals'].includes(
        result.rule,
      )
    )
      continue;
    const missed = requests.find(
      (r) => forbiddenFor(result.rule, r, original, config, crypto) && decide(original, r) === 'allow',
    );
    if (missed)
      violations.push({
        invariant: '1-detection-missed',
        rule: result.rule,
        detail: `judged compliant, but allows ${describeRequest(missed)}`,
        request: missed,
      });
  }

  // 6. Applying twice changes nothing: judging the result finds the planned rules compliant and
  // plans no other text.
  if (plannedRules.length > 0) {
    const again = parsePolicyText(baseText, {
      maxBytes: kind === 'key' ? KEY_POLICY_LIMIT : Number.MAX_SAFE_INTEGER,
    });
    if (again.ok) {
      try {
        const { verdict2, decisions2 } = withBudget(options.budgetMs, () => {
          const v2 = judge(resourceOf(kind, again.value), config);
          return { verdict2: v2, decisions2: planRemediations(v2, config) };
        });
        for (const r of verdict2.results)
          if (
            plannedRules.includes(r.rule) &&
            r.status === 'finding' &&
            // Out of time on the second reading: inconclusive, not a finding.
            !r.findings.every((f) => f.reason?.includes('budget'))
          )
            violations.push({
              invariant: '6-not-idempotent',
              rule: r.rule,
              detail: `judged again after the plan: still a finding (${r.findings[0]?.message})`,
            });
        for (const d2 of decisions2) {
          if (d2.status !== 'planned' || policyChange(d2.plan).text === baseText) continue;
          const first = decisions.find((d) => d.rule === d2.rule);
          // A rule the first pass could not analyse in time is planned now: expected, not a repeat.
          if (first?.status === 'refused' && first.reason.includes('budget exceeded')) continue;
          violations.push({
            invariant: '6-not-idempotent',
            rule: d2.rule,
            detail: `planning again on the result plans another text (first pass: ${first ? (first.status === 'refused' ? `refused: ${first.reason}` : 'planned') : 'nothing to do'})`,
          });
        }
      } catch (err) {
        violations.push({
          invariant: 'crash',
          detail: `judging the planned text threw: ${(err as Error).stack ?? err}`,
        });
      }
    }
  }
  return { violations, verdict, decisions, finalText: baseText };
}

// -------------------------------------------------------------------------------------- shrinking

type Json = Record<string, unknown>;

function own(o: Json, entries: [string, unknown][]): Json {
  void o;
  const out: Json = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Smaller variants of a policy document: one statement, element, operator, key or value less. */
function* smaller(doc: Json): Generator<Json> {
  const list = Array.isArray(doc.Statement) ? (doc.Statement as Json[]) : [doc.Statement as Json];
  const withStatements = (sts: Json[]) =>
    own(
      doc,
      Object.entries(doc).map(([k, v]) => [k, k === 'Statement' ? sts : v] as [string, unknown]),
    );
  for (let i = 0; i < list.length; i++)
    if (list.length > 1) yield withStatements(list.filter((_, j) => j !== i));
  const topLevel = Object.keys(doc).filter((k) => k !== 'Statement');
  for (const k of topLevel)
    yield own(
      doc,
      Object.entries(doc).filter(([x]) => x !== k),
    );
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    const replace = (next: Json) => withStatements(list.map((x, j) => (j === i ? next : x)));
    for (const k of ['Sid', 'Condition'])
      if (k in s)
        yield replace(
          own(
            s,
            Object.entries(s).filter(([x]) => x !== k),
          ),
        );
    for (const [k, v] of Object.entries(s)) {
      if (Array.isArray(v) && v.length > 1)
        for (const one of v)
          yield replace(
            own(
              s,
              Object.entries(s).map(([x, y]) => [x, x === k ? one : y] as [string, unknown]),
            ),
          );
      if (k === 'Principal' || k === 'NotPrincipal') {
        if (typeof v === 'object' && v !== null) {
          const p = v as Json;
          for (const [t, ids] of Object.entries(p)) {
            if (Object.keys(p).length > 1)
              yield replace(
                own(
                  s,
                  Object.entries(s).map(
                    ([x, y]) =>
                      [
                        x,
                        x === k
                          ? own(
                              p,
                              Object.entries(p).filter(([q]) => q !== t),
                            )
                          : y,
                      ] as [string, unknown],
                  ),
                ),
              );
            if (Array.isArray(ids) && ids.length > 1)
              for (const one of ids)
                yield replace(
                  own(
                    s,
                    Object.entries(s).map(
                      ([x, y]) =>
                        [
                          x,
                          x === k
                            ? own(
                                p,
                                Object.entries(p).map(
                                  ([q, z]) => [q, q === t ? one : z] as [string, unknown],
                                ),
                              )
                            : y,
                        ] as [string, unknown],
                    ),
                  ),
                );
          }
        }
      }
    }
    const cond = s.Condition as Json | undefined;
    if (cond && typeof cond === 'object') {
      const withCond = (c: Json) =>
        replace(
          own(
            s,
            Object.entries(s).map(([x, y]) => [x, x === 'Condition' ? c : y] as [string, unknown]),
          ),
        );
      for (const op of Object.keys(cond)) {
        if (Object.keys(cond).length > 1)
          yield withCond(
            own(
              cond,
              Object.entries(cond).filter(([x]) => x !== op),
            ),
          );
        const block = cond[op] as Json;
        for (const [key, values] of Object.entries(block)) {
          if (Object.keys(block).length > 1)
            yield withCond(
              own(
                cond,
                Object.entries(cond).map(
                  ([x, y]) =>
                    [
                      x,
                      x === op
                        ? own(
                            block,
                            Object.entries(block).filter(([q]) => q !== key),
                          )
                        : y,
                    ] as [string, unknown],
                ),
              ),
            );
          if (Array.isArray(values) && values.length > 1) {
            const halves = [
              values.slice(0, Math.ceil(values.length / 2)),
              values.slice(Math.ceil(values.length / 2)),
            ];
            for (const part of [...(values.length > 4 ? halves : []), ...values.map((v) => [v])])
              yield withCond(
                own(
                  cond,
                  Object.entries(cond).map(
                    ([x, y]) =>
                      [
                        x,
                        x === op
                          ? own(
                              block,
                              Object.entries(block).map(
                                ([q, z]) =>
                                  [q, q === key ? (part.length === 1 ? part[0] : part) : z] as [
                                    string,
                                    unknown,
                                  ],
                              ),
                            )
                          : y,
                      ] as [string, unknown],
                  ),
                ),
              );
          }
        }
      }
    }
  }
}

/**
 * Greedy shrinking of a policy while `fails(text)` holds: first as compact JSON (when the failure
 * does not depend on the layout), then one element at a time.
 */
export function shrinkPolicy(text: string, fails: (text: string) => boolean, maxSteps = 2_000): string {
  const stringify = (d: Json) => JSON.stringify(d);
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch {
    return text;
  }
  const compact = stringify(doc);
  if (!fails(compact)) return text;
  let steps = 0;
  for (let progress = true; progress && steps < maxSteps; ) {
    progress = false;
    for (const candidate of smaller(doc)) {
      if (++steps > maxSteps) break;
      const t = stringify(candidate);
      const ok = parsePolicyText(t).ok;
      if (ok && fails(t)) {
        doc = candidate;
        progress = true;
        break;
      }
    }
  }
  return stringify(doc);
}

// ------------------------------------------------------------------------------ request shorthand

/** A request as the reproduction files write it; `requestOf` fills in the request model of SPEC §2. */
export interface RequestSpec {
  /** An IAM principal ARN (root, role, user, or `arn:aws:sts::<acct>:assumed-role/<role>/<session>`). */
  principal?: string;
  service?: string;
  sourceAccount?: string;
  action: string;
  /** `public` (default), `vpce` (the approved endpoint), `other-vpce`, `endpoint` (the endpoint judged). */
  network?: 'public' | 'vpce' | 'other-vpce' | 'endpoint';
  /** aws:PrincipalOrgID of an IAM principal (absent: in no organization). */
  org?: string;
  /** An AWS service calls on the principal's behalf (aws:ViaAWSService true, kms:ViaService set). */
  via?: string;
  resource?: string;
  context?: Record<string, string | string[]>;
}

export function requestOf(spec: RequestSpec): ConcreteRequest {
  const context: Record<string, string | string[]> = {};
  let principal: ConcreteRequest['principal'];
  if (spec.service !== undefined) {
    principal = { Service: spec.service };
    context['aws:PrincipalIsAWSService'] = 'true';
    context['aws:PrincipalServiceName'] = spec.service;
    context['aws:ViaAWSService'] = 'false';
    if (spec.sourceAccount !== undefined) {
      context['aws:SourceAccount'] = spec.sourceAccount;
      context['aws:SourceOwner'] = spec.sourceAccount;
      context['aws:SourceArn'] = `arn:aws:logs:${REGION}:${spec.sourceAccount}:log-group:x`;
    }
  } else {
    const arn = spec.principal ?? `arn:aws:iam::${T}:root`;
    principal = { AWS: arn };
    const session = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
    const account = session ? session[1]! : arn.split(':')[4]!;
    const principalArn = session ? `arn:aws:iam::${account}:role/${session[2]}` : arn;
    context['aws:PrincipalAccount'] = account;
    context['kms:CallerAccount'] = account;
    context['aws:PrincipalArn'] = principalArn;
    context['aws:PrincipalIsAWSService'] = 'false';
    context['aws:PrincipalType'] = arn.endsWith(':root')
      ? 'Account'
      : arn.includes(':user/')
        ? 'User'
        : 'AssumedRole';
    if (spec.org !== undefined) {
      context['aws:PrincipalOrgID'] = spec.org;
      context['aws:PrincipalOrgPaths'] = [`${spec.org}/r-ab12/ou-ab12-11111111/`];
    }
    context['aws:ViaAWSService'] = spec.via ? 'true' : 'false';
    if (spec.via) {
      context['kms:ViaService'] = spec.via;
      context['aws:CalledVia'] = [spec.via.replace(/^([^.]+)\..*$/, '$1.amazonaws.com')];
    }
  }
  const network = spec.network ?? 'public';
  if (network === 'public') context['aws:SourceIp'] = '203.0.113.10';
  else {
    context['aws:SourceVpce'] =
      network === 'vpce'
        ? 'vpce-0a1b2c3d4e5f6a7b8'
        : network === 'endpoint'
          ? ENDPOINT_ID
          : 'vpce-0fffffffffffffff0';
    context['aws:SourceVpc'] = VPC;
  }
  for (const [k, v] of Object.entries(spec.context ?? {}))
    Object.defineProperty(context, k, { value: v, enumerable: true, writable: true, configurable: true });
  return { principal, action: spec.action, resource: spec.resource ?? KEY_ARN, context };
}
