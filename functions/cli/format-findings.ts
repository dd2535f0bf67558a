/**
 * `--format asff` and `--format ocsf` of `check` and `sweep`: a JSON array, one entry per open
 * finding (exempt, compliant, unreadable and not-read rules are not findings), each with its stable
 * finding id. The CLI keeps no ledger, so a finding's first and last seen times are the run's.
 */

import type { SweepReport } from '../engine/sweep-report.js';
import { UsageError } from '../errors.js';
import { toAsff } from '../findings/asff.js';
import { findingId, subjectOf } from '../findings/finding-id.js';
import { toOcsf } from '../findings/ocsf.js';
import { type OpenFinding, openFindingsOfSweep } from '../findings/open-findings.js';
import { ruleById } from '../rules/index.js';
import type { RuleId } from '../rules/types.js';
import type { CheckReport } from './check.js';
import type { InputProblem } from './inputs.js';
import { isAwsRegion } from './regions.js';

export const FINDING_FORMATS = ['asff', 'ocsf'] as const;
export type FindingFormat = (typeof FINDING_FORMATS)[number];

/**
 * The open findings of `check`. A finding's identity needs the resource's account, Region and ARN:
 * an endpoint says its owner and service Region; a key policy file says none of them, so
 * `--account` and `--region` give them and the key id is the file's name (`aws kms get-key-policy
 * --key-id <id> ... > <id>.json`). A resource whose identity is still unknown is an input problem
 * naming its file, never a finding with a made-up id.
 */
function openFindingsOfCheck(report: CheckReport): {
  findings: OpenFinding[];
  problems: InputProblem[];
} {
  const findings: OpenFinding[] = [];
  const problems: InputProblem[] = [];
  for (const r of report.results) {
    const open = r.verdict.results.filter((x) => x.status === 'finding' && x.findings.length > 0);
    if (open.length === 0) continue;
    const { account, region } = r.resource;
    const missing = [account ? [] : ['--account'], region ? [] : ['--region']].flat();
    if (missing.length > 0 || !account || !region) {
      problems.push({
        file: r.file,
        path: '$',
        message: `${r.resource.type} ${r.resource.id}: the input does not say its ${missing.map((m) => m.slice(2)).join(' or ')}; --format asff|ocsf needs ${missing.join(' and ')}`,
      });
      continue;
    }
    // runCheck gave a key named by its id its ARN (`where`); any other key's ARN is unknown.
    const arn = r.resource.type === 'kms-key' ? r.resource.arn : undefined;
    if (r.resource.type === 'kms-key' && !arn) {
      problems.push({
        file: r.file,
        path: '$',
        message: `kms-key ${r.resource.id}: not a key id, so the key's ARN is unknown; for --format asff|ocsf name the policy file after its key id (<key-id>.json)`,
      });
      continue;
    }
    for (const x of open) {
      const rule = x.rule as RuleId;
      const subject = subjectOf(
        { type: r.resource.type, id: r.resource.id, account, region, ...(arn ? { arn } : {}) },
        rule,
      );
      const first = x.findings[0];
      if (!first) continue;
      const more = x.findings.length > 1 ? ` (and ${x.findings.length - 1} more)` : '';
      findings.push({
        id: findingId(subject),
        subject,
        resource: { type: r.resource.type, id: r.resource.id },
        rule,
        severity: first.severity,
        title: ruleById(rule).title,
        description: `${r.resource.type} ${r.resource.id}: ${first.message}${more}`,
        proof: first.proof,
        ...(first.witness ? { witness: first.witness } : {}),
        file: r.file,
      });
    }
  }
  return { findings, problems };
}

function formatFindings(findings: OpenFinding[], format: FindingFormat, now: Date, version: string): string {
  const at = now.toISOString();
  const docs = findings.map((f) =>
    format === 'asff'
      ? toAsff(f, { firstSeen: at, lastSeen: at, updatedAt: at })
      : toOcsf(f, { firstSeen: at, lastSeen: at, now: at }, version),
  );
  return `${JSON.stringify(docs, null, 2)}\n`;
}

export const formatSweepFindings = (report: SweepReport, format: FindingFormat, version: string) =>
  formatFindings(openFindingsOfSweep(report), format, new Date(report.finishedAt), version);

/**
 * `check --account ID --region R`: where the inputs' resources are when an input does not say (a key
 * policy file, infrastructure code's AWS::AccountId and AWS::Region); each optional, checked like
 * the sweep's (12 digits, a known Region). ASFF and OCSF entries need both.
 */
export function whereOf(account: string | undefined, region: string | undefined) {
  if (account === undefined && region === undefined) return undefined;
  if (account !== undefined && !/^\d{12}$/.test(account))
    throw new UsageError(`--account must be a 12-digit account id, got ${JSON.stringify(account)}`);
  if (region !== undefined && !isAwsRegion(region))
    throw new UsageError(`--region must be an AWS region name, got ${JSON.stringify(region)}`);
  return { ...(account !== undefined ? { account } : {}), ...(region !== undefined ? { region } : {}) };
}

/** `check --format asff|ocsf`: the findings' text; resources without an identity become input problems. */
export function formatCheckFindings(report: CheckReport, format: FindingFormat, version: string): string {
  const found = openFindingsOfCheck(report);
  report.problems.push(...found.problems);
  report.summary.inputErrors = report.problems.length;
  return formatFindings(found.findings, format, new Date(), version);
}
