/**
 * Adversarial benchmark (remediation-safety issue): judge + plan of one key or endpoint policy, as a
 * Lambda or a sweep does it (within the analysis budget, 2 s by default), over
 * generated adversarial policies (test/policy/adversarial.ts: guard-Sid collisions, NotPrincipal,
 * principal-ARN patterns, account lists, near-32 KB texts...) and the issue's own inputs: the
 * `a*a*...*b` principal-ARN patterns (11 and 20 stars) and lists of 800 and 1,600 accounts. The
 * target is the budget itself: no policy may hold a handler longer than 2 s.
 */
import { parseConfig } from '../functions/config/load.js';
import { judge } from '../functions/engine/judge.js';
import { planRemediations } from '../functions/engine/remediation.js';
import { withBudget } from '../functions/policy/budget.js';
import { parsePolicyText } from '../functions/policy/parse.js';
import type { Resource } from '../functions/rules/types.js';
import { resourceOf } from '../test/engine/safety-check.js';
import {
  accountListPolicy,
  ENDPOINT_POLICY_LIMIT,
  generatePolicy,
  KEY_POLICY_LIMIT,
  type PolicyKind,
  type Profile,
  SAFETY_CONFIG_INPUT,
  starPatternPolicy,
} from '../test/policy/adversarial.js';
import { type BenchTable, fmt, median, nowMs, percentile } from './lib.js';

const BUDGET_MS = 2_000;
const config = parseConfig(SAFETY_CONFIG_INPUT, 'bench-adversarial');

interface Input {
  description: string;
  kind: PolicyKind;
  text: string;
  group: string;
}

interface Measured extends Input {
  ms: number;
  outcome: string;
}

/** Generated sets: [kind, profile, count (full run), count (quick run)]. */
const SETS: [PolicyKind, Profile, number, number][] = [
  ['key', 'tiny', 300, 30],
  ['key', 'small', 500, 40],
  ['key', 'perimeter', 300, 30],
  ['key', 'fenced', 200, 20],
  ['key', 'medium', 200, 15],
  ['key', 'large', 60, 4],
  ['key', 'near-limit', 160, 8],
  ['endpoint', 'small', 200, 20],
  ['endpoint', 'perimeter', 100, 10],
  ['endpoint', 'near-limit', 20, 3],
];

function inputs(quick: boolean): { list: Input[]; discarded: number } {
  const list: Input[] = [];
  let discarded = 0;
  SETS.forEach(([kind, profile, full, small], set) => {
    const count = quick ? small : full;
    for (let i = 0; i < count; i++) {
      const seed = 31_000_000 + set * 100_000 + i;
      // Account lists near the limit are written as conditions here; Principal lists, the analyzer's
      // slowest shape, are the issue inputs below (each can take minutes).
      const g = generatePolicy(seed, config, { kind, profile, padding: 'conditions' });
      const size = kind === 'key' ? g.bytes : g.text.length;
      if (size > (kind === 'key' ? KEY_POLICY_LIMIT : ENDPOINT_POLICY_LIMIT)) {
        discarded++;
        continue;
      }
      list.push({
        group: `${kind} ${profile}`,
        kind,
        text: g.text,
        description: `${kind} ${profile} seed ${seed}: ${g.bytes} bytes, ${g.statements} statements; ${g.features.join(', ')}`,
      });
    }
  });
  return { list, discarded };
}

function special(): Input[] {
  const out: Input[] = [
    {
      group: 'issue',
      kind: 'key',
      text: starPatternPolicy(11, 472),
      description:
        '472-byte policy, StringLike aws:PrincipalArn arn:aws:iam::*:role/a*a*a*a*a*a*a*a*a*a*b (11 stars)',
    },
    {
      group: 'issue',
      kind: 'key',
      text: starPatternPolicy(20),
      description: 'StringLike aws:PrincipalArn arn:aws:iam::*:role/a*...*b (20 stars)',
    },
  ];
  for (const seed of [1, 4]) {
    const g = generatePolicy(32_000_000 + seed, config, { profile: 'near-limit', padding: 'principals' });
    if (g.bytes <= KEY_POLICY_LIMIT)
      out.push({
        group: 'issue',
        kind: 'key',
        text: g.text,
        description: `near-32 KB key policy with its accounts in Principal (seed ${g.seed}): ${g.bytes} bytes, ${g.statements} statements; ${g.features.join(', ')}`,
      });
  }
  for (const n of [800, 1_600])
    for (const form of ['principal', 'condition', 'deny'] as const) {
      const text = accountListPolicy(n, form);
      out.push({
        group: 'issue',
        kind: 'key',
        text,
        description: `${n} accounts ${form === 'principal' ? 'in Principal' : form === 'condition' ? 'in an Allow aws:PrincipalAccount list' : 'in a Deny StringNotEquals aws:PrincipalAccount list'} (${Buffer.byteLength(text)} bytes)`,
      });
    }
  return out;
}

function measure(input: Input): Measured {
  const parsed = parsePolicyText(input.text, {
    maxBytes: input.kind === 'key' ? KEY_POLICY_LIMIT : Number.MAX_SAFE_INTEGER,
  });
  if (!parsed.ok) throw new Error(`${input.description}: does not parse: ${parsed.issues[0]?.message}`);
  const resource: Resource = resourceOf(input.kind, parsed.value);
  const t0 = nowMs();
  const decisions = withBudget(BUDGET_MS, () => planRemediations(judge(resource, config), config));
  const ms = nowMs() - t0;
  const outcome =
    decisions
      .map((d) => `${d.rule} ${d.status === 'planned' ? 'planned' : `refused (${d.reason.slice(0, 60)})`}`)
      .join('; ') || 'compliant';
  return { ...input, ms, outcome };
}

export async function run(options: { quick?: boolean } = {}): Promise<BenchTable> {
  const quick = options.quick === true;
  const { list, discarded } = inputs(quick);
  // Warm up the analyzer (JIT, glob caches) on a few small policies, as a warm Lambda would be.
  for (const input of list.slice(0, 20)) measure(input);
  const measured = [...list, ...special()].map(measure);
  const generated = measured.filter((m) => m.group !== 'issue');
  const times = generated.map((m) => m.ms).sort((a, b) => a - b);
  const byTime = [...measured].sort((a, b) => b.ms - a.ms);
  const slowest = byTime[0]!;
  const overBudget = measured.filter((m) => m.ms > BUDGET_MS);
  const budgetRefusals = measured.filter((m) => m.outcome.includes('budget exceeded')).length;
  const maxAll = slowest.ms;

  const rows: BenchTable['rows'] = [
    {
      name: `judge + plan, ${generated.length} generated adversarial policies (2 s budget), median`,
      value: median(times),
      unit: 'ms',
      detail: `${discarded} over the size limit discarded; ${budgetRefusals} of ${measured.length} refused for the budget`,
    },
    { name: 'judge + plan, generated policies, p99', value: percentile(times, 99), unit: 'ms' },
    {
      name: 'judge + plan, every input (generated and the issue’s), max',
      value: maxAll,
      unit: 'ms',
      detail: `slowest: ${slowest.description} -> ${slowest.outcome}; ${overBudget.length} inputs over ${BUDGET_MS} ms`,
      target: `<= ${BUDGET_MS} ms`,
      pass: maxAll <= BUDGET_MS,
    },
  ];
  for (const m of measured.filter((x) => x.group === 'issue'))
    rows.push({
      name: `issue input: ${m.description}`,
      value: m.ms,
      unit: 'ms',
      detail: m.outcome,
      target: `<= ${BUDGET_MS} ms`,
      pass: m.ms <= BUDGET_MS,
    });

  const groups = [...new Set(generated.map((m) => m.group))];
  const perGroup = Object.fromEntries(
    groups.map((g) => {
      const ts = generated
        .filter((m) => m.group === g)
        .map((m) => m.ms)
        .sort((a, b) => a - b);
      return [g, { count: ts.length, medianMs: median(ts), p99Ms: percentile(ts, 99), maxMs: ts.at(-1) }];
    }),
  );
  return {
    title: 'Adversarial policies (judge + plan within the analysis budget)',
    rows,
    data: {
      budgetMs: BUDGET_MS,
      perGroup,
      slowest: byTime
        .slice(0, 10)
        .map((m) => ({ ms: Number(fmt(m.ms, 1)), input: m.description, outcome: m.outcome })),
    },
  };
}
