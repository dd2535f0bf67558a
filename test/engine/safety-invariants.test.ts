/**
 * The remediation planner's safety invariants (SPEC.md §3) on adversarial generated key and
 * endpoint policies (test/policy/adversarial.ts), refereed by the concrete evaluator:
 *   1. no request of the rule's class is left (and a compliant verdict allows none);
 *   2. nobody inside the perimeter loses access but what key-crypto-via-vpce exists to stop
 *      (administration, kms:PutKeyPolicy above all; crypto through the approved endpoint);
 *   3. nothing new is allowed;
 *   4. original statements byte-identical and in order, only guard Denies under unused Sids added;
 *   5. the written bytes fit (32 KB keys, 20,480 characters endpoints);
 *   6. judging and planning again on the result plans nothing new;
 * and planRemediations never throws, every refusal has a reason. Judge and plan run within the
 * analysis budget the Lambdas and sweeps use (2 s), so a policy too slow to analyse is refused, not
 * skipped. The reproductions in test/cases/safety/*.json run without a budget.
 *
 * Scale: the default (2,650 policies) takes about three minutes on one slow core, nearly all of it
 * in judge + plan; KPG_SAFETY_SCALE multiplies every set (4: 10,600 policies, about a quarter of an
 * hour); KPG_FC_SEED moves every seed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';
import { evaluate } from '../../functions/policy/evaluate.js';
import { statementTexts } from '../../functions/policy/json-text.js';
import { parsePolicyText } from '../../functions/policy/parse.js';
import {
  ENDPOINT_POLICY_LIMIT,
  generatePolicy,
  KEY_POLICY_LIMIT,
  type PolicyKind,
  type Profile,
  SAFETY_CONFIG_INPUT,
} from '../policy/adversarial.js';
import { SEED } from '../policy/generators.js';
import {
  type CheckResult,
  checkSafety,
  INVARIANTS,
  newStats,
  type RequestSpec,
  requestOf,
  shrinkPolicy,
  type Violation,
} from './safety-check.js';

const config = parseConfig(SAFETY_CONFIG_INPUT, 'safety-invariants');
const SCALE = Math.max(0.01, Number(process.env.KPG_SAFETY_SCALE ?? 1));
const BUDGET_MS = 2_000;
const SAMPLES = 48;

interface PolicySet {
  name: string;
  kind: PolicyKind;
  profile: Profile;
  count: number;
  /** Offset of this set's seeds from SEED. */
  offset: number;
}

const SETS: PolicySet[] = (
  [
    { name: 'tiny key policies (1-2 statements)', kind: 'key', profile: 'tiny', count: 600, offset: 0 },
    { name: 'small key policies (1-4 statements)', kind: 'key', profile: 'small', count: 480, offset: 1e6 },
    {
      name: 'key policies with owner-written perimeter Denies',
      kind: 'key',
      profile: 'perimeter',
      count: 420,
      offset: 2e6,
    },
    {
      name: 'key policies fenced by complete perimeter Denies',
      kind: 'key',
      profile: 'fenced',
      count: 250,
      offset: 3e6,
    },
    { name: 'medium key policies (5-16 statements)', kind: 'key', profile: 'medium', count: 30, offset: 4e6 },
    { name: 'large key policies (17-60 statements)', kind: 'key', profile: 'large', count: 4, offset: 5e6 },
    { name: 'key policies near 32 KB', kind: 'key', profile: 'near-limit', count: 10, offset: 6e6 },
    { name: 'small endpoint policies', kind: 'endpoint', profile: 'small', count: 550, offset: 7e6 },
    {
      name: 'endpoint policies with perimeter Denies',
      kind: 'endpoint',
      profile: 'perimeter',
      count: 300,
      offset: 8e6,
    },
    {
      name: 'endpoint policies near 20,480 characters',
      kind: 'endpoint',
      profile: 'near-limit',
      count: 6,
      offset: 9e6,
    },
  ] as PolicySet[]
).map((s) => ({ ...s, count: Math.max(1, Math.round(s.count * SCALE)) }));

/** Fewest planned decisions a set must produce (the generator must reach the planner, not only the judge). */
const MIN_PLANNED_SHARE: Partial<Record<Profile, number>> = { tiny: 0.3, small: 0.3, perimeter: 0.05 };

const totals = {
  generated: 0,
  discarded: { parse: 0, size: 0 },
  stats: newStats(),
  violations: Object.fromEntries(INVARIANTS.map((i) => [i, 0])) as Record<string, number>,
  features: new Map<string, number>(),
  maxBytes: 0,
  ms: 0,
};

interface Found {
  seed: number;
  kind: PolicyKind;
  text: string;
  features: string[];
  violation: Violation;
}

/** A small policy that still shows the violation (same invariant and rule; the same request). */
function reproduction(f: Found): string {
  const same = (r: CheckResult) =>
    r.violations.some((v) => v.invariant === f.violation.invariant && v.rule === f.violation.rule);
  const fails = (text: string) =>
    same(
      checkSafety(text, f.kind, config, {
        samples: f.violation.request ? 0 : SAMPLES,
        seed: f.seed,
        requests: f.violation.request ? [f.violation.request] : [],
      }),
    );
  const small = shrinkPolicy(f.text, fails, 300);
  return `${f.violation.invariant} (${f.violation.rule ?? '-'}), seed ${f.seed}, ${f.features.join(',')}\n  policy: ${small}\n  ${f.violation.detail.slice(0, 1_500)}`;
}

describe('remediation safety invariants on adversarial policies (SPEC.md §3)', () => {
  it.each(SETS)(
    '$name: $count policies',
    ({ kind, profile, count, offset }) => {
      const found: Found[] = [];
      const before = { planned: totals.stats.planned, policies: totals.stats.policies };
      const t0 = performance.now();
      for (let i = 0; i < count; i++) {
        const seed = SEED + offset + i;
        const g = generatePolicy(seed, config, { kind, profile, padding: 'conditions' });
        totals.generated++;
        for (const f of g.features) totals.features.set(f, (totals.features.get(f) ?? 0) + 1);
        // Keep what AWS would accept: legal for the parser, within the size limit.
        const limit = kind === 'key' ? KEY_POLICY_LIMIT : ENDPOINT_POLICY_LIMIT;
        const size = kind === 'key' ? g.bytes : g.text.length;
        if (size > limit) {
          totals.discarded.size++;
          continue;
        }
        if (!parsePolicyText(g.text, { maxBytes: Number.MAX_SAFE_INTEGER }).ok) {
          totals.discarded.parse++;
          continue;
        }
        totals.maxBytes = Math.max(totals.maxBytes, g.bytes);
        const result = checkSafety(g.text, kind, config, {
          samples: SAMPLES,
          seed,
          stats: totals.stats,
          budgetMs: BUDGET_MS,
        });
        for (const v of result.violations) {
          totals.violations[v.invariant] = (totals.violations[v.invariant] ?? 0) + 1;
          found.push({ seed, kind, text: g.text, features: g.features, violation: v });
        }
      }
      totals.ms += performance.now() - t0;
      // One small reproduction per kind of violation (invariant and rule).
      const firsts = [
        ...new Map(found.map((f) => [`${f.violation.invariant}|${f.violation.rule}`, f])).values(),
      ];
      expect(firsts.map(reproduction), `${found.length} violations`).toEqual([]);
      const planned = totals.stats.planned - before.planned;
      const judged = totals.stats.policies - before.policies;
      expect(judged).toBeGreaterThan(count * 0.8);
      expect(planned).toBeGreaterThanOrEqual(Math.floor(judged * (MIN_PLANNED_SHARE[profile] ?? 0)));
      // A set takes up to about a minute at scale 1 on a slow core (judge + plan dominate).
    },
    240_000 * SCALE,
  );

  it('the generator is deterministic and covers every adversarial construct', () => {
    const a = generatePolicy(42, config, { profile: 'small' });
    expect(generatePolicy(42, config, { profile: 'small' })).toEqual(a);
    expect(generatePolicy(43, config, { profile: 'small' }).text).not.toBe(a.text);
    const seen = (prefix: string) => [...totals.features.keys()].some((f) => f.startsWith(prefix));
    for (const feature of [
      'guard-sid',
      'exact-guard',
      'near-guard',
      'not-principal',
      'allow-not-principal',
      'not-action',
      'non-arn-pattern',
      'principal-arn',
      'org-id',
      'org-paths',
      'account-list(',
      'source-vpce',
      'via-service',
      'via-aws-service',
      'if-exists',
      'for-any-value',
      'for-all-values',
      'unicode',
      'proto-key',
      'service-principal',
      'single-object',
      'compact',
      'pretty2',
      'odd',
      'crlf',
      'escapes',
      'partial-deny',
    ])
      expect(seen(feature), feature).toBe(true);
    // Near the limit: the policies kept reach within 2 KB of 32 KB.
    expect(totals.maxBytes).toBeGreaterThan(KEY_POLICY_LIMIT - 2_048);
  });

  afterAll(() => {
    const s = totals.stats;
    const refusals = Object.entries(s.refusedReasons)
      .sort((a, b) => b[1] - a[1])
      .map(([r, n]) => `    ${n} ${r}`)
      .join('\n');
    process.stdout.write(
      `safety invariants: ${totals.generated} policies generated, ${s.policies} judged ` +
        `(discarded: ${totals.discarded.parse} not legal, ${totals.discarded.size} over the size limit), ` +
        `${s.planned} planned decisions checked, ${s.refused} refused, ${s.requests} requests sampled ` +
        `(${s.evaluations} evaluations), ${(totals.ms / 1000).toFixed(1)} s\n` +
        `  violations: ${JSON.stringify(totals.violations)}\n  by rule: ${JSON.stringify(s.byRule)}\n` +
        `  refusals:\n${refusals}\n`,
    );
  });
});

// ------------------------------------------------------------------------------ reproductions

interface SafetyCase {
  name: string;
  why: string;
  kind: PolicyKind;
  policy?: unknown;
  policyText?: string;
  expect: {
    bytes?: number;
    /** Verdict status per rule. */
    results?: Record<string, string>;
    /** Decision status per rule (`planned`, `refused`); a rule not listed may have any. */
    decisions?: Record<string, string>;
    /** Sids the plan of a rule relies on. */
    guardSids?: Record<string, string[]>;
    /** A refusal's reason matches this pattern. */
    refusedBecause?: Record<string, string>;
    /** Indexes of original statements whose text must be kept exactly in the final text. */
    keptStatements?: number[];
    /** Requests the final policy (after every planned change) allows, and denies. */
    allowedAfter?: RequestSpec[];
    deniedAfter?: RequestSpec[];
    /** Invariant violations the check must report (default: none). */
    violations?: string[];
  };
}

const casesDir = fileURLToPath(new URL('../cases/safety/', import.meta.url));
const caseFiles = readdirSync(casesDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe.each(caseFiles)('cases/safety/%s', (file) => {
  const { cases } = JSON.parse(readFileSync(`${casesDir}${file}`, 'utf8')) as { cases: SafetyCase[] };
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const text = c.policyText ?? JSON.stringify(c.policy, null, 2);
    if (c.expect.bytes !== undefined) expect(Buffer.byteLength(text)).toBe(c.expect.bytes);
    const result = checkSafety(text, c.kind, config, {
      samples: 400,
      seed: SEED,
      requests: [...(c.expect.allowedAfter ?? []), ...(c.expect.deniedAfter ?? [])].map(requestOf),
    });
    const found = [...new Set(result.violations.map((v) => `${v.invariant} ${v.rule ?? ''}`.trim()))];
    expect(found, result.violations.map((v) => v.detail.slice(0, 600)).join('\n')).toEqual(
      c.expect.violations ?? [],
    );
    const statusOf = Object.fromEntries((result.verdict?.results ?? []).map((r) => [r.rule, r.status]));
    for (const [rule, status] of Object.entries(c.expect.results ?? {}))
      expect(statusOf[rule], rule).toBe(status);
    const decisions = result.decisions ?? [];
    for (const [rule, status] of Object.entries(c.expect.decisions ?? {}))
      expect(
        decisions.find((d) => d.rule === rule)?.status,
        `${rule}: ${JSON.stringify(decisions.find((d) => d.rule === rule))}`,
      ).toBe(status);
    for (const [rule, sids] of Object.entries(c.expect.guardSids ?? {})) {
      const d = decisions.find((x) => x.rule === rule);
      expect(d?.status === 'planned' ? d.plan.guardSids : undefined, rule).toEqual(sids);
    }
    for (const [rule, pattern] of Object.entries(c.expect.refusedBecause ?? {})) {
      const d = decisions.find((x) => x.rule === rule);
      expect(d?.status === 'refused' ? d.reason : '', rule).toMatch(new RegExp(pattern));
    }
    const original = statementTexts(text);
    const final = statementTexts(result.finalText);
    for (const i of c.expect.keptStatements ?? []) expect(final[i], `Statement[${i}]`).toBe(original[i]);
    const parsed = parsePolicyText(result.finalText, { maxBytes: Number.MAX_SAFE_INTEGER });
    if (!parsed.ok) throw new Error(`the final text does not parse: ${parsed.issues[0]?.message}`);
    for (const spec of c.expect.allowedAfter ?? [])
      expect(evaluate(parsed.value, requestOf(spec)).decision, JSON.stringify(spec)).toBe('allow');
    for (const spec of c.expect.deniedAfter ?? [])
      expect(evaluate(parsed.value, requestOf(spec)).decision, JSON.stringify(spec)).not.toBe('allow');
  });
});
