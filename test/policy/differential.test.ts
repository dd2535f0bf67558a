/**
 * Differential test: the symbolic analyzer (`findAllowedRequest`) against the independent concrete
 * evaluator (`evaluate`), over thousands of generated policies.
 * - every witness the analyzer returns is a request of the class that the evaluator allows;
 * - for every "none" verdict, sampled requests of the class (principals, networks and context
 *   values drawn from the policy's own literals, fresh values and absent keys) are all denied.
 * Seed: KPG_FC_SEED (defaults to a fixed value so CI is deterministic).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findAllowedRequest } from '../../functions/policy/analyze.js';
import { evaluate } from '../../functions/policy/evaluate.js';
import { KEY_ACTIONS } from '../../functions/policy/kms-actions.js';
import { parsePolicy } from '../../functions/policy/parse.js';
import type { ConcreteRequest } from '../../functions/policy/types.js';
import {
  external,
  inClass,
  networkPolicyArb,
  offNetwork,
  policyArb,
  prng,
  SEED,
  sampleRequest,
  trust,
} from './generators.js';

/**
 * Ids in a witness that cannot exist: a resource that is not a concrete key ARN, an action a key
 * policy does not govern, ids not of AWS's shape, unless the policy itself spells that value (a
 * placeholder in the policy is the only value its own condition matches).
 */
function malformedIds(w: ConcreteRequest, policyText: string): string[] {
  const bad: string[] = [];
  const shape: Record<string, RegExp> = {
    'aws:sourcevpce': /^vpce-[0-9a-f]{17}$/,
    'aws:sourcevpc': /^vpc-[0-9a-f]{17}$/,
    'aws:principalorgid': /^o-[a-z0-9]{10,32}$/,
    'aws:principalaccount': /^\d{12}$/,
    'kms:calleraccount': /^\d{12}$/,
    'aws:resourceaccount': /^\d{12}$/,
  };
  if (
    !/^arn:aws:kms:[a-z]+-[a-z]+-\d:\d{12}:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(
      w.resource,
    )
  )
    bad.push(`resource ${w.resource}`);
  if (!(KEY_ACTIONS as readonly string[]).includes(w.action)) bad.push(`action ${w.action}`);
  for (const [key, value] of Object.entries(w.context)) {
    const re = shape[key.toLowerCase()];
    if (re && typeof value === 'string' && !re.test(value) && !policyText.includes(value))
      bad.push(`${key} ${value}`);
  }
  return bad;
}

// ------------------------------------------------------------------------------------------ tests

describe('analyzer vs concrete evaluator (differential)', () => {
  for (const [name, cls, arb] of [
    ['external principals, all KMS actions', external, policyArb],
    ['crypto actions off the approved network', offNetwork, networkPolicyArb],
  ] as const) {
    it(`${name}: witnesses are allowed, "none" verdicts survive sampled requests`, () => {
      const counts = { witness: 0, none: 0, unproven: 0, sampled: 0 };
      fc.assert(
        fc.property(arb, fc.nat(), (doc, sampleSeed) => {
          const parsed = parsePolicy(doc);
          expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
          if (!parsed.ok) return;
          const policy = parsed.value;
          const answer = findAllowedRequest({ policy, requestClass: cls, trust });
          counts[answer.kind]++;
          if (answer.kind === 'witness') {
            expect(evaluate(policy, answer.witness).decision, JSON.stringify(answer.witness)).toBe('allow');
            expect(inClass(answer.witness, cls), JSON.stringify(answer.witness)).toBe(true);
            expect(malformedIds(answer.witness, policy.text), JSON.stringify(answer.witness)).toEqual([]);
          } else if (answer.kind === 'unproven') {
            expect(answer.reason.length).toBeGreaterThan(0);
          } else {
            const rand = prng(sampleSeed);
            for (let i = 0; i < 150; i++) {
              const request = sampleRequest(policy, cls, rand);
              counts.sampled++;
              const decision = evaluate(policy, request).decision;
              if (decision === 'allow') {
                throw new Error(
                  `analyzer said no ${name} request is allowed, but the evaluator allows ${JSON.stringify(request)} under ${JSON.stringify(doc)}`,
                );
              }
            }
          }
        }),
        { numRuns: 1500, seed: SEED },
      );
      console.log(`differential, ${name}: ${JSON.stringify(counts)}`);
      // The generator must not degenerate into one answer.
      const runs = counts.witness + counts.none + counts.unproven;
      expect(counts.witness / runs).toBeGreaterThan(0.2);
      expect(counts.none / runs).toBeGreaterThan(0.2);
      expect(counts.sampled).toBeGreaterThan(50_000);
    });
  }
});
