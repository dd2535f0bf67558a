/**
 * Analysis memoised by policy (functions/policy/analysis-memo.ts): verdicts, witnesses and
 * remediation plans with the memo are exactly those without it, for generated policies and the
 * corpus, judged again and again and under keys that share one text but not their ARN, account,
 * region, trust, RCPs or tags; and a result never leaks into a resource whose inputs differ.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';
import type { GuardConfig } from '../../functions/config/schema.js';
import { judge } from '../../functions/engine/judge.js';
import { planRemediations } from '../../functions/engine/remediation.js';
import {
  analysisMemoSize,
  clearAnalysisMemo,
  withoutAnalysisMemo,
} from '../../functions/policy/analysis-memo.js';
import { clearAnalyzerCaches } from '../../functions/policy/analyze.js';
import { parsePolicy, parsePolicyText } from '../../functions/policy/parse.js';
import type { Rcp } from '../../functions/policy/rcp-parse.js';
import type { KeyResource, Resource } from '../../functions/rules/types.js';
import { corpusAvailable, listCorpus, readCorpusJson } from '../corpus.js';
import { resourceOf } from '../engine/safety-check.js';
import { fixtureRcp } from '../fixtures/rcps.js';
import { generatePolicy, type PolicyKind, type Profile, SAFETY_CONFIG_INPUT, T, X } from './adversarial.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_ID = '0987dcba-21ba-43dc-65fe-ba0987654321';
const arn = (region: string, account: string, id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;

const CONFIGS: [string, GuardConfig][] = [
  ['safety', parseConfig(SAFETY_CONFIG_INPUT, 'memo-safety')],
  [
    'wider trust, owner approvals',
    parseConfig(
      {
        ...SAFETY_CONFIG_INPUT,
        trust: { accounts: [T, X], organizationIds: ['o-a1b2c3d4e5'] },
        network: { vpceIds: ['vpce-0a1b2c3d4e5f6a7b8'], vpceAccounts: [T] },
        rules: { ...SAFETY_CONFIG_INPUT.rules, 'key-sourceip-ineffective': 'alert' },
      },
      'memo-wider',
    ),
  ],
];

/** Keys that share a policy text but not what else the rules read. */
function keyVariants(text: string, rcps: Rcp[]): KeyResource[] {
  const fresh = () => {
    const parsed = parsePolicyText(text, { maxBytes: Number.MAX_SAFE_INTEGER });
    if (!parsed.ok) throw new Error(`does not parse: ${parsed.issues[0]?.message}`);
    return parsed.value;
  };
  const base = resourceOf('key', fresh()) as KeyResource;
  const { arn: _arn, ...noArn } = base;
  return [
    base,
    { ...base, policy: fresh() },
    { ...base, policy: fresh(), id: OTHER_ID, arn: arn('us-east-1', T, OTHER_ID) },
    { ...base, policy: fresh(), arn: arn('eu-west-1', T, KEY_ID), region: 'eu-west-1' },
    { ...base, policy: fresh(), arn: arn('us-east-1', X, KEY_ID), account: X },
    { ...noArn, policy: fresh() },
    { ...base, policy: fresh(), rcps, tags: { team: 'payments' } },
    { ...base, policy: fresh(), rcps },
  ];
}

function judgeAndPlan(r: Resource, config: GuardConfig) {
  const verdict = judge(r, config, NOW);
  return { verdict, decisions: planRemediations(verdict, config) };
}

/** Each resource judged and planned without the memo, then with it twice: all three must agree. */
function expectSameWithMemo(resources: Resource[], config: GuardConfig): void {
  const reference = resources.map((r) => withoutAnalysisMemo(() => judgeAndPlan(r, config)));
  for (let round = 0; round < 2; round++)
    resources.forEach((r, i) => {
      expect(judgeAndPlan(r, config), `${r.type} variant ${i}, round ${round}`).toEqual(reference[i]);
    });
}

function generatedTexts(kind: PolicyKind, profiles: Profile[], perProfile: number): string[] {
  const config = CONFIGS[0]![1];
  return profiles.flatMap((profile, p) =>
    Array.from({ length: perProfile }, (_, i) => {
      const g = generatePolicy(47_000_000 + p * 1_000 + i, config, { kind, profile, padding: 'conditions' });
      return g.text;
    }).filter((t) => parsePolicyText(t, { maxBytes: Number.MAX_SAFE_INTEGER }).ok),
  );
}

describe('memoised analysis = unmemoised analysis (verdicts, witnesses, plans)', () => {
  beforeEach(() => clearAnalyzerCaches());
  const rcps = [fixtureRcp('identity-perimeter.json'), fixtureRcp('network-perimeter.json')];

  it.each(CONFIGS)('generated key policies sharing a text across keys (%s)', (_name, config) => {
    const texts = generatedTexts('key', ['tiny', 'small', 'perimeter', 'fenced'], 4);
    expect(texts.length).toBeGreaterThan(8);
    for (const text of texts) expectSameWithMemo(keyVariants(text, rcps), config);
    expect(analysisMemoSize().answers).toBeGreaterThan(0);
  });

  it('generated endpoint policies', () => {
    const config = CONFIGS[0]![1];
    for (const text of generatedTexts('endpoint', ['small', 'perimeter'], 8)) {
      const parsed = parsePolicyText(text, { maxBytes: Number.MAX_SAFE_INTEGER });
      if (!parsed.ok) continue;
      const again = parsePolicyText(text, { maxBytes: Number.MAX_SAFE_INTEGER });
      const a = resourceOf('endpoint', parsed.value);
      const b = {
        ...resourceOf('endpoint', again.ok ? again.value : parsed.value),
        id: 'vpce-0fffffffffffffff0',
      };
      expectSameWithMemo([a, b], config);
    }
  });

  it.skipIf(!corpusAvailable())('the corpus key policies', () => {
    let judged = 0;
    for (const file of [...listCorpus('policies'), ...listCorpus('perimeter')]) {
      const value = readCorpusJson<Record<string, unknown>>(file);
      const parsed = typeof value.Policy === 'string' ? parsePolicyText(value.Policy) : parsePolicy(value);
      // Endpoint responses, SCPs and RCPs are not key policies.
      if (!parsed.ok || /vpc_endpoint|scp|rcp|DescribeVpcEndpoints/i.test(file)) continue;
      for (const [, config] of CONFIGS) expectSameWithMemo(keyVariants(parsed.value.text, rcps), config);
      judged++;
    }
    expect(judged).toBeGreaterThan(5);
  });
});

describe('a memoised result never leaks into a resource whose inputs differ', () => {
  beforeEach(() => clearAnalyzerCaches());
  const config = CONFIGS[0]![1];
  const mine = arn('us-east-1', T, KEY_ID);
  const other = arn('us-east-1', T, OTHER_ID);
  /** Everyone may use the key named in Resource: a finding for that key only. */
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Root',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${T}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      { Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: mine },
    ],
  });
  const keyWith = (keyArn: string, policyText = text): KeyResource => {
    const parsed = parsePolicyText(policyText);
    if (!parsed.ok) throw new Error('does not parse');
    return { ...(resourceOf('key', parsed.value) as KeyResource), arn: keyArn };
  };
  const statuses = (r: Resource, c = config) =>
    judge(r, c, NOW).results.map(
      (x) => `${x.rule}:${x.status}:${x.findings.map((f) => f.witness?.resource).join()}`,
    );

  it('a key ARN the policy names: judged per ARN, in either order', () => {
    const alone = withoutAnalysisMemo(() => [statuses(keyWith(mine)), statuses(keyWith(other))]);
    expect(alone[0]).not.toEqual(alone[1]);
    expect([statuses(keyWith(mine)), statuses(keyWith(other))]).toEqual(alone);
    clearAnalyzerCaches();
    expect([statuses(keyWith(other)), statuses(keyWith(mine))]).toEqual([alone[1], alone[0]]);
  });

  it('a policy with Resource "*": one entry for two keys, each witness names its own key', () => {
    const star = text.replace(`"Resource":"${mine}"`, '"Resource":"*"');
    const first = judge(keyWith(mine, star), config, NOW);
    const size = analysisMemoSize().answers;
    const second = judge(keyWith(other, star), config, NOW);
    expect(analysisMemoSize().answers).toBe(size);
    const witnessOf = (v: typeof first) =>
      v.results.flatMap((r) => r.findings.map((f) => f.witness?.resource));
    expect(witnessOf(first)).toContain(mine);
    expect(witnessOf(second)).toContain(other);
    expect(witnessOf(second)).not.toContain(mine);
    expect(second).toEqual(withoutAnalysisMemo(() => judge(keyWith(other, star), config, NOW)));
  });

  it('the same text under another trust is judged again', () => {
    const open = text.replace('"Principal":"*"', `"Principal":{"AWS":"arn:aws:iam::${X}:root"}`);
    const wider = CONFIGS[1]![1];
    const narrow = statuses(keyWith(mine, open));
    const wide = statuses(keyWith(mine, open), wider);
    expect(narrow).not.toEqual(wide);
    expect(wide).toEqual(withoutAnalysisMemo(() => statuses(keyWith(mine, open), wider)));
  });

  it('the memo is bounded and cleared with the analyzer caches', () => {
    const texts = generatedTexts('key', ['tiny'], 40);
    for (const t of texts) judge(keyWith(mine, t), config, NOW);
    expect(analysisMemoSize().policies).toBeGreaterThan(20);
    expect(analysisMemoSize().policies).toBeLessThanOrEqual(1_000);
    clearAnalysisMemo();
    expect(analysisMemoSize()).toEqual({ policies: 0, answers: 0, formChars: 0 });
  });
});
