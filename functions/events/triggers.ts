/**
 * CloudTrail event → trigger: which resource to re-read, in which account and region, and who
 * changed it. An event is a trigger, never the truth (SPEC.md §5): nothing here decides compliance.
 * `parseTrigger` never throws; every outcome is a value.
 */
import { type Claims, settle } from './claims.js';
import {
  type EndpointIds,
  readEndpointIds,
  readTaggedEndpoints,
  tagsVpcEndpoint,
} from './endpoint-claims.js';
import {
  CLOUDTRAIL_DETAIL_TYPE,
  type CloudTrailRecord,
  cloudTrailRecordSchema,
  describe,
  eventBridgeEnvelopeSchema,
  isJsonObject,
  normalizeAccountId,
  zodIssues,
} from './envelope.js';
import { type KeyIds, readKeyRef } from './key-claims.js';
import type {
  EndpointEventName,
  IgnoredCode,
  Issue,
  KeyEventName,
  Trigger,
  TriggerEventName,
  TriggerFamily,
  TriggerResult,
} from './types.js';

export interface TriggerEventSpec {
  family: TriggerFamily;
  /** CloudTrail `eventSource` of the API. */
  eventSource: string;
  /** EventBridge `source` of its "AWS API Call via CloudTrail" events. */
  source: string;
}

/** The CloudTrail events the guard reacts to (SPEC.md §5), by `eventName`. */
export const TRIGGER_EVENTS: { readonly [N in TriggerEventName]: TriggerEventSpec } = {
  CreateVpcEndpoint: { family: 'endpoint', eventSource: 'ec2.amazonaws.com', source: 'aws.ec2' },
  ModifyVpcEndpoint: { family: 'endpoint', eventSource: 'ec2.amazonaws.com', source: 'aws.ec2' },
  PutKeyPolicy: { family: 'key', eventSource: 'kms.amazonaws.com', source: 'aws.kms' },
  CreateKey: { family: 'key', eventSource: 'kms.amazonaws.com', source: 'aws.kms' },
  // A new replica of a multi-Region key, with its own key policy, in the replica region; the event
  // is recorded in the primary key's region.
  ReplicateKey: { family: 'key', eventSource: 'kms.amazonaws.com', source: 'aws.kms' },
  // A grant gives access the key policy does not show (key-no-external-grantees): judge the key's
  // grants again. https://docs.aws.amazon.com/kms/latest/developerguide/ct-creategrant.html
  CreateGrant: { family: 'key', eventSource: 'kms.amazonaws.com', source: 'aws.kms' },
  // Tagging: the exemption tag is set this way; each new exemption is alerted once, by its event.
  TagResource: { family: 'key', eventSource: 'kms.amazonaws.com', source: 'aws.kms' },
  CreateTags: { family: 'endpoint', eventSource: 'ec2.amazonaws.com', source: 'aws.ec2' },
};

function isTriggerEventName(name: string): name is TriggerEventName {
  return Object.hasOwn(TRIGGER_EVENTS, name);
}

/**
 * Reads an EventBridge "AWS API Call via CloudTrail" event, or a bare CloudTrail record, and says
 * what the guard must re-read. Other services and APIs, other detail-types and failed calls are
 * `ignored`; anything it cannot understand is `invalid`, with JSON paths. Never throws.
 */
export function parseTrigger(event: unknown): TriggerResult {
  try {
    return parse(event);
  } catch (error) {
    // Only reachable through exotic inputs (getters, proxies): still a value, never an exception.
    return invalid([{ path: '$', message: `unreadable event: ${errorMessage(error)}` }], safeEventId(event));
  }
}

function parse(event: unknown): TriggerResult {
  if (!isJsonObject(event)) {
    return invalid([{ path: '$', message: `expected a JSON object, got ${describe(event)}` }]);
  }
  const located = locateRecord(event);
  if ('kind' in located) return located;
  const { record, base, isEnvelope } = located;

  const eventId = eventIdOf(record);
  const eventName = routeRecord(record, base, eventId);
  if (typeof eventName !== 'string') return eventName;

  const read = readRecord(event, record, base, isEnvelope, eventName, eventId);
  if ('kind' in read) return read;
  const { parsedRecord, claims, issues } = read;

  if (eventName === 'CreateTags' && !tagsVpcEndpoint(parsedRecord)) {
    // CreateTags tags any EC2 resource; only VPC endpoints concern the guard.
    return ignored('other-event', 'CreateTags names no VPC endpoint', eventId);
  }
  const resource =
    TRIGGER_EVENTS[eventName].family === 'endpoint'
      ? eventName === 'CreateTags'
        ? readTaggedEndpoints(parsedRecord, base)
        : readEndpointIds(parsedRecord, base)
      : readKeyRef(parsedRecord, base);
  issues.push(...resource.issues);
  claims.accounts.push(...resource.accounts);
  // ReplicateKey is recorded in the primary key's region (awsRegion, the envelope's region) but
  // names a key in the replica region: the replica's own claims say where to read.
  if (eventName === 'ReplicateKey') claims.regions.length = 0;
  claims.regions.push(...resource.regions);

  const account = settle(claims.accounts, 'account', issues) ?? fallbackAccount(parsedRecord, base, issues);
  const region = settle(claims.regions, 'region', issues);
  if (region === undefined) {
    issues.push({
      path: `${base}.awsRegion`,
      message: 'no region in the event (awsRegion or envelope region)',
    });
  }
  if (issues.length > 0 || account === undefined || region === undefined) return invalid(issues, eventId);
  return { kind: 'trigger', trigger: buildTrigger(eventName, parsedRecord, resource, account, region) };
}

/** Where the CloudTrail record is: the event itself, or the `detail` of an EventBridge envelope. */
interface LocatedRecord {
  record: Record<string, unknown>;
  /** JSON path of the record in the event. */
  base: string;
  isEnvelope: boolean;
}

/** The CloudTrail record of an event; an envelope of another detail-type is `ignored`. */
function locateRecord(event: Record<string, unknown>): LocatedRecord | TriggerResult {
  const isEnvelope = Object.hasOwn(event, 'detail') || Object.hasOwn(event, 'detail-type');
  let record: Record<string, unknown> = event;
  let base = '$';
  if (isEnvelope) {
    const detailType = event['detail-type'];
    const detailId = isJsonObject(event.detail) ? eventIdOf(event.detail) : undefined;
    if (typeof detailType !== 'string') {
      return invalid(
        [{ path: "$['detail-type']", message: `expected a string, got ${describe(detailType)}` }],
        detailId,
      );
    }
    if (detailType !== CLOUDTRAIL_DETAIL_TYPE) {
      return ignored(
        'other-detail-type',
        `detail-type "${detailType}" is not "${CLOUDTRAIL_DETAIL_TYPE}"`,
        detailId,
      );
    }
    if (!isJsonObject(event.detail)) {
      return invalid([
        {
          path: '$.detail',
          message: `expected the CloudTrail record (an object), got ${describe(event.detail)}`,
        },
      ]);
    }
    record = event.detail;
    base = '$.detail';
  }
  return { record, base, isEnvelope };
}

/** The trigger event a record is a successful call of; other APIs and failed calls are `ignored`. */
function routeRecord(
  record: Record<string, unknown>,
  base: string,
  eventId: string | undefined,
): TriggerEventName | TriggerResult {
  const { eventName, eventSource, errorCode } = record;
  const routing: Issue[] = [];
  if (typeof eventName !== 'string' || eventName === '') {
    routing.push({
      path: `${base}.eventName`,
      message: `expected a non-empty string, got ${describe(eventName)}`,
    });
  }
  if (typeof eventSource !== 'string' || eventSource === '') {
    routing.push({
      path: `${base}.eventSource`,
      message: `expected a non-empty string, got ${describe(eventSource)}`,
    });
  }
  if (routing.length > 0 || typeof eventName !== 'string' || typeof eventSource !== 'string') {
    return invalid(routing, eventId);
  }
  if (!isTriggerEventName(eventName) || TRIGGER_EVENTS[eventName].eventSource !== eventSource) {
    return ignored('other-event', `${eventSource} ${eventName} is not a guard trigger`, eventId);
  }
  // SPEC.md §5: failed calls changed nothing. A successful call has no errorCode (some exporters
  // write null); EC2 codes carry a `Client.`/`Server.` prefix, KMS codes do not.
  if (typeof errorCode === 'string' && errorCode !== '') {
    return ignored('failed-call', `${eventName} failed with errorCode ${errorCode}`, eventId);
  }
  return eventName;
}

/** A record checked against its schema, with the account and region claims it and its envelope make. */
interface ReadRecord {
  parsedRecord: CloudTrailRecord;
  claims: Claims;
  issues: Issue[];
}

function readRecord(
  event: Record<string, unknown>,
  record: Record<string, unknown>,
  base: string,
  isEnvelope: boolean,
  eventName: TriggerEventName,
  eventId: string | undefined,
): ReadRecord | TriggerResult {
  const spec = TRIGGER_EVENTS[eventName];
  let parsedRecord: CloudTrailRecord;
  const claims: Claims = { accounts: [], regions: [] };
  const issues: Issue[] = [];
  if (isEnvelope) {
    const parsed = eventBridgeEnvelopeSchema.safeParse(event);
    if (!parsed.success) return invalid(zodIssues(parsed.error), eventId);
    parsedRecord = parsed.data.detail;
    if (parsed.data.source !== spec.source) {
      issues.push({ path: '$.source', message: `expected "${spec.source}" for ${eventName}` });
    }
    claims.accounts.push({ value: parsed.data.account, path: '$.account' });
    claims.regions.push({ value: parsed.data.region, path: '$.region' });
  } else {
    const parsed = cloudTrailRecordSchema.safeParse(record);
    if (!parsed.success) return invalid(zodIssues(parsed.error), eventId);
    parsedRecord = parsed.data;
  }
  if (parsedRecord.recipientAccountId) {
    claims.accounts.push({ value: parsedRecord.recipientAccountId, path: `${base}.recipientAccountId` });
  }
  if (parsedRecord.awsRegion)
    claims.regions.push({ value: parsedRecord.awsRegion, path: `${base}.awsRegion` });
  return { parsedRecord, claims, issues };
}

/** The trigger of a record whose resource, account and region are settled. */
function buildTrigger(
  eventName: TriggerEventName,
  parsedRecord: CloudTrailRecord,
  resource: EndpointIds | KeyIds,
  account: string,
  region: string,
): Trigger {
  const identity = parsedRecord.userIdentity;
  const common = {
    eventId: parsedRecord.eventID,
    eventTime: parsedRecord.eventTime,
    account,
    region,
    ...optional('actorArn', identity?.arn),
    ...optional('invokedBy', identity?.invokedBy),
    ...optional('sessionIssuerArn', identity?.sessionContext?.sessionIssuer?.arn),
    ...optional('policyText', resource.policyText),
    ...(resource.tags ? { tags: resource.tags } : {}),
  };
  let trigger: Trigger;
  if (resource.kind === 'endpoint') {
    trigger = {
      family: 'endpoint',
      eventName: eventName as EndpointEventName,
      ...common,
      resourceIds: resource.ids,
      ...optional('serviceName', resource.serviceName),
    };
  } else {
    trigger = {
      family: 'key',
      eventName: eventName as KeyEventName,
      ...common,
      resourceIds: [resource.keyRef.value],
      keyRef: resource.keyRef,
    };
  }
  return trigger;
}

/**
 * Trimmed records (console exports) may carry neither envelope nor recipientAccountId nor a
 * resource ARN. The caller's account is then the resource's: none of the four trigger APIs acts
 * across accounts (e.g. PutKeyPolicy "Cross-account use: No",
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html).
 */
function fallbackAccount(record: CloudTrailRecord, base: string, issues: Issue[]): string | undefined {
  const raw = record.userIdentity?.accountId;
  const path = `${base}.userIdentity.accountId`;
  if (raw === undefined || raw === null) {
    issues.push({
      path: `${base}.recipientAccountId`,
      message: 'no account id in the event (envelope account, recipientAccountId, resource ARN or owner)',
    });
    return undefined;
  }
  const account = normalizeAccountId(raw);
  if (account === undefined) {
    issues.push({ path, message: `expected a 12-digit AWS account id, got ${JSON.stringify(raw)}` });
  }
  return account;
}

function optional<K extends string>(key: K, value: string | null | undefined): { [P in K]?: string } {
  return (typeof value === 'string' && value !== '' ? { [key]: value } : {}) as { [P in K]?: string };
}

function eventIdOf(record: Record<string, unknown>): string | undefined {
  const id = record.eventID;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function safeEventId(event: unknown): string | undefined {
  try {
    if (!isJsonObject(event)) return undefined;
    return eventIdOf(isJsonObject(event.detail) ? event.detail : event);
  } catch {
    return undefined;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function invalid(issues: Issue[], eventId?: string): TriggerResult {
  return { kind: 'invalid', issues, ...(eventId !== undefined ? { eventId } : {}) };
}

function ignored(code: IgnoredCode, reason: string, eventId?: string): TriggerResult {
  return { kind: 'ignored', code, reason, ...(eventId !== undefined ? { eventId } : {}) };
}
