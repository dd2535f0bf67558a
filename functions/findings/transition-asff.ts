/**
 * The Security Hub finding for one transition of the ledger (`Step`): the ASFF document
 * BatchImportFindings receives, under the finding's stable id, so Security Hub holds one finding
 * per resource and rule that opens, closes and reopens (an import with a known Id and ProductArn
 * updates that finding: https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html).
 *
 * How each transition is told (Compliance.Status, RecordState;
 * https://docs.aws.amazon.com/securityhub/latest/userguide/asff-top-level-attributes.html):
 * - new, changed: FAILED, ACTIVE;
 * - reopened: FAILED, ACTIVE, Workflow.Status NEW (Security Hub resets the workflow itself on an
 *   existing finding, since its RecordState goes ARCHIVED -> ACTIVE);
 * - resolved: PASSED, ARCHIVED — the resource is compliant (or gone), nothing is left to triage;
 * - remediated: PASSED, ARCHIVED, as resolved: the guard's fix made the resource compliant, so the
 *   check passes and the provider's finding is closed. Workflow.Status RESOLVED is not ours to set:
 *   it records the customer's own review ("The finding was reviewed and remediated"), and a
 *   provider cannot update Workflow on an existing finding anyway
 *   (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_Workflow.html). The description
 *   says the guard remediated it, and `kms-perimeter-guard/transition` says so to filters;
 * - exempted: FAILED (the resource still breaks the rule), ARCHIVED (its owner accepted it; the
 *   guard reports it no more).
 */
import type { AsffFinding, AsffLifecycle } from './asff.js';
import { toAsff } from './asff.js';
import type { Step, Transition } from './lifecycle.js';
import type { OpenFinding } from './open-findings.js';
import { findingOfRecord } from './record-finding.js';

const LIFECYCLE: Record<Transition, AsffLifecycle> = {
  new: 'open',
  changed: 'open',
  reopened: 'reopened',
  remediated: 'remediated',
  resolved: 'resolved',
  exempted: 'exempt',
};

const CLOSING: readonly Transition[] = ['remediated', 'resolved', 'exempted'];

/**
 * `finding`: the open finding the run judged (new, changed, reopened; remediated when the caller
 * still has it). Without one, the document is built from the record (`findingOfRecord`).
 */
export function asffOfTransition(step: Step, finding: OpenFinding | undefined): AsffFinding {
  const { transition, next } = step;
  const base = finding ?? findingOfRecord(next);
  // A closing transition says what closed it first, so the ASFF clip (1024 characters) keeps it.
  const described =
    finding && CLOSING.includes(transition)
      ? { ...base, description: `${next.state} at ${next.lastSeen}: ${base.description}` }
      : base;
  const doc = toAsff(
    { ...described, id: next.id },
    { firstSeen: next.firstSeen, lastSeen: next.lastSeen, updatedAt: next.lastSeen },
    LIFECYCLE[transition],
  );
  doc.ProductFields['kms-perimeter-guard/transition'] = transition;
  doc.ProductFields['kms-perimeter-guard/state'] = next.state;
  return doc;
}
