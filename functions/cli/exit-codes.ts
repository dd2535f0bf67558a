/**
 * The exit contract of every command (SPEC §5): 0 compliant, 1 findings, 2 usage, configuration or
 * input error, 3 ran but coverage is incomplete (a resource or account-region could not be judged;
 * the findings that were made are still reported). `--fail-on` sets the lowest severity that makes
 * the status 1; findings below it are printed and leave the status 0.
 */
import type { Severity } from '../rules/types.js';

export const EXIT = { compliant: 0, findings: 1, error: 2, incomplete: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const SEVERITIES = ['low', 'medium', 'high'] as const satisfies readonly Severity[];
const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2 };

/** Does a finding of `severity` make the exit status 1 under `--fail-on failOn`? */
export const failsAt = (severity: Severity, failOn: Severity): boolean => RANK[severity] >= RANK[failOn];

/**
 * The status of a run: input errors first (nothing in them was judged), then incomplete coverage
 * (a clean result would be a claim about resources nobody looked at), then findings.
 */
export function exitStatus(outcome: { errors?: boolean; incomplete?: boolean; failing: boolean }): ExitCode {
  if (outcome.errors) return EXIT.error;
  if (outcome.incomplete) return EXIT.incomplete;
  return outcome.failing ? EXIT.findings : EXIT.compliant;
}

const MEANING: Record<ExitCode, string> = {
  0: 'compliant: nothing to report at or above the --fail-on severity',
  1: 'findings at or above the --fail-on severity',
  2: 'usage, configuration or input error: nothing was judged as compliant',
  3: 'ran, but coverage is incomplete: a resource or account-region could not be judged (its findings, if any, are still reported)',
};

/** What an exit status means, in words (the demo and the help texts say it the same way). */
export const describeExitStatus = (code: number): string =>
  MEANING[code as ExitCode] ?? `unexpected exit status ${code}`;

/** The exit-status paragraph of every help text. */
export const EXIT_HELP = `exit status:
  0  compliant (findings below --fail-on, if any, are printed)
  1  findings at or above --fail-on (default low: every finding)
  2  usage, configuration or input error
  3  ran, but coverage is incomplete: a resource or account-region could not be judged
     (e.g. a key the credentials may not read); the findings made are still reported`;
