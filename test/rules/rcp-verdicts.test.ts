/**
 * Key policies judged with the RCPs of AWS's data perimeter (test/cases/rcp/data-perimeter.json):
 * per rule the status, the witness and `protectedBy` exactly. Every protectedBy witness is allowed
 * by the key policy alone and denied by the RCP it names; every remaining witness is allowed by the
 * key policy and denied by no RCP (the concrete evaluator, on the RCPs as written).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';
import { judge } from '../../functions/engine/judge.js';
import { evaluate } from '../../functions/policy/evaluate.js';
import { parsePolicy } from '../../functions/policy/parse.js';
import { type Rcp, rcpDenial } from '../../functions/policy/rcp.js';
import type { KeyResource } from '../../functions/rules/types.js';
import { fixtureRcp } from '../fixtures/rcps.js';

interface Expect {
  status: string;
  witness?: Record<string, unknown>;
  principalArnMatches?: string;
  protectedBy?: Record<string, unknown>[];
}
interface Case {
  name: string;
  policy: unknown;
  rcps: string[];
  tags?: Record<string, string>;
  sameAsWithout?: boolean;
  expect: Record<string, Expect>;
}

const { cases } = JSON.parse(
  readFileSync(new URL('../cases/rcp/data-perimeter.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

const config = parseConfig(
  {
    trust: { accounts: ['111122223333'], organizationIds: ['o-a1b2c3d4e5'] },
    network: { vpceIds: ['vpce-0a1b2c3d4e5f6a7b8'] },
  },
  'rcp verdicts',
);

function keyOf(c: Case, rcps?: Rcp[]): KeyResource {
  const parsed = parsePolicy(c.policy);
  if (!parsed.ok) throw new Error(`${c.name}: ${JSON.stringify(parsed.issues)}`);
  return {
    type: 'kms-key',
    id: '1234abcd-12ab-34cd-56ef-1234567890ab',
    keyManager: 'CUSTOMER',
    policy: parsed.value,
    ...(c.tags ? { tags: c.tags } : {}),
    ...(rcps ? { rcps } : {}),
  };
}

describe('key policies x data-perimeter RCPs', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const rcps = c.rcps.map(fixtureRcp);
    const key = keyOf(c, rcps);
    const verdict = judge(key, config);
    for (const [rule, want] of Object.entries(c.expect)) {
      const got = verdict.results.find((r) => r.rule === rule);
      expect(got?.status, rule).toBe(want.status);
      const finding = got?.findings[0];
      if (want.witness) expect(finding?.witness).toMatchObject(want.witness);
      if (want.principalArnMatches)
        expect(finding?.witness?.context['aws:PrincipalArn']).toMatch(new RegExp(want.principalArnMatches));
      if (finding?.witness) {
        expect(evaluate(key.policy, finding.witness).decision).toBe('allow');
        expect(rcpDenial(rcps, finding.witness, c.tags)).toBeUndefined();
      }
      if (want.protectedBy) {
        const protectedBy = got?.protectedBy ?? [];
        expect(protectedBy).toHaveLength(want.protectedBy.length);
        for (const [i, p] of want.protectedBy.entries()) expect(protectedBy[i]).toMatchObject(p);
        for (const p of protectedBy) {
          expect(p.witness).toBeDefined();
          if (!p.witness) continue;
          expect(evaluate(key.policy, p.witness).decision).toBe('allow');
          expect(rcpDenial(rcps, p.witness, c.tags)?.rcp).toBe(p.policy);
        }
      }
    }
    if (c.sameAsWithout) {
      const alone = judge(keyOf(c), config);
      expect(verdict.results).toEqual(alone.results);
    }
  });

  it('an AWS-managed key is judged without RCPs (they do not apply to AWS managed keys)', () => {
    const c = cases[0] as Case;
    const verdict = judge(
      { ...keyOf(c, [fixtureRcp('identity-perimeter.json')]), keyManager: 'AWS' },
      config,
    );
    expect(verdict.results.filter((r) => r.protectedBy)).toEqual([]);
    expect(verdict.results.find((r) => r.rule === 'key-no-external-principals')?.status).toBe(
      'not-applicable',
    );
  });
});
