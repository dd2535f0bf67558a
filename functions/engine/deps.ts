/**
 * What the pipeline depends on and what it produces: ports (engine/ports.ts), logging, metrics,
 * alert delivery, and the outcome of guarding one resource. Types and constants only.
 */
import type { GuardConfig, RuleId } from '../config/schema.js';
import type { Trigger } from '../events/types.js';
import type { Rcp } from '../policy/rcp-parse.js';
import type { Resource } from '../rules/types.js';
import type { AlertEntry, AlertStatus } from './alert-types.js';
import type { FindingsLedger } from './findings-gate.js';
import type { JudgeStatus, Verdict } from './judge.js';
import type { Ec2Port, KmsPort } from './ports.js';

// ------------------------------------------------------------------------------------------- ports

/**
 * Ports for one account-region; the STS role behind them is assumed lazily and may fail. Each
 * handler wires only the ports its trigger family uses (so its bundle holds only those clients).
 */
export interface GuardPorts {
  kms?(account: string, region: string): Promise<KmsPort>;
  ec2?(account: string, region: string): Promise<Ec2Port>;
}

export function port<K extends keyof GuardPorts>(ports: GuardPorts, name: K): NonNullable<GuardPorts[K]> {
  const p = ports[name];
  if (!p) throw new Error(`the ${name} port is not wired in this handler`);
  return p as NonNullable<GuardPorts[K]>;
}

export interface GuardLog {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

type MetricName =
  | 'Findings'
  | 'RemediationsApplied'
  | 'RemediationsFailed'
  | 'RemediationsRefused'
  | 'DryRunPlans'
  | 'AlertsPublished'
  | 'AlertsFailed'
  | 'GuardErrors'
  | 'EventsIgnored'
  | 'EventsInvalid'
  | 'ResourcesJudged';

export interface GuardMetrics {
  count(name: MetricName, value?: number, rule?: RuleId): void;
}

/**
 * Publishes alert entries (SNS PublishBatch in production, which retries what SNS did not take);
 * returns how many could not be sent and, when known, which (entry `Id`s).
 */
export type Notify = (
  entries: AlertEntry[],
) => Promise<{ failed: number; errors: string[]; failedIds?: string[] }>;

/**
 * Where alerts go that SNS would not take after its retries (a queue in production, watched by an
 * alarm): a remediation is reported at least once even when the topic is unusable.
 */
export type KeepUndelivered = (entries: AlertEntry[], reason: string) => Promise<void>;

/**
 * The RCPs that apply to keys of one account (`organization.rcps: "read"`): the set effective for
 * the account, `none` when RCPs do not apply there (the management account, RCPs not enabled), or
 * why it could not be read (the keys are then judged without RCPs: more findings, never fewer).
 */
export type AccountRcps =
  | { kind: 'rcps'; rcps: Rcp[] }
  | { kind: 'none'; reason: string }
  | { kind: 'error'; reason: string };

export interface PipelineDeps {
  config: GuardConfig;
  /** Absent: keys are judged without RCPs (`organization.rcps: "ignore"`, the default). */
  rcpsFor?: (account: string) => Promise<AccountRcps>;
  ports: GuardPorts;
  notify: Notify;
  /** Absent in the CLI (it publishes nothing) and in tests that do not exercise delivery failures. */
  keepUndelivered?: KeepUndelivered;
  /**
   * False in the CLI, which publishes nothing: no alert document is rendered (an alert is about
   * 8 KB, and a sweep holding one per finding to the end grows with its findings). Absent: rendered.
   */
  renderAlerts?: false;
  /**
   * The findings ledger (the Lambdas, when the table is configured): finding alerts go out on
   * transitions only (`alerts.on`). Absent: every alert is published, as in the CLI.
   */
  findings?: FindingsLedger;
  log: GuardLog;
  metrics: GuardMetrics;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); Math.random by default (tests inject a seeded one). */
  random?: () => number;
}

// ---------------------------------------------------------------------------------------- outcomes

/** What happened to one rule on one resource. */
type RuleOutcomeStatus = JudgeStatus | AlertStatus;

export interface RuleOutcome {
  rule: RuleId;
  status: RuleOutcomeStatus;
  reason?: string;
  /** `remediation-failed` without any write attempted: the planner or prover refused the change. */
  refused?: true;
}

type ResourceStatus = 'judged' | 'gone' | 'skipped' | 'error';

export interface ResourceOutcome {
  type: Resource['type'];
  /** The id the guard was asked about (key id/ARN/alias, endpoint id), or the resolved key id. */
  id: string;
  arn?: string;
  account: string;
  region: string;
  status: ResourceStatus;
  /** Why the resource was skipped, gone, or not judged. */
  reason?: string;
  rules: RuleOutcome[];
  verdict?: Verdict;
  /** Writes made (PutKeyPolicy, ModifyVpcEndpoint). */
  writes: number;
  /** Judge rounds (more than 1 when the resource changed between judging and writing). */
  rounds: number;
  alerts: AlertEntry[];
}

/** The identity part of an outcome, known before the resource is judged. */
export type OutcomeBase = Omit<ResourceOutcome, 'status' | 'rules' | 'writes' | 'rounds' | 'alerts'>;

export interface ResourceContext {
  account: string;
  region: string;
  trigger?: Trigger;
}

/** How many times a resource is re-judged when it keeps changing between read and write. */
export const MAX_JUDGE_ROUNDS = 3;
/** Read-backs after a write before the guard says it could not confirm it (EC2 is eventually consistent). */
export const READ_BACK_DELAY_MS = 1_000;

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
