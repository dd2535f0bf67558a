/**
 * The analysis budget: past its deadline the analysis throws AnalysisBudgetError, the rules turn it
 * into an unproven finding and nothing is remediated. No timing targets here (those live in
 * bench/adversarial.bench.ts); these tests assert what happens, not how fast.
 */
import { describe, expect, it } from 'vitest';
import { processTrigger } from '../../functions/engine/pipeline.js';
import { AnalysisBudgetError } from '../../functions/errors.js';
import { checkBudget, withBudget } from '../../functions/policy/budget.js';
import { harness, keyTrigger } from '../engine/fake-aws.js';
import { starPatternPolicy } from './adversarial.js';

/** Calls checkBudget until it throws or `calls` are made; returns the error thrown, if any. */
function spin(calls: number): unknown {
  try {
    for (let i = 0; i < calls; i++) checkBudget();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** Busy-waits `ms` milliseconds (the budget measures wall time, as the Lambda timeout does). */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe('withBudget and checkBudget', () => {
  it('without a budget, checkBudget never throws', () => {
    expect(spin(100_000)).toBeUndefined();
    expect(withBudget(undefined, () => spin(1_000))).toBeUndefined();
    expect(withBudget(0, () => spin(1_000))).toBeUndefined();
  });

  it('past the deadline, the next checks throw AnalysisBudgetError naming the budget', () => {
    const err = withBudget(5, () => {
      busy(10);
      return spin(64);
    });
    expect(err).toBeInstanceOf(AnalysisBudgetError);
    expect((err as AnalysisBudgetError).message).toContain('5 ms');
  });

  it('a nested budget keeps the tighter deadline, and the outer one is restored after it', () => {
    const inner = withBudget(60_000, () =>
      withBudget(5, () => {
        busy(10);
        return spin(64);
      }),
    );
    expect(inner).toBeInstanceOf(AnalysisBudgetError);
    expect((inner as AnalysisBudgetError).message).toContain('5 ms');
    // A looser inner budget does not extend a tight outer one.
    const outer = withBudget(5, () =>
      withBudget(60_000, () => {
        busy(10);
        return spin(64);
      }),
    );
    expect((outer as AnalysisBudgetError).message).toContain('5 ms');
    // And once the budget has returned, nothing is active any more.
    expect(spin(1_000)).toBeUndefined();
  });

  it('the budget is lifted when its function throws', () => {
    expect(() =>
      withBudget(5, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    busy(10);
    expect(spin(1_000)).toBeUndefined();
  });
});

describe('a policy too slow for its budget', () => {
  it('is an unproven finding for every rule it stopped, and nothing is written', async () => {
    const h = harness({
      analysisBudgetMs: 1,
      rules: {
        'key-no-external-principals': 'remediate',
        'key-crypto-via-vpce': 'remediate',
        'key-sourceip-ineffective': 'off',
        'key-no-external-grantees': 'off',
      },
    });
    h.aws.addKey(starPatternPolicy(20));
    const out = await processTrigger(keyTrigger(), h.deps);
    const [r] = out.resources;
    expect(r?.status).toBe('judged');
    expect(h.aws.writes).toEqual([]);
    const stopped = r?.rules.filter((x) => x.status !== 'off') ?? [];
    expect(stopped.map((x) => x.rule).sort()).toEqual(['key-crypto-via-vpce', 'key-no-external-principals']);
    for (const rule of stopped) expect(rule.status).not.toBe('remediated');
    expect(h.alerts.length).toBeGreaterThanOrEqual(2);
    for (const alert of h.alerts) expect(alert.Message).toContain('analysis budget exceeded');
  });

  it('with the default budget the same policy is judged and planned in full', async () => {
    const h = harness({
      rules: {
        'key-no-external-principals': 'remediate',
        'key-crypto-via-vpce': 'off',
        'key-sourceip-ineffective': 'off',
        'key-no-external-grantees': 'off',
      },
    });
    h.aws.addKey(starPatternPolicy(20));
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(out.resources[0]?.rules).toContainEqual({
      rule: 'key-no-external-principals',
      status: 'remediated',
    });
    expect(h.aws.writes).toHaveLength(1);
  });
});
