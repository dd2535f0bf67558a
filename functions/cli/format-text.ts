import type { JudgeStatus } from '../engine/judge.js';
import { describeWitness } from '../policy/witness-text.js';
import type { Severity } from '../rules/types.js';
import { type CheckReport, findingsOf } from './check.js';
import { failsAt } from './exit-codes.js';
import { printableLines } from './printable.js';

const STATUS_WORD: Record<JudgeStatus, string> = {
  compliant: 'ok',
  finding: 'FINDING',
  exempt: 'exempt',
  off: 'off',
  'not-applicable': 'n/a',
  'not-read': 'not read',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Human-readable report: one block per resource, one sentence per finding, errors last. Every line
 * is made printable: Sids, ids and messages come from the input and may hold control characters.
 */
export function formatText(report: CheckReport, options: { failOn?: Severity } = {}): string {
  const lines: string[] = [];
  if (report.rcps) {
    const names = report.rcps.policies.length > 0 ? report.rcps.policies.join(', ') : '(none could be read)';
    lines.push(`judged with RCPs ${names}: ${report.rcps.assumption}`);
  }
  for (const r of report.results) {
    const findings = findingsOf(r);
    const at = r.line !== undefined ? `${r.file}:${r.line}` : r.file;
    const head = `${at}: ${r.resource.type} ${r.resource.id} (${r.shape})`;
    if (r.note !== undefined) {
      lines.push(`${head}: ${r.note}`);
      continue;
    }
    lines.push(`${head}: ${findings.length === 0 ? 'no findings' : plural(findings.length, 'finding')}`);
    for (const a of r.assumptions ?? []) lines.push(`  assumed: ${a}`);
    for (const res of r.verdict.results) {
      if (res.status === 'finding') {
        for (const f of res.findings) {
          lines.push(`  FINDING [${f.severity}] ${f.rule}: ${f.message}`);
          if (f.statements.length > 0) lines.push(`          statements: ${f.statements.join(', ')}`);
        }
      } else {
        const ex = res.exemption
          ? res.exemption.expired
            ? ` (exemption expired ${res.exemption.until}; ignored)`
            : res.exemption.until
              ? ` (until ${res.exemption.until})`
              : ''
          : '';
        const unread = res.unread?.length ? ` (needs ${res.unread.join(', ')}: not in the input)` : '';
        lines.push(`  ${STATUS_WORD[res.status]} ${res.rule}${ex}${unread}`);
        for (const p of res.protectedBy ?? []) {
          const statement = p.statement ? ` (${p.statement})` : '';
          const what = p.witness ? `: ${describeWitness(p.witness)}` : '';
          lines.push(`     blocked only by RCP ${p.policy}${statement}${what}`);
        }
      }
    }
  }
  for (const p of report.problems)
    lines.push(`error: ${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.path}: ${p.message}`);
  const s = report.summary;
  lines.push(
    `${plural(s.resources, 'resource')} in ${plural(s.files, 'file')}: ${plural(s.findings, 'finding')} on ${plural(s.resourcesWithFindings, 'resource')}` +
      `${s.exempt > 0 ? `, ${s.exempt} exempt` : ''}${s.inputErrors > 0 ? `, ${plural(s.inputErrors, 'input error')} (nothing in them was judged)` : ''}`,
  );
  const failOn = options.failOn ?? 'low';
  const below = report.results.flatMap(findingsOf).filter((f) => !failsAt(f.severity, failOn)).length;
  if (below > 0) lines.push(`${plural(below, 'finding')} below --fail-on ${failOn}: printed, not failing`);
  return printableLines(lines);
}
