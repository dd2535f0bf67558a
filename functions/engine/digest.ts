/**
 * A sweep's digest: what changed since the last sweep (the transitions the ledger recorded), the
 * open findings by severity, and the most severe of them, for the one summary message a sweep of
 * an account-region sends instead of one alert per open finding. Pure.
 */

import type { Step, Transition } from '../findings/lifecycle.js';
import { openFindingsOfSweep } from '../findings/open-findings.js';
import type { Severity } from '../rules/types.js';
import type { SweepReport } from './sweep-report.js';

interface DigestFinding {
  findingId: string;
  rule: string;
  severity: Severity;
  resourceType: 'kms-key' | 'vpc-endpoint';
  resourceId: string;
  account: string;
  region: string;
}

export interface SweepDigest {
  /** Transitions recorded by this sweep, by kind (new, changed, reopened, remediated, resolved, exempted). */
  changes: Partial<Record<Transition, number>>;
  /** Open findings after the sweep, by severity. */
  open: Partial<Record<Severity, number>>;
  /** The most severe open findings (at most `TOP_FINDINGS`), high first, in report order. */
  top: DigestFinding[];
}

const TOP_FINDINGS = 10;
const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export function digestOf(report: SweepReport, transitions: readonly Step[]): SweepDigest {
  const changes: SweepDigest['changes'] = {};
  for (const t of transitions) changes[t.transition] = (changes[t.transition] ?? 0) + 1;
  const open: SweepDigest['open'] = {};
  const findings = openFindingsOfSweep(report);
  for (const f of findings) open[f.severity] = (open[f.severity] ?? 0) + 1;
  const top = findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i)
    .slice(0, TOP_FINDINGS)
    .map(({ f }) => ({
      findingId: f.id,
      rule: f.rule,
      severity: f.severity,
      resourceType: f.resource.type,
      resourceId: f.resource.id,
      account: f.subject.account,
      region: f.subject.region,
    }));
  return { changes, open, top };
}

/** Nothing to tell: no transition and no error (the summary of such a sweep is not sent). */
export const isQuiet = (digest: SweepDigest, errors: number) =>
  Object.keys(digest.changes).length === 0 && errors === 0;
