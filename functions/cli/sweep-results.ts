/**
 * What the CLI's sweep report says of each result, and its exit status: the CLI publishes nothing
 * and, in a dry run, attempts nothing, so its statuses differ from a Lambda's.
 */
import type { ReportResource, ReportRuleResult, SweepReport } from '../engine/sweep-report.js';
import { ruleById } from '../rules/index.js';
import type { RuleId, Severity } from '../rules/types.js';
import { type ExitCode, exitStatus, failsAt } from './exit-codes.js';

/** Detail of a finding the CLI reported without remediating, because its rule's mode is `alert`. */
export const REPORT_ONLY = 'report-only';
/** Detail prefix of a finding a dry run could not have remediated either. */
export const CANNOT_REMEDIATE = 'cannot remediate: ';

/**
 * What the CLI says happened, which is not what a Lambda says: the CLI publishes nothing, so no
 * finding was `alerted`; and in a dry run nothing was attempted, so no remediation `failed` — the
 * guard would not have been able to make it (`cannot remediate: <why>`).
 */
export function asReported(r: ReportResource, dryRun: boolean): ReportResource {
  const results: Partial<Record<RuleId, ReportRuleResult>> = {};
  for (const [rule, x] of Object.entries(r.results) as [RuleId, ReportRuleResult][]) {
    if (x.status === 'finding' && x.detail === 'alerted') results[rule] = { ...x, detail: REPORT_ONLY };
    else if (x.status === 'remediation-failed' && dryRun) {
      results[rule] = {
        ...x,
        status: 'finding',
        detail: `${CANNOT_REMEDIATE}${x.detail ?? 'no reason given'}`,
      };
    } else results[rule] = x;
  }
  return { ...r, results };
}

export const isOpen = (x: ReportRuleResult | undefined) =>
  x?.status === 'finding' || x?.status === 'remediation-failed';

/** Is the sweep's coverage incomplete: a resource unreadable, or an account-region not swept? */
export const coverageIncomplete = (report: SweepReport): boolean =>
  report.totals.unreadable > 0 || report.scopes.some((s) => s.error);

/**
 * 3 when coverage is incomplete (the findings made are still reported), else 1 when an open finding
 * (`finding`, `remediation-failed`) is at or above `failOn`, else 0. `failing`: as counted while the
 * report streamed (its resources are then not kept).
 */
export function sweepExitCode(
  report: SweepReport,
  failOn: Severity = 'low',
  failing = report.resources.some((r) => resourceFails(r, failOn)),
): ExitCode {
  return exitStatus({ incomplete: coverageIncomplete(report), failing });
}

/** Does this resource have an open finding at or above `failOn` (exit status 1)? */
export const resourceFails = (r: ReportResource, failOn: Severity = 'low'): boolean =>
  (Object.entries(r.results) as [RuleId, ReportRuleResult][]).some(
    ([rule, x]) => isOpen(x) && failsAt(ruleById(rule).severity, failOn),
  );
