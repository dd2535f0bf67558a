import type { CheckReport } from './check.js';
import { findingsOf, protectedByOf } from './check.js';

/** The `--format json` document of SPEC §5 (plus per-rule statuses and input errors). */
function toJsonReport(report: CheckReport): Record<string, unknown> {
  return {
    version: 1,
    results: report.results.map((r) => ({
      file: r.file,
      ...(r.line !== undefined ? { line: r.line } : {}),
      resource: { type: r.resource.type, id: r.resource.id },
      findings: findingsOf(r).map((f) => ({
        rule: f.rule,
        severity: f.severity,
        message: f.message,
        statements: f.statements,
        proof: f.proof,
        ...(f.witness ? { witness: f.witness } : {}),
        ...(f.example ? { example: f.example } : {}),
        ...(f.grant ? { grant: f.grant } : {}),
        ...(f.reason ? { reason: f.reason } : {}),
      })),
      ...(report.rcps ? { protectedBy: protectedByOf(r) } : {}),
      rules: r.verdict.results.map((x) => ({
        rule: x.rule,
        status: x.status,
        ...(x.exemption ? { exemption: x.exemption } : {}),
        ...(x.unread ? { unread: x.unread } : {}),
      })),
      ...(r.note ? { note: r.note } : {}),
      ...(r.assumptions ? { assumptions: r.assumptions } : {}),
    })),
    ...(report.rcps ? { rcps: report.rcps } : {}),
    errors: report.problems.map((p) => ({
      file: p.file,
      ...(p.line !== undefined ? { line: p.line } : {}),
      path: p.path,
      message: p.message,
    })),
    summary: report.summary,
  };
}

export function formatJson(report: CheckReport): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}
