/**
 * Each rule's check and plan, as data: test/rules/<rule-id>.json holds cases (a resource, an optional
 * configuration, what the rule finds and what its remediation plans), run through the same judge
 * and planner the pipeline uses. Every rule of the registry has its file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';
import type { GuardConfigInput } from '../../functions/config/schema.js';
import { judge } from '../../functions/engine/judge.js';
import { planRemediations } from '../../functions/engine/remediation.js';
import { evaluate } from '../../functions/policy/evaluate.js';
import { parsePolicy } from '../../functions/policy/parse.js';
import { RULES } from '../../functions/rules/index.js';
import type { Resource, RuleId } from '../../functions/rules/types.js';

interface Case {
  name: string;
  /** The resource as the pipeline builds it; `policy` is a policy document. */
  resource: Record<string, unknown> & { type: Resource['type']; policy?: unknown };
  config?: Partial<GuardConfigInput>;
  expect: {
    status: 'compliant' | 'finding' | 'exempt' | 'not-applicable';
    /** Per finding: its proof, and parts of the message or witness it must have. */
    findings?: {
      proof: string;
      message?: string;
      witness?: Record<string, unknown>;
      grant?: Record<string, unknown>;
    }[];
    /** What the planner decides in remediate mode: a change of this kind (with these Sids), or a refusal. */
    plan?: { kind: string; guardSids?: string[]; grantIds?: string[] } | { refused: string };
  };
}

const dir = new URL('./', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const BASE: GuardConfigInput = {
  trust: { accounts: ['111122223333'], organizationIds: ['o-a1b2c3d4e5'] },
  network: { vpceIds: ['vpce-0a1b2c3d4e5f6a7b8'] },
};

function resourceOf(c: Case): Resource {
  const { policy, ...rest } = c.resource;
  if (policy === undefined) return rest as unknown as Resource;
  const parsed = parsePolicy(policy);
  if (!parsed.ok)
    throw new Error(`${c.name}: the case's policy does not parse: ${JSON.stringify(parsed.issues)}`);
  return { ...rest, policy: parsed.value } as unknown as Resource;
}

it('every rule of the registry has its case file, and every file is a rule', () => {
  expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(RULES.map((r) => r.id).sort());
});

for (const file of files) {
  const rule = file.replace(/\.json$/, '') as RuleId;
  const { cases } = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { cases: Case[] };
  describe(rule, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const config = parseConfig(
        { ...BASE, ...c.config, rules: { [rule]: 'remediate', ...c.config?.rules } },
        `${file}: ${c.name}`,
      );
      const resource = resourceOf(c);
      const result = judge(resource, config).results.find((r) => r.rule === rule);
      expect(result?.status).toBe(c.expect.status);
      for (const [i, want] of (c.expect.findings ?? []).entries()) {
        const got = result?.findings[i];
        expect(got?.proof).toBe(want.proof);
        if (want.message) expect(got?.message).toContain(want.message);
        if (want.witness) expect(got?.witness).toMatchObject(want.witness);
        if (want.grant) expect(got?.grant).toMatchObject(want.grant);
        // A witness is a request the policy allows (the independent evaluator agrees); a grant's
        // witness is allowed by the grant, and names its grantee.
        if (got?.grant && got.witness && 'AWS' in got.witness.principal) {
          const account = got.witness.context['aws:PrincipalAccount'];
          expect([got.grant.granteePrincipal, got.grant.retiringPrincipal].join(' ')).toContain(account);
        } else if (got?.proof === 'witness' && got.witness && 'policy' in resource && resource.policy)
          expect(evaluate(resource.policy, got.witness).decision).toBe('allow');
      }
      if (c.expect.plan) {
        const decision = planRemediations(judge(resource, config), config).find((d) => d.rule === rule);
        if ('refused' in c.expect.plan) {
          expect(decision?.status).toBe('refused');
          if (decision?.status === 'refused') expect(decision.reason).toContain(c.expect.plan.refused);
        } else {
          expect(decision?.status, decision?.status === 'refused' ? decision.reason : '').toBe('planned');
          if (decision?.status === 'planned') {
            expect(decision.plan.kind).toBe(c.expect.plan.kind);
            if (c.expect.plan.guardSids) expect(decision.plan.guardSids).toEqual(c.expect.plan.guardSids);
            if (c.expect.plan.grantIds && decision.plan.kind === 'revoke-grant')
              expect(decision.plan.grants.map((g) => g.grantId)).toEqual(c.expect.plan.grantIds);
          }
        }
      }
    });
  });
}
