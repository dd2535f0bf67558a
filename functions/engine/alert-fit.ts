/**
 * Fitting an alert into the SNS message limit: a document too large is shrunk step by step, and
 * what was cut is recorded in `truncated` (and so in the text). Pure.
 */
import { clipStrings, clipText } from './alert-clip.js';
import { alertEntryBytes, type EntryBase, renderEntry } from './alert-entry.js';
import type {
  AlertEntry,
  AlertFindingDoc,
  AlertRemediationDoc,
  AlertTruncation,
  FindingAlertDocument,
  SummaryAlertDocument,
} from './alert-types.js';

interface Level {
  statementsCap: number;
  keepPolicy: boolean;
  clip: number;
}

/**
 * Shrinks a finding document until its entry fits: first whole, then fewer findings (the most
 * findings that fit, found by bisection) with capped statement lists, then without the planned
 * policy, then with long strings clipped. What was cut is recorded in `truncated` and in the text.
 */
export function fitFinding(doc: FindingAlertDocument, base: EntryBase, limit: number): AlertEntry {
  const whole = renderEntry(base, doc);
  if (alertEntryBytes(whole) <= limit) return whole;
  const levels: Level[] = [
    { statementsCap: 20, keepPolicy: true, clip: Number.POSITIVE_INFINITY },
    { statementsCap: 20, keepPolicy: false, clip: Number.POSITIVE_INFINITY },
    { statementsCap: 5, keepPolicy: false, clip: 1024 },
    { statementsCap: 1, keepPolicy: false, clip: 128 },
  ];
  for (const level of levels) {
    const build = (k: number) => renderEntry(base, shrinkFinding(doc, level, k, limit));
    const k = largestFitting(doc.findings.length, 1, (n) => alertEntryBytes(build(n)) <= limit);
    if (k !== undefined) return build(k);
  }
  // Last resort: no finding details at all; resource, rule and status still go out.
  const minimal = shrinkFinding(doc, { statementsCap: 0, keepPolicy: false, clip: 128 }, 0, limit);
  return renderEntry(base, minimal);
}

function shrinkFinding(
  doc: FindingAlertDocument,
  level: Level,
  keep: number,
  limit: number,
): FindingAlertDocument {
  const clip = (s: string) => clipText(s, level.clip);
  const truncated: AlertTruncation = { limitBytes: limit };
  let statementsTotal = 0;
  let statementsIncluded = 0;
  const findings: AlertFindingDoc[] = doc.findings.slice(0, keep).map((f) => {
    const statements = f.statements.slice(0, level.statementsCap).map(clip);
    statementsTotal += f.statements.length;
    statementsIncluded += statements.length;
    return {
      message: clip(f.message),
      statements,
      proof: f.proof,
      ...(f.witness
        ? { witness: Number.isFinite(level.clip) ? clipStrings(f.witness, level.clip) : f.witness }
        : {}),
      ...(f.example
        ? { example: Number.isFinite(level.clip) ? clipStrings(f.example, level.clip) : f.example }
        : {}),
      ...(f.grant ? { grant: Number.isFinite(level.clip) ? clipStrings(f.grant, level.clip) : f.grant } : {}),
      ...(f.reason !== undefined ? { reason: clip(f.reason) } : {}),
    };
  });
  if (keep < doc.findings.length) {
    truncated.findingsTotal = doc.findings.length;
    truncated.findingsIncluded = keep;
  }
  if (statementsIncluded < statementsTotal) {
    truncated.statementsTotal = statementsTotal;
    truncated.statementsIncluded = statementsIncluded;
  }
  const out: FindingAlertDocument = { ...doc, findings, truncated };
  if (Number.isFinite(level.clip)) {
    truncated.stringsClipped = true;
    out.resource = clipStrings(doc.resource, Math.max(level.clip, 2048));
    if (doc.trigger) out.trigger = clipStrings(doc.trigger, Math.max(level.clip, 2048));
  }
  if (doc.remediation) {
    const { plannedPolicy, ...rest } = doc.remediation;
    const remediation: AlertRemediationDoc = Number.isFinite(level.clip)
      ? clipStrings(rest, level.clip)
      : rest;
    if (plannedPolicy && level.keepPolicy) remediation.plannedPolicy = plannedPolicy;
    else if (plannedPolicy) truncated.plannedPolicyOmitted = true;
    out.remediation = remediation;
  }
  return out;
}

/** Shrinks a summary: fewer errors listed, then fewer accounts listed, then clipped strings. */
export function fitSummary(doc: SummaryAlertDocument, base: EntryBase, limit: number): AlertEntry {
  const whole = renderEntry(base, doc);
  if (alertEntryBytes(whole) <= limit) return whole;
  for (const clip of [Number.POSITIVE_INFINITY, 256]) {
    const build = (errors: number, accounts: number) => {
      const truncated: AlertTruncation = { limitBytes: limit };
      if (errors < doc.errors.length)
        Object.assign(truncated, { errorsTotal: doc.errors.length, errorsIncluded: errors });
      if (accounts < doc.scope.accounts.length) {
        Object.assign(truncated, { accountsTotal: doc.scope.accounts.length, accountsIncluded: accounts });
      }
      if (Number.isFinite(clip)) truncated.stringsClipped = true;
      const shrunk: SummaryAlertDocument = {
        ...doc,
        errors: doc.errors.slice(0, errors).map((e) => clipStrings(e, clip)),
        scope: {
          accounts: doc.scope.accounts.slice(0, accounts),
          regions: doc.scope.regions.map((r) => clipText(r, clip)),
        },
        truncated,
      };
      return renderEntry(base, shrunk);
    };
    const fits = (e: AlertEntry) => alertEntryBytes(e) <= limit;
    const errors = largestFitting(doc.errors.length, 0, (n) => fits(build(n, doc.scope.accounts.length)));
    if (errors !== undefined) return build(errors, doc.scope.accounts.length);
    const accounts = largestFitting(doc.scope.accounts.length, 0, (n) => fits(build(0, n)));
    if (accounts !== undefined) return build(0, accounts);
  }
  return renderEntry(base, {
    ...doc,
    errors: [],
    scope: { accounts: [], regions: [] },
    truncated: { limitBytes: limit, stringsClipped: true },
  });
}

/** The largest n in [min, total] for which `fits(n)` holds (fits is monotone), or undefined. */
function largestFitting(total: number, min: number, fits: (n: number) => boolean): number | undefined {
  if (total < min || !fits(min)) return undefined;
  let lo = min;
  let hi = total;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
