/**
 * Analyzer benchmark (foundation issue): judge() with every rule over the corpus key policies,
 * generated worst cases (8/16/32 KB, 20 condition keys, many wildcards), and memory over 100,000
 * policies. The repeated-judge rows run with the analysis memo off (analysis-memo.ts): with it, a
 * repeat is a memo hit and would time the lookup, not the analysis; the hit is its own number.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../functions/config/load.js';
import { judge } from '../functions/engine/judge.js';
import { withoutAnalysisMemo } from '../functions/policy/analysis-memo.js';
import { clearAnalyzerCaches } from '../functions/policy/analyze.js';
import { parsePolicy, parsePolicyText } from '../functions/policy/parse.js';
import type { Policy } from '../functions/policy/types.js';
import type { KeyResource } from '../functions/rules/types.js';
import { corpusDir } from '../test/corpus.js';
import { type BenchTable, fmt, heapMb, median, nowMs, percentile, sample } from './lib.js';
import { adversarialPolicy, smallPolicy } from './policies.js';

const config = parseConfig(
  {
    trust: { accounts: ['111122223333'], organizationIds: ['o-a1b2c3d4e5'] },
    network: { vpceIds: ['vpce-0a1b2c3d4e5f6a7b8'], vpcIds: ['vpc-0a1b2c3d'] },
  },
  'bench',
);

const key = (id: string, policy: Policy): KeyResource => ({
  type: 'kms-key',
  id,
  arn: `arn:aws:kms:us-east-1:111122223333:key/${id}`,
  keyManager: 'CUSTOMER',
  policy,
});

/** Every key policy in the corpus (`policies/`, `perimeter/`), AWS-managed ones analysed as if customer-managed. */
function corpusKeyPolicies(): { name: string; policy: Policy }[] {
  const out: { name: string; policy: Policy }[] = [];
  for (const dir of ['policies', 'perimeter']) {
    for (const file of readdirSync(path.join(corpusDir, dir))
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const value = JSON.parse(readFileSync(path.join(corpusDir, dir, file), 'utf8')) as Record<
        string,
        unknown
      >;
      const parsed = typeof value.Policy === 'string' ? parsePolicyText(value.Policy) : parsePolicy(value);
      // Endpoint responses, SCPs and RCPs are not key policies (they fail to parse as one, or carry no Principal).
      if (!parsed.ok || /vpc_endpoint|scp|rcp|DescribeVpcEndpoints/i.test(file)) continue;
      out.push({ name: `${dir}/${file}`, policy: parsed.value });
    }
  }
  return out;
}

export async function run(options: { quick?: boolean } = {}): Promise<BenchTable> {
  const rows: BenchTable['rows'] = [];
  const data: Record<string, unknown> = {};

  // 1. Corpus key policies: each judged many times; all samples pooled.
  const corpus = corpusKeyPolicies();
  const perPolicy = options.quick ? 200 : 2_000;
  const all: number[] = [];
  const byPolicy: Record<string, { median: number; p99: number }> = {};
  for (const { name, policy } of corpus) {
    const resource = key('corpus', policy);
    const s = withoutAnalysisMemo(() => sample(() => judge(resource, config), perPolicy, 200));
    byPolicy[name] = { median: median(s), p99: percentile(s, 99) };
    all.push(...s);
  }
  all.sort((a, b) => a - b);
  const corpusMedian = median(all);
  const corpusP99 = percentile(all, 99);
  rows.push({
    name: `corpus key policies (${corpus.length}), all rules, median`,
    value: corpusMedian,
    unit: 'ms',
    detail: `${all.length} samples; max ${fmt(all.at(-1) ?? Number.NaN)} ms`,
    target: '<= 0.2 ms',
    pass: corpusMedian <= 0.2,
  });
  rows.push({
    name: 'corpus key policies, all rules, p99',
    value: corpusP99,
    unit: 'ms',
    target: '<= 2 ms',
    pass: corpusP99 <= 2,
  });
  data.corpus = byPolicy;

  // 2. Generated worst cases.
  for (const kb of [8, 16, 32]) {
    const doc = adversarialPolicy(kb * 1024 - 64, kb);
    const parsed = parsePolicy(doc);
    if (!parsed.ok) throw new Error(`generated ${kb} KB policy does not parse: ${parsed.issues[0]?.message}`);
    const resource = key(`adversarial-${kb}`, parsed.value);
    // The first call with every cache empty (cold, as a policy never seen before), then repeats
    // with the glob caches warm and the memo off, then a memo hit (the same text again).
    clearAnalyzerCaches();
    const t0 = nowMs();
    judge(resource, config);
    const cold = nowMs() - t0;
    const s = withoutAnalysisMemo(() => sample(() => judge(resource, config), options.quick ? 3 : 15, 1));
    // Another key with the same text (its own parse, its own ARN): answered from the memo.
    const again = parsePolicyText(parsed.value.text, { maxBytes: Number.MAX_SAFE_INTEGER });
    const twin = key(`twin-${kb}`, again.ok ? again.value : parsed.value);
    const hits = sample(() => judge(twin, config), 5, 1);
    const keys = new Set(parsed.value.statements.flatMap((st) => st.conditions.map((c) => c.keyLower)));
    rows.push({
      name: `adversarial ${kb} KB (${parsed.value.statements.length} statements, ${keys.size} condition keys), median`,
      value: median(s),
      unit: 'ms',
      detail: `cold first call (caches empty) ${fmt(cold, 1)} ms; max ${fmt(s.at(-1) ?? Number.NaN, 1)} ms; memo off; a memo hit ${fmt(median(hits), 2)} ms`,
      ...(kb === 32 ? { target: '<= 50 ms', pass: median(s) <= 50 } : {}),
    });
  }

  // 3. Memory over 100,000 policies (parse + judge each; generated, all different). The analyzer's
  // memo caches are bounded (cleared when full), so two numbers: the heap with the caches emptied
  // (must stay flat: anything else would be a leak) and the peak with them (must stay bounded).
  const total = options.quick ? 20_000 : 100_000;
  const heap: number[] = [];
  const peak: number[] = [];
  clearAnalyzerCaches();
  heap.push(heapMb());
  const t0 = nowMs();
  for (let i = 0; i < total; i++) {
    const parsed = parsePolicy(smallPolicy(i + 1));
    if (parsed.ok) judge(key(`m${i}`, parsed.value), config);
    if ((i + 1) % (total / 10) === 0) {
      peak.push(heapMb());
      clearAnalyzerCaches();
      heap.push(heapMb());
    }
  }
  const elapsed = nowMs() - t0;
  const growth = (heap.at(-1) ?? 0) - (heap[0] ?? 0);
  rows.push({
    name: `memory over ${total.toLocaleString('en-US')} policies: heap after GC, caches emptied, end - start`,
    value: growth,
    unit: 'MB',
    detail: `heap ${heap.map((h) => h.toFixed(1)).join(' → ')} MB; ${fmt(elapsed / total, 3)} ms/policy`,
    target: '< 5 MB (flat)',
    pass: growth < 5,
  });
  rows.push({
    name: 'memory: peak heap after GC with the bounded caches',
    value: Math.max(...peak),
    unit: 'MB',
    detail: `per 10%: ${peak.map((h) => h.toFixed(0)).join(' ')} MB`,
    target: '<= 128 MB',
    pass: Math.max(...peak) <= 128,
  });
  data.heapMb = heap;
  return { title: 'Analyzer (judge, all rules)', rows, data };
}
