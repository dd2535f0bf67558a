/**
 * The guard's typed errors, in one place, all `GuardError`s. Each carries `cause` (the error it wraps)
 * so logs keep the whole chain; the pure core never throws these for bad input (it returns `Result`
 * values), the edges (config loading, CLI input reading, AWS adapters, handlers) do.
 */

/** How the guard treats an AWS error; see `adapters/errors.ts` for the codes behind each class. */
export type AwsErrorClassification =
  | 'throttling'
  | 'transient'
  | 'not-found'
  | 'access-denied'
  | 'invalid-state'
  | 'permanent';

export type AwsService =
  | 'kms'
  | 'ec2'
  | 'sns'
  | 'sts'
  | 'organizations'
  | 'sqs'
  | 's3'
  | 'cloudtrail'
  | 'securityhub'
  | 'events';

/**
 * The base of every typed error of the guard (`err instanceof GuardError`). Each subclass names
 * itself with a literal (`override name = 'ConfigError'`; the compiler insists): the bundles are
 * minified, so the class's own name is not there to be read at run time. `cause` is kept.
 */
export abstract class GuardError extends Error {
  abstract override name: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The configuration (GUARD_CONFIG, GUARD_CONFIG_FILE, --config) is invalid; `issues` name each field. */
export class ConfigError extends GuardError {
  override name = 'ConfigError';
  /** Where the config came from: a file path or an environment variable name. */
  readonly source: string;
  readonly issues: { path: string; message: string }[];
  constructor(source: string, issues: { path: string; message: string }[], options?: { cause?: unknown }) {
    super(
      `invalid configuration in ${source}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
      options,
    );
    this.source = source;
    this.issues = issues;
  }
}

/** An input file (policy, GetKeyPolicy response, VPC endpoint) cannot be judged; names the JSON path. */
export class InputError extends GuardError {
  override name = 'InputError';
  readonly file: string;
  readonly path: string;
  constructor(file: string, path: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${path}: ${message}`, options);
    this.file = file;
    this.path = path;
  }
}

/** The findings ledger (DynamoDB) could not be read or written; alerts go out without it. */
export class LedgerError extends GuardError {
  override name = 'LedgerError';
}

/** Bad command-line usage (unknown flag, missing value, no input files). */
export class UsageError extends GuardError {
  override name = 'UsageError';
}

export interface AwsCallErrorOptions {
  service: AwsService;
  operation: string;
  code: string;
  classification: AwsErrorClassification;
  message?: string;
  httpStatusCode?: number;
  requestId?: string;
  /** The key id, endpoint id, VPC id, topic or role the call was about. */
  resourceId?: string;
  cause?: unknown;
}

/** An AWS call that failed, with what the guard needs to decide: retry, end quietly, alert, or throw. */
export class AwsCallError extends GuardError {
  override name = 'AwsCallError';
  readonly service: AwsService;
  readonly operation: string;
  readonly code: string;
  readonly classification: AwsErrorClassification;
  readonly retryable: boolean;
  readonly httpStatusCode?: number;
  readonly requestId?: string;
  readonly resourceId?: string;

  constructor(options: AwsCallErrorOptions) {
    const detail = options.message ? `: ${options.message}` : '';
    const about = options.resourceId ? ` (${options.resourceId})` : '';
    super(`${options.service}:${options.operation}${about} failed with ${options.code}${detail}`, {
      cause: options.cause,
    });
    this.service = options.service;
    this.operation = options.operation;
    this.code = options.code;
    this.classification = options.classification;
    this.retryable = options.classification === 'throttling' || options.classification === 'transient';
    if (options.httpStatusCode !== undefined) this.httpStatusCode = options.httpStatusCode;
    if (options.requestId !== undefined) this.requestId = options.requestId;
    if (options.resourceId !== undefined) this.resourceId = options.resourceId;
  }
}

/** The resource does not exist (deleted, or not yet visible): events for it end quietly. */
export class ResourceNotFoundError extends AwsCallError {
  override name = 'ResourceNotFoundError';
}

export type RoleAssumptionFailure = 'access-denied' | 'invalid-account' | 'failed';

/** The member-account role could not be assumed; the alert must say so (and which role). */
export class RoleAssumptionError extends GuardError {
  override name = 'RoleAssumptionError';
  readonly account: string;
  readonly roleArn: string;
  readonly reason: RoleAssumptionFailure;

  constructor(options: {
    account: string;
    roleArn: string;
    reason: RoleAssumptionFailure;
    message: string;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.account = options.account;
    this.roleArn = options.roleArn;
    this.reason = options.reason;
  }
}

/**
 * Judging or planning one resource took longer than its analysis budget (`analysisBudgetMs`): the
 * finding becomes `unproven` ("analysis budget exceeded"), remediation is refused, the run goes on.
 */
export class AnalysisBudgetError extends GuardError {
  override name = 'AnalysisBudgetError';
  readonly budgetMs: number;
  constructor(budgetMs: number) {
    super(`analysis budget exceeded (${budgetMs} ms)`);
    this.budgetMs = budgetMs;
  }
}

/**
 * Alerts could be neither published (SNS, after its retries) nor kept in the undelivered-alerts
 * queue. Thrown so the invocation fails (Lambda retries it; the errors alarm fires) rather than
 * reporting success with alerts lost.
 */
export class AlertDeliveryError extends GuardError {
  override name = 'AlertDeliveryError';
  readonly count: number;
  constructor(count: number, reason: string, options?: { cause?: unknown }) {
    super(`${count} alerts could not be delivered: ${reason}`, options);
    this.count = count;
  }
}

/**
 * The CLI's run cannot work at all (no credentials; the endpoint answers nothing an AWS API would):
 * it stops at once, with one sentence (exit 2).
 */
export class EndpointError extends GuardError {
  override name = 'EndpointError';
}

/** A JSON syntax error at `offset` of the text being scanned (`cli/json-text.ts`). */
export class JsonSyntaxError extends GuardError {
  override name = 'JsonSyntaxError';
  constructor(
    readonly offset: number,
    readonly what: string,
  ) {
    super(what);
  }
}

/** An SQS message the sweep worker received is not a sweep message; it goes back to the queue. */
export class SweepMessageError extends GuardError {
  override name = 'SweepMessageError';
  readonly messageId: string;
  constructor(messageId: string, reason: string) {
    super(`message ${messageId} is not a sweep message: ${reason}`);
    this.messageId = messageId;
  }
}

/**
 * A sweep worker stopped an account-region before its end (the function's time was running out):
 * the message goes back to the queue and the account-region is swept again.
 */
export class SweepIncompleteError extends GuardError {
  override name = 'SweepIncompleteError';
  readonly notStarted: number;
  constructor(account: string, region: string, notStarted: number) {
    super(`sweep of ${account}/${region} stopped with ${notStarted} resources not started`);
    this.notStarted = notStarted;
  }
}
