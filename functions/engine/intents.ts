import type { GuardConfig, RuleId } from '../config/schema.js';

/**
 * What the guard does about a rule's findings, decided once per run from the rule's mode and the
 * global dry run: `report` (mode alert), `dry-run` (mode remediate, dryRun: plan and prove, write
 * nothing), `remediate`. Rules in mode `off` have no intent: they are not judged.
 */
export type Intent = 'report' | 'dry-run' | 'remediate';
export type Intents = ReadonlyMap<RuleId, Intent>;

export function intentsOf(config: GuardConfig): Intents {
  const out = new Map<RuleId, Intent>();
  for (const [rule, mode] of Object.entries(config.rules) as [RuleId, GuardConfig['rules'][RuleId]][]) {
    if (mode === 'alert') out.set(rule, 'report');
    else if (mode === 'remediate') out.set(rule, config.dryRun ? 'dry-run' : 'remediate');
  }
  return out;
}

/** Whether any rule of the intents plans changes (dry run or not). */
export const plans = (intent: Intent | undefined): boolean => intent === 'dry-run' || intent === 'remediate';
