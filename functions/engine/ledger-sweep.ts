/**
 * A sweep of one account-region through the findings ledger: its records read once (one paginated
 * Query), each resource's transitions written as it settles (so only they are alerted), and, when
 * the sweep was complete, the findings it did not see resolved. What the sweep worker runs.
 */
import { resourceArnOf } from '../findings/finding-id.js';
import { openFindingsGate } from './findings-gate.js';
import type { LedgerResult } from './ledger.js';
import type { PipelineDeps } from './pipeline.js';
import { type SweepOptions, sweepAccountRegion } from './sweep.js';
import type { ScopeSweep } from './sweep-report.js';

export async function sweepThroughLedger(
  account: string,
  region: string,
  deps: PipelineDeps,
  // Not `onResource`: resolving needs every resource the sweep listed (`keep`).
  options: Omit<SweepOptions, 'gate' | 'onResource'>,
): Promise<{ sweep: ScopeSweep; ledger?: LedgerResult }> {
  const gate = openFindingsGate(deps, account, region, { wholeScope: true });
  const sweep = await sweepAccountRegion(account, region, deps, { ...options, gate: (o) => gate.gate(o) });
  // Complete: listed in full and every resource started. Its unseen findings are resolved, except
  // those of resources listed but not judged (unreadable) or judged with the rule saying nothing.
  const complete = !sweep.scope.error && !sweep.scope.notStarted;
  const keep = new Set(sweep.resources.filter((r) => r.status !== 'skipped').map((r) => resourceArnOf(r)));
  const closing = await gate.finish({ complete, keep });
  if (closing.length > 0) {
    if (options.publish) await options.publish(closing);
    else sweep.alerts.push(...closing);
  }
  const ledger = gate.result();
  return { sweep, ...(ledger ? { ledger } : {}) };
}
