/**
 * Open findings as units of their own (one per resource and rule), whoever found them: a sweep's
 * report or `check`'s offline verdicts. Exempt, compliant, unreadable and not-read rules are not
 * findings; a remediated one is closed. These are what `--format asff|ocsf`, the ledger and the
 * Security Hub import work on.
 */

import type { Witness } from '../policy/types.js';
import { describeWitness } from '../policy/witness-text.js';
import { ruleById } from '../rules/index.js';
import type { Proof, RuleId, Severity } from '../rules/types.js';
import { type FindingSubject, findingId, subjectOf } from './finding-id.js';

export interface OpenFinding {
  id: string;
  subject: FindingSubject;
  resource: { type: 'kms-key' | 'vpc-endpoint'; id: string };
  rule: RuleId;
  severity: Severity;
  /** The rule's title. */
  title: string;
  /** What is wrong, in words (the finding's sentence, or its witness in words). */
  description: string;
  proof?: Proof;
  witness?: Witness;
  /** `remediation-failed`: the guard tried (or, in a dry run, could not) and the finding stays open. */
  remediationFailed?: true;
  /** Where it was found offline (`check`): the input file. */
  file?: string;
}

interface SweepLike {
  resources: {
    type: 'kms-key' | 'vpc-endpoint';
    id: string;
    arn?: string;
    account: string;
    region: string;
    status: string;
    results: Partial<
      Record<
        RuleId,
        { status: string; witness?: unknown; proof?: Proof; detail?: string; grants?: unknown[] }
      >
    >;
  }[];
}

/** The open findings of a sweep report (`finding` and `remediation-failed`), in report order. */
export function openFindingsOfSweep(report: SweepLike): OpenFinding[] {
  const out: OpenFinding[] = [];
  for (const r of report.resources) {
    if (r.status !== 'judged') continue;
    for (const [rule, x] of Object.entries(r.results) as [
      RuleId,
      NonNullable<SweepLike['resources'][0]['results'][RuleId]>,
    ][]) {
      if (x.status !== 'finding' && x.status !== 'remediation-failed') continue;
      const subject = subjectOf(r, rule);
      const def = ruleById(rule);
      const witness = x.witness as Witness | undefined;
      const said = witness ? describeWitness(witness) : def.title;
      const detail =
        x.status === 'remediation-failed' && x.detail ? ` (remediation failed: ${x.detail})` : '';
      out.push({
        id: findingId(subject),
        subject,
        resource: { type: r.type, id: r.id },
        rule,
        severity: def.severity,
        title: def.title,
        description: `${r.type} ${r.id}: ${said}${detail}`,
        ...(x.proof ? { proof: x.proof } : {}),
        ...(witness ? { witness } : {}),
        ...(x.status === 'remediation-failed' ? { remediationFailed: true as const } : {}),
      });
    }
  }
  return out;
}
