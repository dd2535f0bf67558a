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
import { parsePolicy } from '../../functions/policy/parse.js';
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
      // The generator must not degenerate into one answer.
      const runs = counts.witness + counts.none + counts.unproven;
      expect(counts.witness / runs).toBeGreaterThan(0.2);
      expect(counts.none / runs).toBeGreaterThan(0.2);
      expect(counts.sampled).toBeGreaterThan(50_000);
    });
  }
});
