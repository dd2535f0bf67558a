/** The text report of `kms-perimeter-guard sweep` (`--format text`). */
import type { ReportResource, ReportRuleResult, SweepReport } from '../engine/sweep-report.js';
import type { ConcreteRequest } from '../policy/types.js';
import { describeWitness } from '../policy/witness-text.js';
import type { RuleId } from '../rules/types.js';
import { printableLines } from './printable.js';
import { CANNOT_REMEDIATE, coverageIncomplete, isOpen, REPORT_ONLY } from './sweep-results.js';

type ResourceState = 'compliant' | 'findings' | 'remediated';

/** One state per judged resource: any open finding, else anything remediated, else compliant. */
function stateOf(r: ReportResource): ResourceState {
  const results = Object.values(r.results);
  if (results.some(isOpen)) return 'findings';
  return results.some((x) => x?.status === 'remediated') ? 'remediated' : 'compliant';
}

/** One line per rule result that is not compliant, saying what the run did or would do about it. */
function resultLine(r: ReportResource, rule: string, x: ReportRuleResult): string {
  const witness = x.witness ? `: ${describeWitness(x.witness as ConcreteRequest)}` : '';
  const what = `${rule} ${r.type} ${r.arn ?? r.id}`;
  if (x.status === 'remediated') return `REMEDIATED ${what}${witness}`;
  if (x.status === 'remediation-failed' && x.refused)
    return `CANNOT-REMEDIATE ${what} (${x.detail ?? 'no reason given'})${witness}`;
  if (x.status === 'remediation-failed')
    return `REMEDIATION-FAILED ${what} (${x.detail ?? 'no reason given'})${witness}`;
  if (x.detail?.startsWith(CANNOT_REMEDIATE)) {
    return `CANNOT-REMEDIATE ${what} (${x.detail.slice(CANNOT_REMEDIATE.length)})${witness}`;
  }
  const note =
    x.detail === 'dry-run'
      ? ' (would remediate)'
      : x.detail === REPORT_ONLY
        ? ' (rule mode alert: reported, not remediated)'
        : x.detail
          ? ` (${x.detail})`
          : '';
  return `FINDING ${what}${note}${witness}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Per account-region (`account/region`), the text table's counts of resources. */
export type ScopeCounts = Map<string, Record<ResourceState | 'unreadable', number>>;

/** Counts one resource in the text table (`formatSweepText`'s counts when resources are not kept). */
export function countForText(counts: ScopeCounts, r: ReportResource): void {
  const key = `${r.account}/${r.region}`;
  const c = counts.get(key) ?? { compliant: 0, findings: 0, remediated: 0, unreadable: 0 };
  if (r.status === 'judged') c[stateOf(r)]++;
  else if (r.status === 'unreadable') c.unreadable++;
  counts.set(key, c);
}

/**
 * What the text report says of a resource beyond the table: its results that are not compliant or
 * exempt, and RCP protections, without proofs; undefined when there is nothing (not kept).
 */
export function keptForText(r: ReportResource): ReportResource | undefined {
  const results: ReportResource['results'] = {};
  for (const [rule, x] of Object.entries(r.results) as [RuleId, ReportRuleResult][]) {
    const open = x.status !== 'compliant' && x.status !== 'exempt';
    if (!open && !x.protectedBy) continue;
    results[rule] = {
      status: x.status,
      ...(x.detail ? { detail: x.detail } : {}),
      ...(x.refused ? { refused: x.refused } : {}),
      ...(x.witness ? { witness: x.witness } : {}),
      ...(x.protectedBy ? { protectedBy: x.protectedBy } : {}),
    };
  }
  if (r.status !== 'unreadable' && Object.keys(results).length === 0) return undefined;
  return { ...r, results };
}

function scopeCountsOf(report: SweepReport): ScopeCounts {
  const counts: ScopeCounts = new Map();
  for (const r of report.resources) countForText(counts, r);
  return counts;
}

/**
 * The text report: a table of resources per account-region (every resource in exactly one of the
 * columns AWS-managed, compliant, findings, remediated, unreadable, or skipped otherwise), then one
 * line per finding with its witness. `table`: the table's counts, when the resources were not all
 * kept (a streamed report keeps only what `keptForText` keeps). Every line is made printable (ids and reasons come from AWS).
 */
export function formatSweepText(report: SweepReport, table = scopeCountsOf(report)): string {
  const lines: string[] = [];
  const header = [
    'account',
    'region',
    'keys',
    'AWS-managed',
    'endpoints',
    'compliant',
    'findings',
    'remediated',
    'unreadable',
    'seconds',
  ];
  const rows = report.scopes.map((s) => {
    const c = table.get(`${s.account}/${s.region}`);
    const count = (state: ResourceState | 'unreadable') => String(c?.[state] ?? 0);
    return [
      s.account,
      s.region,
      String(s.keys.listed),
      String(s.keys.awsManaged),
      String(s.endpoints.listed),
      count('compliant'),
      count('findings'),
      count('remediated'),
      count('unreadable'),
      (s.durationMs / 1000).toFixed(1),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  lines.push(fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt));
  for (const s of report.scopes) if (s.error) lines.push(`error: ${s.account}/${s.region}: ${s.error}`);
  const findings = report.resources.flatMap((r) =>
    (Object.entries(r.results) as [RuleId, ReportRuleResult][])
      .filter(([, x]) => x.status !== 'compliant' && x.status !== 'exempt')
      .map(([rule, x]) => resultLine(r, rule, x)),
  );
  if (findings.length) lines.push('', ...findings);
  // organization.rcps "read": compliant only because of an RCP, so not remediated; said per key.
  const protectedLines = report.resources.flatMap((r) =>
    (Object.entries(r.results) as [RuleId, ReportRuleResult][]).flatMap(([rule, x]) =>
      (x.protectedBy ?? []).map(
        (p) =>
          `BLOCKED-ONLY-BY-RCP ${rule} ${r.type} ${r.arn ?? r.id}: blocked only by RCP ${p.policy}${p.statement ? ` (${p.statement})` : ''}${p.witness ? `: ${describeWitness(p.witness)}` : ''}`,
      ),
    ),
  );
  if (protectedLines.length) lines.push('', ...protectedLines);
  for (const r of report.resources.filter((x) => x.status === 'unreadable')) {
    lines.push(`UNREADABLE ${r.type} ${r.arn ?? r.id}: ${r.reason ?? ''}`);
  }
  const results = report.resources
    .flatMap((r) => Object.values(r.results))
    .filter(
      (x): x is ReportRuleResult => x !== undefined && x.status !== 'compliant' && x.status !== 'exempt',
    );
  const outcome: [string, (x: ReportRuleResult) => boolean][] = [
    ['remediated', (x) => x.status === 'remediated'],
    ['would be remediated', (x) => x.detail === 'dry-run'],
    ['cannot be remediated', (x) => x.detail?.startsWith(CANNOT_REMEDIATE) === true],
    ['remediation failed', (x) => x.status === 'remediation-failed'],
    ['alert only', (x) => x.detail === REPORT_ONLY],
  ];
  const counts = outcome
    .map(([label, test]) => [label, results.filter(test).length] as const)
    .filter(([, n]) => n > 0)
    .map(([label, n]) => `${n} ${label}`);
  const notSwept = report.scopes.filter((s) => s.error).length;
  lines.push(
    '',
    `${report.totals.resources} resources (${report.totals.byType['kms-key']} keys, ${report.totals.byType['vpc-endpoint']} endpoints), ` +
      `${report.totals.skipped} skipped, ${report.totals.unreadable} unreadable; ${report.dryRun ? 'dry run: nothing was changed' : 'remediation on'}; ` +
      `${Object.values(report.apiCalls).reduce((a, b) => a + b, 0)} AWS calls in ${(report.durationMs / 1000).toFixed(1)} s`,
    `${plural(results.length, 'finding')}${counts.length > 0 ? `: ${counts.join(', ')}` : ''}`,
  );
  if (coverageIncomplete(report)) {
    lines.push(
      `coverage incomplete: ${plural(report.totals.unreadable, 'resource')} not judged${notSwept > 0 ? `, ${plural(notSwept, 'account-region')} not swept` : ''} (exit status 3)`,
    );
  }
  return printableLines(lines);
}
