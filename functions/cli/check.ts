import type { GuardConfig } from '../config/schema.js';
import { judge, type Verdict } from '../engine/judge.js';
import { partitionOf } from '../findings/finding-id.js';
import { readIacText } from '../iac/read.js';
import type { IacResource } from '../iac/resources.js';
import type { DeployTarget } from '../iac/values.js';
import { withBudget } from '../policy/budget.js';
import type { Rcp } from '../policy/rcp-parse.js';
import { ruleById } from '../rules/index.js';
import { EXTRA_KEY_READS } from '../rules/reads.js';
import type { Finding, ProtectedBy, Resource, Severity } from '../rules/types.js';
import { type ExitCode, exitStatus, failsAt } from './exit-codes.js';
import { type InputKind, type InputProblem, type LoadedInput, readInputText } from './inputs.js';

export interface CheckedResource {
  file: string;
  shape: string;
  resource: Resource;
  verdict: Verdict;
  /** Why the resource was read but not judged by any rule (AWS-managed key, non-KMS endpoint). */
  note?: string;
  /** Infrastructure code: the line the resource is declared on (logical id, plan address). */
  line?: number;
  /** Infrastructure code: what was taken as given (defaults, parameter defaults, the deploying account). */
  assumptions?: string[];
}

export interface CheckReport {
  results: CheckedResource[];
  problems: InputProblem[];
  summary: CheckSummary;
  /** `--rcp`: the RCPs every customer-managed key was judged with, and the key tags assumed. */
  rcps?: RcpAssumptions;
}

/**
 * What `check --rcp` assumed, said in every output: offline, nothing tells which account a key is
 * in or how it is tagged, so the key is taken to be in a member account (RCPs do not apply in the
 * management account) with exactly the `--key-tag` tags (none when not given).
 */
interface RcpAssumptions {
  policies: string[];
  keyTags: Record<string, string>;
  assumption: string;
}

function rcpAssumption(keyTags: Record<string, string>): string {
  const tags =
    Object.keys(keyTags).length === 0
      ? 'a key without tags (no --key-tag given), so aws:ResourceTag conditions see no tag'
      : `a key with exactly the --key-tag tags`;
  return `each customer-managed key is judged as one in a member account (RCPs do not apply in the management account) and as ${tags}`;
}

interface CheckSummary {
  files: number;
  resources: number;
  resourcesWithFindings: number;
  findings: number;
  exempt: number;
  inputErrors: number;
  /** Findings per rule id. */
  byRule: Record<string, number>;
}

export const findingsOf = (r: CheckedResource): Finding[] =>
  r.verdict.results.filter((x) => x.status === 'finding').flatMap((x) => x.findings);

/** What only an RCP stops on this resource (the findings the RCPs took away). */
export const protectedByOf = (r: CheckedResource): ProtectedBy[] =>
  r.verdict.results.flatMap((x) => x.protectedBy ?? []);

/**
 * `check`: read every file, judge every resource it holds with the same engine the Lambdas use,
 * and collect input problems without letting one bad file hide another file's results.
 */
export function runCheck(options: {
  /** `account`/`region`: a CDK stack's environment, from its assembly manifest. */
  files: { name: string; text: string; account?: string; region?: string }[];
  config: GuardConfig;
  kind?: InputKind;
  now?: Date;
  /** Analysis budget per resource in ms (`--budget`); none by default offline. */
  budgetMs?: number;
  /** `--rcp`: judge customer-managed keys with these RCPs (AWS-managed keys: never). */
  rcps?: Rcp[];
  /** `--key-tag`: the tags of the keys judged with RCPs (their aws:ResourceTag values). */
  keyTags?: Record<string, string>;
  /**
   * `--account`/`--region`: where the inputs' resources are when the input does not say (each
   * optional). Infrastructure code deploys there (its AWS::AccountId, AWS::Region); a key whose id
   * is known (a policy file named `<key-id>.json`) is judged as its real ARN, so its witness names
   * the key a finding's id is computed from.
   */
  where?: { account?: string; region?: string } | undefined;
}): CheckReport {
  const results: CheckedResource[] = [];
  const problems: InputProblem[] = [];
  const target = {
    ...(options.where?.account !== undefined ? { account: options.where.account } : {}),
    ...(options.where?.region !== undefined ? { region: options.where.region } : {}),
    ...(options.config.trust.accounts[0] !== undefined
      ? { trustedAccount: options.config.trust.accounts[0] }
      : {}),
  };
  for (const f of options.files) {
    const { input, declared } = loadFile(f, target, options.kind);
    problems.push(...input.problems);
    const notes = new Map(input.notes.map((n) => [n.id, n.note]));
    for (const resource of input.resources) {
      if (options.where) locate(resource, options.where);
      if (options.rcps && resource.type === 'kms-key' && resource.keyManager !== 'AWS') {
        resource.rcps = options.rcps;
        if (options.keyTags && Object.keys(options.keyTags).length > 0)
          resource.tags = { ...options.keyTags };
      }
      const verdict = withBudget(options.budgetMs ?? options.config.analysisBudgetMs, () =>
        judge(offline(resource), options.config, options.now),
      );
      const code = declared.get(resource);
      const checked: CheckedResource = {
        file: f.name,
        shape: input.shape,
        resource,
        verdict: code ? beforeDeploy(verdict, code) : verdict,
      };
      if (code?.line !== undefined) checked.line = code.line;
      if (code && code.assumptions.length > 0) checked.assumptions = code.assumptions;
      const note =
        notes.get(resource.id) ??
        (resource.type === 'kms-key' && resource.keyManager === 'AWS'
          ? `AWS-managed key (policy Id ${resource.policy.id}): AWS owns its policy; key rules do not apply${options.rcps ? ' (nor do RCPs)' : ''}`
          : undefined);
      if (note !== undefined) checked.note = note;
      results.push(checked);
    }
  }
  const report: CheckReport = {
    results,
    problems,
    summary: summarize(options.files.length, results, problems),
  };
  if (options.rcps) {
    const keyTags = options.keyTags ?? {};
    report.rcps = { policies: options.rcps.map((r) => r.name), keyTags, assumption: rcpAssumption(keyTags) };
  }
  return report;
}

const KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/** Fill in the account and Region the input did not say; a key with a key id gets its ARN. */
function locate(resource: Resource, where: { account?: string; region?: string }): void {
  if (resource.account === undefined && where.account) resource.account = where.account;
  if (resource.region === undefined && where.region) resource.region = where.region;
  if (
    resource.type === 'kms-key' &&
    !resource.arn &&
    resource.account &&
    resource.region &&
    KEY_ID.test(resource.id)
  )
    resource.arn = `arn:${partitionOf(resource.region)}:kms:${resource.region}:${resource.account}:key/${resource.id}`;
}

/**
 * A resource declared by infrastructure code: only the rules about what it declares are reported
 * (a policy attachment says nothing of private DNS), and a rule whose verdict depends on a value
 * not known before deploy is a finding with proof `unproven` naming that value: never compliant
 * because a value was unknown, and no witness built from a stand-in.
 */
function beforeDeploy(verdict: Verdict, code: IacResource): Verdict {
  const results = verdict.results
    .filter((x) => code.rules === undefined || code.rules.includes(x.rule))
    .map((x) => {
      const names = code.unknown[x.rule];
      if (names === undefined || (x.status !== 'compliant' && x.status !== 'finding')) return x;
      const rule = ruleById(x.rule);
      const finding: Finding = {
        rule: x.rule,
        severity: rule.severity,
        message: `cannot be judged before deploy: the verdict depends on ${names.join(', ')}`,
        statements: [],
        proof: 'unproven',
        reason: `not known before deploy: ${names.join(', ')}`,
      };
      return { rule: x.rule, status: 'finding' as const, findings: [finding] };
    });
  return { resource: verdict.resource, results };
}

/**
 * One input file: infrastructure code (recognised by content, unless `--kind` says the file is a
 * policy or an API response) with the declarations its resources came from, or a policy/API input.
 */
function loadFile(
  f: { name: string; text: string; account?: string; region?: string },
  target: DeployTarget,
  kind: InputKind | undefined,
): { input: LoadedInput; declared: Map<Resource, IacResource> } {
  const fileTarget = {
    ...target,
    ...(f.account !== undefined ? { account: f.account } : {}),
    ...(f.region !== undefined ? { region: f.region } : {}),
  };
  const iac = kind === undefined ? readIacText(f.name, f.text, fileTarget) : undefined;
  const declared = new Map<Resource, IacResource>();
  if (!iac) return { input: readInputText(f.name, f.text, kind), declared };
  for (const r of iac.resources) declared.set(r.resource, r);
  return {
    input: {
      file: f.name,
      shape: iac.shape,
      resources: iac.resources.map((r) => r.resource),
      problems: iac.problems.map((p) => ({ file: f.name, ...p })),
      notes: iac.notes,
    },
    declared,
  };
}

/** A policy file holds a key's policy, not its grants or rotation status: those rules are `not-read`. */
function offline(resource: Resource): Resource {
  if (resource.type !== 'kms-key') return resource;
  const unread = EXTRA_KEY_READS.filter((read) => resource[read] === undefined);
  return unread.length > 0 ? { ...resource, unread } : resource;
}

function summarize(files: number, results: CheckedResource[], problems: InputProblem[]): CheckSummary {
  const byRule: Record<string, number> = {};
  let findings = 0;
  let exempt = 0;
  let withFindings = 0;
  for (const r of results) {
    const fs = findingsOf(r);
    if (fs.length > 0) withFindings++;
    for (const f of fs) {
      findings++;
      byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
    }
    exempt += r.verdict.results.filter((x) => x.status === 'exempt').length;
  }
  return {
    files,
    resources: results.length,
    resourcesWithFindings: withFindings,
    findings,
    exempt,
    inputErrors: problems.length,
    byRule,
  };
}

/**
 * SPEC §5: 2 input errors (nothing in those files was judged), else 1 when a finding is at or above
 * `failOn` (default low: any finding), else 0. Offline, every resource read is judged, so `check`
 * never answers 3.
 */
export function exitCodeOf(report: CheckReport, failOn: Severity = 'low'): ExitCode {
  return exitStatus({
    errors: report.problems.length > 0,
    failing: report.results.some((r) => findingsOf(r).some((f) => failsAt(f.severity, failOn))),
  });
}
