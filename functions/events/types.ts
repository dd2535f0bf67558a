import type { Issue } from '../policy/types.js';

export type { Issue };

/** Which handler a trigger belongs to (SPEC.md §5: one handler per trigger family). */
export type TriggerFamily = 'endpoint' | 'key';

export type EndpointEventName = 'CreateVpcEndpoint' | 'ModifyVpcEndpoint' | 'CreateTags';
export type KeyEventName = 'PutKeyPolicy' | 'CreateKey' | 'ReplicateKey' | 'CreateGrant' | 'TagResource';

/** Events that only add tags: a trigger only when they set the exemption tag (alerted once). */
export const TAGGING_EVENTS: readonly TriggerEventName[] = ['CreateTags', 'TagResource'];
export type TriggerEventName = EndpointEventName | KeyEventName;

/**
 * How a record names a KMS key. `alias` covers both `alias/name` and alias ARNs: either must be
 * resolved with DescribeKey first, because GetKeyPolicy and PutKeyPolicy accept only a key id or
 * key ARN (https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html).
 */
type KeyRefKind = 'id' | 'arn' | 'alias';

export interface KeyRef {
  kind: KeyRefKind;
  value: string;
}

interface TriggerBase {
  /** CloudTrail `eventID` (not the EventBridge envelope `id`): the correlation id for logs and alerts. */
  eventId: string;
  /** CloudTrail `eventTime` exactly as recorded (normally ISO 8601 UTC). */
  eventTime: string;
  /** The account that owns the resource, always as a 12-digit string. */
  account: string;
  region: string;
  /** `userIdentity.arn`: who made the change. */
  actorArn?: string;
  /** `userIdentity.invokedBy`: the AWS service that made the call on the actor's behalf. */
  invokedBy?: string;
  /** `userIdentity.sessionContext.sessionIssuer.arn`: the role behind an assumed-role session. */
  sessionIssuerArn?: string;
  /** What to re-read: `vpce-...` ids, or the one key reference (same value as `keyRef.value`). */
  resourceIds: string[];
  /**
   * The policy text the request wrote (PutKeyPolicy/CreateKey `policy`, EC2 `PolicyDocument`), when
   * the record carries it. Informative only: the handler re-reads the live policy.
   */
  policyText?: string;
  /** Tags the request set (TagResource, CreateTags, CreateKey `tags`). */
  tags?: { key: string; value: string }[];
}

export interface EndpointTrigger extends TriggerBase {
  family: 'endpoint';
  eventName: EndpointEventName;
  /** Endpoint service (e.g. `com.amazonaws.us-east-1.kms`) when the record shows it (CreateVpcEndpoint). */
  serviceName?: string;
  keyRef?: undefined;
}

export interface KeyTrigger extends TriggerBase {
  family: 'key';
  eventName: KeyEventName;
  keyRef: KeyRef;
  serviceName?: undefined;
}

export type Trigger = EndpointTrigger | KeyTrigger;

/**
 * Why an event is not a trigger: an event of another service or API (`other-event`), an
 * EventBridge event that is not a CloudTrail API call (`other-detail-type`), or a failed call
 * (`failed-call`, the record has an `errorCode`).
 */
export type IgnoredCode = 'other-event' | 'other-detail-type' | 'failed-call';

export type TriggerResult =
  | { kind: 'trigger'; trigger: Trigger }
  | { kind: 'ignored'; code: IgnoredCode; reason: string; eventId?: string }
  | { kind: 'invalid'; issues: Issue[]; eventId?: string };
