/**
 * Inputs and outputs of the alert builders (SPEC.md §5 "Alerts"). The documents are the public,
 * versioned contract with subscribers: `schema/finding-alert.v1.schema.json` describes them.
 */
import type { Witness } from '../policy/types.js';
import type { KeyGrant } from '../rules/reads.js';
import type {
  Finding,
  FindingExample,
  Proof,
  RemediationPlan,
  Resource,
  ResourceType,
  RuleId,
  Severity,
} from '../rules/types.js';
import type { SweepDigest } from './digest.js';

/** What happened to a finding that is alerted on (exempt findings are never alerted). */
export type AlertStatus = 'alerted' | 'remediated' | 'remediation-failed' | 'dry-run';

const ALERT_STATUSES: readonly AlertStatus[] = ['alerted', 'remediated', 'remediation-failed', 'dry-run'];

/** The CloudTrail event that made the guard look, when the run was event-driven. */
export interface AlertTrigger {
  /** CloudTrail `eventID`. */
  eventId: string;
  eventName: string;
  /** `userIdentity.arn`: who made the change. */
  actorArn?: string;
  /** CloudTrail `eventTime`, as recorded. */
  eventTime?: string;
}

interface AlertRemediation {
  plan: RemediationPlan;
  /**
   * Why the remediation was refused or failed (status `remediation-failed`), or why it was not
   * attempted (status `alerted`). A `none` plan's own reason is used when this is absent.
   */
  reason?: string;
}

/** One alert: one resource and one rule, with that rule's findings on it. */
export interface FindingAlertInput {
  resource: Resource;
  rule: RuleId;
  /** The rule's findings on the resource (at least one, all of `rule`). */
  findings: Finding[];
  status: AlertStatus;
  /** Defaults to the highest severity among `findings`. */
  severity?: Severity;
  remediation?: AlertRemediation;
  trigger?: AlertTrigger;
  /** When the guard decided (defaults to now). */
  time?: Date | string;
}

/** Statuses counted in a sweep summary: the alert statuses, plus what was not alerted. */
export type SummaryStatus = AlertStatus | 'exempt' | 'compliant';

export const SUMMARY_STATUSES: readonly SummaryStatus[] = [...ALERT_STATUSES, 'exempt', 'compliant'];

interface SweepError {
  account?: string;
  region?: string;
  /** e.g. "cannot assume arn:aws:iam::444455556666:role/KmsPerimeterGuardMember: AccessDenied". */
  message: string;
}

export interface SweepSummaryInput {
  sweepId?: string;
  startedAt?: Date | string;
  finishedAt?: Date | string;
  dryRun?: boolean;
  accounts: string[];
  regions: string[];
  /** Resources judged, by type. */
  resources?: Partial<Record<ResourceType, number>>;
  /** Resources per rule and status. */
  counts: Partial<Record<RuleId, Partial<Record<SummaryStatus, number>>>>;
  errors?: SweepError[];
  /** With the findings ledger: what changed since the last sweep, and the top open findings. */
  digest?: SweepDigest;
  /** The summary's severity attribute; defaults to `info`. */
  severity?: Severity | 'info';
  /** When the summary was built (defaults to now). */
  time?: Date | string;
}

/** Where the guard stopped when it raises an error alert. */
type ErrorStage = 'event' | 'assume-role' | 'read' | 'judge' | 'remediate' | 'publish' | 'ledger';

/** The guard could not judge or fix something: subscribers must know, or a gap goes unseen. */
export interface ErrorAlertInput {
  stage: ErrorStage;
  message: string;
  /** AWS error code, when an AWS call failed. */
  code?: string;
  account?: string;
  region?: string;
  resource?: AlertResourceDoc;
  trigger?: AlertTrigger;
  /** Defaults to `high`: an unjudged resource may hide anything. */
  severity?: Severity;
  time?: Date | string;
}

export interface ErrorAlertDocument {
  schemaVersion: '1';
  kind: 'error';
  product: 'kms-perimeter-guard';
  time: string;
  severity: Severity;
  stage: ErrorStage;
  message: string;
  code?: string;
  account?: string;
  region?: string;
  resource?: AlertResourceDoc;
  trigger?: AlertTrigger;
}

export interface AlertOptions {
  /**
   * The topic's maximum message size in bytes (body and attributes). SNS's default is 256 KiB;
   * a topic's MaximumMessageSize can raise it (https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html).
   */
  maxMessageBytes?: number;
}

export type AlertAttributeName =
  | 'kind'
  | 'severity'
  | 'rule'
  | 'account'
  | 'region'
  | 'resourceType'
  | 'status';

export interface StringAttribute {
  DataType: 'String';
  StringValue: string;
}

/**
 * One SNS PublishBatch entry; structurally a `PublishBatchRequestEntry` of @aws-sdk/client-sns
 * (this module imports no SDK: adapters pass the entries through).
 */
export interface AlertEntry {
  /** Unique within a batch; up to 80 characters of `[A-Za-z0-9_-]`. */
  Id: string;
  Subject: string;
  /** JSON text: `{"default": text, "email": text, "sqs"|"lambda"|"http"|"https": document JSON}`. */
  Message: string;
  MessageStructure: 'json';
  MessageAttributes: Record<AlertAttributeName, StringAttribute>;
}

/** How the builder shortened a document to fit the SNS limit. */
export interface AlertTruncation {
  limitBytes: number;
  findingsTotal?: number;
  findingsIncluded?: number;
  statementsTotal?: number;
  statementsIncluded?: number;
  plannedPolicyOmitted?: boolean;
  errorsTotal?: number;
  errorsIncluded?: number;
  accountsTotal?: number;
  accountsIncluded?: number;
  stringsClipped?: boolean;
}

export interface AlertResourceDoc {
  type: ResourceType;
  id: string;
  arn?: string;
  account?: string;
  region?: string;
}

export interface AlertFindingDoc {
  message: string;
  statements: string[];
  proof: Proof;
  witness?: Witness;
  /** Proof `example`: a request the statement mishandles and AWS's decision for it. */
  example?: FindingExample;
  /** key-no-external-grantees: the grant, as ListGrants returned it. */
  grant?: KeyGrant;
  reason?: string;
}

export type RemediationOutcome = 'applied' | 'failed' | 'dry-run' | 'not-attempted';

export interface AlertRemediationDoc {
  outcome: RemediationOutcome;
  action: 'PutKeyPolicy' | 'ModifyVpcEndpoint' | 'RevokeGrant' | 'none';
  summary: string;
  /** RevokeGrant: the grants revoked (or to be revoked). */
  grantIds?: string[];
  reason?: string;
  guardSids: string[];
  vpcEndpointId?: string;
  privateDnsEnabled?: boolean;
  /** The complete new key policy or endpoint policy document, unless omitted to fit. */
  plannedPolicy?: Record<string, unknown>;
  /** Size of the planned policy's compact JSON, in bytes. */
  plannedPolicyBytes?: number;
}

export interface FindingAlertDocument {
  schemaVersion: '1';
  kind: 'finding';
  product: 'kms-perimeter-guard';
  time: string;
  rule: RuleId;
  severity: Severity;
  status: AlertStatus;
  resource: AlertResourceDoc;
  findings: AlertFindingDoc[];
  remediation?: AlertRemediationDoc;
  trigger?: AlertTrigger;
  truncated?: AlertTruncation;
}

export interface SummaryAlertDocument {
  schemaVersion: '1';
  kind: 'summary';
  product: 'kms-perimeter-guard';
  time: string;
  severity: Severity | 'info';
  sweep: { id?: string; startedAt?: string; finishedAt?: string; dryRun?: boolean };
  scope: { accounts: string[]; regions: string[] };
  resources: Partial<Record<ResourceType, number>>;
  counts: Partial<Record<RuleId, Partial<Record<SummaryStatus, number>>>>;
  totals: Partial<Record<SummaryStatus, number>>;
  errors: SweepError[];
  digest?: SweepDigest;
  truncated?: AlertTruncation;
}

/**
 * Something subscribers must hear about that is neither a finding nor an error: a policy change
 * that is no longer in force because a later write replaced it, an exemption granted or refused, a
 * finding the ledger held open that is no longer found (resolved).
 */
export type NoticeKind =
  | 'policy-change-overwritten'
  | 'exemption-granted'
  | 'exemption-ignored'
  | 'finding-resolved';

export interface NoticeAlertInput {
  notice: NoticeKind;
  message: string;
  severity: Severity;
  account: string;
  region: string;
  resource: AlertResourceDoc;
  /** The rules concerned (exemptions). */
  rules?: RuleId[];
  trigger?: AlertTrigger;
  /** Statement labels or texts that matter (the overwritten change's missing statements). */
  details?: string[];
  time?: Date | string;
}

export interface NoticeAlertDocument {
  schemaVersion: '1';
  kind: 'notice';
  product: 'kms-perimeter-guard';
  time: string;
  severity: Severity;
  notice: NoticeKind;
  message: string;
  account: string;
  region: string;
  resource: AlertResourceDoc;
  rules?: RuleId[];
  trigger?: AlertTrigger;
  details?: string[];
}

export type AlertDocument =
  | FindingAlertDocument
  | SummaryAlertDocument
  | ErrorAlertDocument
  | NoticeAlertDocument;
