/**
 * Where `sweep` puts its report while the sweep runs: the JSON report is written resource by
 * resource to stdout (`--format json`) and to `--output FILE`, and only what the chosen format
 * still needs at the end is kept (the text report: the results that are not compliant, without
 * proofs; asff/ocsf: the resources with open findings; JSON: nothing), so the CLI's memory does
 * not grow with the resources or findings of an estate.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { RULE_IDS } from '../config/schema.js';
import type { ReportResource, SweepReport } from '../engine/sweep-report.js';
import { createReportStream } from '../engine/sweep-report-stream.js';
import type { Severity } from '../rules/types.js';
import { isOpen, resourceFails } from './sweep-results.js';
import { countForText, keptForText, type ScopeCounts } from './sweep-text.js';

interface OutputOptions {
  format: 'text' | 'json' | 'asff' | 'ocsf';
  output?: string;
  failOn?: Severity;
  stdout: (text: string) => void;
  /** Called with each resource as reported (tests and benchmarks count them without keeping them). */
  onResource?: (r: ReportResource) => void;
}

export interface ReportOutputs {
  add(r: ReportResource): void;
  /** Ends the streamed documents; the report holds the resources kept for the format. */
  finish(tail: Parameters<ReturnType<typeof createReportStream>['finish']>[0]): SweepReport;
  /** The text table's counts per account-region. */
  table: ScopeCounts;
  /** Whether any resource had an open finding at or above `failOn`. */
  failing(): boolean;
}

/** `writeSync` may write less than it was given: write the rest. */
function writeAll(fd: number, chunk: string): void {
  const bytes = Buffer.from(chunk);
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
}

/** asff/ocsf list the open findings of judged resources (findings/open-findings.ts). */
const hasOpenFinding = (r: ReportResource) => r.status === 'judged' && Object.values(r.results).some(isOpen);

export function openReportOutputs(
  options: OutputOptions,
  head: { runId: string; startedAt: Date; dryRun: boolean },
): ReportOutputs {
  // Written as it comes: stdout and files are written synchronously by Node (no queue builds up).
  // https://nodejs.org/api/process.html#a-note-on-process-io
  const fd = options.output ? openSync(options.output, 'w') : undefined;
  const sinks: ((chunk: string) => void)[] = [];
  if (options.format === 'json') sinks.push(options.stdout);
  if (fd !== undefined) sinks.push((chunk) => writeAll(fd, chunk));
  const write =
    sinks.length > 0
      ? (chunk: string) => {
          for (const sink of sinks) sink(chunk);
        }
      : undefined;
  const stream = createReportStream(head, write, RULE_IDS);
  const kept: ReportResource[] = [];
  const table: ScopeCounts = new Map();
  let failing = false;
  return {
    table,
    failing: () => failing,
    add(r) {
      stream.add(r);
      options.onResource?.(r);
      failing ||= resourceFails(r, options.failOn);
      countForText(table, r);
      if (options.format === 'text') {
        const k = keptForText(r);
        if (k) kept.push(k);
      } else if (options.format !== 'json' && hasOpenFinding(r)) kept.push(r);
    },
    finish(tail) {
      try {
        return { ...stream.finish(tail), resources: kept };
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
  };
}
