import type { Log, ReportingDescriptor, Result } from 'sarif';
import { RULES } from '../rules/index.js';
import type { Finding, Severity } from '../rules/types.js';
import { type CheckedResource, type CheckReport, findingsOf } from './check.js';

// SARIF 2.1.0 (OASIS): https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
// GitHub code scanning reads `level` and the `security-severity` rule property (a number 0.1-10;
// >= 7 high, >= 4 medium) to rank alerts:
// https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  high: 'error',
  medium: 'warning',
  low: 'note',
};
const SECURITY_SEVERITY: Record<Severity, string> = { high: '8.0', medium: '5.0', low: '3.0' };

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** 1-based line of the first match of `needle` (a JSON string value, possibly escaped inside JSON text). */
function lineOf(text: string, needle: string): number | undefined {
  const re = new RegExp(`\\\\?"${escapeRegExp(needle)}\\\\?"`);
  const m = re.exec(text);
  if (!m) return undefined;
  return text.slice(0, m.index).split('\n').length;
}

function locate(text: string, resourceId: string, finding: Finding): number {
  for (const s of finding.statements) {
    if (/^Statement(\[\d+\])?$/.test(s)) continue;
    const line = lineOf(text, s);
    if (line !== undefined) return line;
  }
  return lineOf(text, resourceId) ?? 1;
}

function toSarif(report: CheckReport, texts: Map<string, string>, version: string): Log {
  const ruleIndex = new Map(RULES.map((r, i) => [r.id, i]));
  const results: Result[] = report.results.flatMap((r) =>
    findingsOf(r).map(
      (f): Result => ({
        ruleId: f.rule,
        ruleIndex: ruleIndex.get(f.rule),
        level: LEVEL[f.severity],
        message: { text: `${r.resource.type} ${r.resource.id}: ${f.message}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: toUri(r.file) },
              region: { startLine: r.line ?? locate(texts.get(r.file) ?? '', r.resource.id, f) },
            },
            logicalLocations: [
              { fullyQualifiedName: `${r.resource.type}/${r.resource.id}`, kind: 'resource' },
            ],
          },
        ],
        partialFingerprints: {
          'kmsPerimeterGuard/v1': `${f.rule}:${r.resource.type}:${r.resource.id}:${f.statements.join(',')}`,
        },
        properties: {
          proof: f.proof,
          statements: f.statements,
          ...(f.witness ? { witness: f.witness } : {}),
          ...(f.example ? { example: f.example } : {}),
          ...(f.grant ? { grant: f.grant } : {}),
          ...(f.reason ? { reason: f.reason } : {}),
        },
      }),
    ),
  );
  results.push(...report.results.flatMap((r) => protectedResults(r, ruleIndex)));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kms-perimeter-guard',
            version,
            rules: RULES.map(
              (r): ReportingDescriptor => ({
                id: r.id,
                name: r.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
                shortDescription: { text: r.title },
                defaultConfiguration: { level: LEVEL[r.severity] },
                properties: {
                  'security-severity': SECURITY_SEVERITY[r.severity],
                  tags: ['security', 'aws', 'kms'],
                },
              }),
            ),
          },
        },
        ...(report.rcps ? { properties: { rcps: report.rcps } } : {}),
        invocations: [
          {
            executionSuccessful: report.problems.length === 0,
            toolExecutionNotifications: report.problems.map((p) => ({
              level: 'error',
              message: { text: `${p.path}: ${p.message}` },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: toUri(p.file) },
                    ...(p.line !== undefined ? { region: { startLine: p.line } } : {}),
                  },
                },
              ],
            })),
          },
        ],
        results,
      },
    ],
  };
}

/**
 * What only an RCP stops, as SARIF `kind: "pass"` results (level `none`): a check that passed, with
 * the reason in the message, so code scanning shows it without raising an alert.
 */
function protectedResults(r: CheckedResource, ruleIndex: Map<string, number>): Result[] {
  return r.verdict.results.flatMap((x) =>
    (x.protectedBy ?? []).map(
      (p): Result => ({
        ruleId: p.rule,
        ruleIndex: ruleIndex.get(p.rule),
        kind: 'pass',
        level: 'none',
        message: {
          text: `${r.resource.type} ${r.resource.id}: blocked only by RCP ${p.policy}${p.statement ? ` (${p.statement})` : ''}`,
        },
        locations: [{ physicalLocation: { artifactLocation: { uri: toUri(r.file) } } }],
        properties: { protectedBy: p },
      }),
    ),
  );
}

/** Relative paths stay relative (SARIF consumers resolve them against the checkout); separators become `/`. */
function toUri(file: string): string {
  return file.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

export function formatSarif(report: CheckReport, texts: Map<string, string>, version: string): string {
  return `${JSON.stringify(toSarif(report, texts, version), null, 2)}\n`;
}
