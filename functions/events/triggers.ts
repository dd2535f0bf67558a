/**
 * CloudTrail event → trigger: which resource to re-read, in which account and region, and who
 * changed it. An event is a trigger, never the truth (SPEC.md §5): nothing here decides compliance.
 * `parseTrigger` never throws; every outcome is a value.
 */
import {
  CLOUDTRAIL_DETAIL_TYPE,
  type CloudTrailRecord,
  cloudTrailRecordSchema,
  describe,
  ec2Bodies,
  ec2Members,
  ec2Strings,
  eventBridgeEnvelopeSchema,
  isJsonObject,
  jsonPath,
  member,
  normalizeAccountId,
  zodIssues,
} from './envelope.js';
import type {
  EndpointEventName,
  IgnoredCode,
  Issue,
  KeyEventName,
  KeyRef,
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
  // Tagging: the exemption tag is set this way; each new exemption is alerted once, by its event.
  TagResource: { family: 'key', eventSource: 'kms.amazonaws.com', source: 'aws.kms' },
  CreateTags: { family: 'endpoint', eventSource: 'ec2.amazonaws.com', source: 'aws.ec2' },
};

function isTriggerEventName(name: string): name is TriggerEventName {
  return Object.hasOwn(TRIGGER_EVENTS, name);
}

/** VPC endpoint ids, as the config schema accepts them. */
const VPCE_ID = /^vpce-[0-9a-f]{8,17}$/;
/** https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id */
const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/([A-Za-z0-9-]+)$/;
const ALIAS_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):alias\/[A-Za-z0-9/_-]+$/;
/** Alias names: `alias/` then letters, digits, `/`, `_`, `-` (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html). */
const ALIAS_NAME = /^alias\/[A-Za-z0-9/_-]+$/;
/** Key ids are UUIDs or `mrk-` + 32 hex digits; anonymised records use placeholders, so only the alphabet is checked. */
const KEY_ID = /^[A-Za-z0-9-]+$/;

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

  const eventId = eventIdOf(record);
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

  if (eventName === 'CreateTags' && !tagsVpcEndpoint(parsedRecord)) {
    // CreateTags tags any EC2 resource; only VPC endpoints concern the guard.
    return ignored('other-event', 'CreateTags names no VPC endpoint', eventId);
  }
  const resource =
    spec.family === 'endpoint'
      ? eventName === 'CreateTags'
        ? readTaggedEndpoints(parsedRecord, base)
        : readEndpointIds(parsedRecord, base)
      : readKeyRef(parsedRecord, base);
  issues.push(...resource.issues);
  claims.accounts.push(...resource.accounts);
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
  return { kind: 'trigger', trigger };
}

interface Claim {
  value: string;
  path: string;
}

interface Claims {
  accounts: Claim[];
  regions: Claim[];
}

interface ResourceClaims {
  issues: Issue[];
  accounts: Claim[];
  regions: Claim[];
  policyText?: string;
  tags?: { key: string; value: string }[];
}

type EndpointIds = ResourceClaims & { kind: 'endpoint'; ids: string[]; serviceName?: string };
type KeyIds = ResourceClaims & { kind: 'key'; keyRef: KeyRef };

/**
 * The VPC endpoint ids of a CreateVpcEndpoint/ModifyVpcEndpoint record: `VpcEndpointId` in the
 * request (ModifyVpcEndpoint), `vpcEndpoint.vpcEndpointId` in the response (CreateVpcEndpoint).
 */
function readEndpointIds(record: CloudTrailRecord, base: string): EndpointIds {
  const out: EndpointIds = { kind: 'endpoint', ids: [], issues: [], accounts: [], regions: [] };
  const idClaims: Claim[] = [];
  let requestedService: string | undefined;
  let responseService: string | undefined;

  if (record.requestParameters) {
    for (const { body, path } of ec2Bodies(record.requestParameters, `${base}.requestParameters`)) {
      const id = member(body, 'VpcEndpointId');
      if (id) {
        const found = ec2Strings(id.value, jsonPath([id.key], path));
        idClaims.push(...found.strings);
        out.issues.push(...found.issues);
      }
      requestedService ??= stringMember(body, 'ServiceName', path, out.issues);
      out.policyText ??= stringMember(body, 'PolicyDocument', path, out.issues);
    }
  }
  if (record.responseElements) {
    for (const { body, path } of ec2Bodies(record.responseElements, `${base}.responseElements`)) {
      const endpoint = member(body, 'vpcEndpoint') ?? member(body, 'vpcEndpointSet');
      if (!endpoint) continue;
      for (const item of ec2Members(endpoint.value, jsonPath([endpoint.key], path))) {
        if (!isJsonObject(item.value)) {
          out.issues.push({ path: item.path, message: `expected an object, got ${describe(item.value)}` });
          continue;
        }
        const id = stringMember(item.value, 'vpcEndpointId', item.path, out.issues);
        if (id !== undefined) idClaims.push({ value: id, path: jsonPath(['vpcEndpointId'], item.path) });
        responseService ??= stringMember(item.value, 'serviceName', item.path, out.issues);
        out.policyText ??= stringMember(item.value, 'policyDocument', item.path, out.issues);
        const owner = member(item.value, 'ownerId');
        if (owner && owner.value !== null && owner.value !== undefined) {
          accountClaim(owner.value, jsonPath([owner.key], item.path), out);
        }
      }
    }
  }

  for (const claim of idClaims) {
    if (!VPCE_ID.test(claim.value)) {
      out.issues.push({ path: claim.path, message: `"${claim.value}" is not a VPC endpoint id (vpce-...)` });
    } else if (!out.ids.includes(claim.value)) {
      out.ids.push(claim.value);
    }
  }
  if (idClaims.length === 0) {
    out.issues.push({
      path: `${base}.requestParameters`,
      message:
        'no VPC endpoint id in the record (request VpcEndpointId or response vpcEndpoint.vpcEndpointId)',
    });
  }
  // The response names the service AWS actually attached; the request what was asked for.
  const serviceName = responseService ?? requestedService;
  if (serviceName !== undefined) out.serviceName = serviceName;
  return out;
}

function tagsVpcEndpoint(record: CloudTrailRecord): boolean {
  return taggedResourceIds(record, '$').ids.some((c) => c.value.startsWith('vpce-'));
}

/** `resourcesSet.items[].resourceId` of a CreateTags record (EC2 sets, see ec2Members). */
function taggedResourceIds(record: CloudTrailRecord, base: string): { ids: Claim[]; issues: Issue[] } {
  const ids: Claim[] = [];
  const issues: Issue[] = [];
  const path = `${base}.requestParameters`;
  const set = record.requestParameters ? member(record.requestParameters, 'resourcesSet') : undefined;
  if (!set) return { ids, issues };
  for (const item of ec2Members(set.value, jsonPath([set.key], path))) {
    if (!isJsonObject(item.value)) continue;
    const id = stringMember(item.value, 'resourceId', item.path, issues);
    if (id !== undefined) ids.push({ value: id, path: jsonPath(['resourceId'], item.path) });
  }
  return { ids, issues };
}

/**
 * A CreateTags record: the VPC endpoints among the tagged resources, and the tags
 * (`requestParameters.tagSet.items[].key/value`).
 */
function readTaggedEndpoints(record: CloudTrailRecord, base: string): EndpointIds {
  const out: EndpointIds = { kind: 'endpoint', ids: [], issues: [], accounts: [], regions: [] };
  const found = taggedResourceIds(record, base);
  out.issues.push(...found.issues);
  for (const claim of found.ids) {
    if (!claim.value.startsWith('vpce-')) continue;
    if (!VPCE_ID.test(claim.value))
      out.issues.push({ path: claim.path, message: `"${claim.value}" is not a VPC endpoint id (vpce-...)` });
    else if (!out.ids.includes(claim.value)) out.ids.push(claim.value);
  }
  const path = `${base}.requestParameters`;
  const tagSet = record.requestParameters ? member(record.requestParameters, 'tagSet') : undefined;
  if (tagSet) {
    const tags: { key: string; value: string }[] = [];
    for (const item of ec2Members(tagSet.value, jsonPath([tagSet.key], path))) {
      if (!isJsonObject(item.value)) continue;
      const key = stringMember(item.value, 'key', item.path, out.issues);
      const value = member(item.value, 'value');
      if (key !== undefined) tags.push({ key, value: typeof value?.value === 'string' ? value.value : '' });
    }
    out.tags = tags;
  }
  return out;
}

/** KMS `tags: [{tagKey, tagValue}]` (TagResource, CreateKey). */
function readKmsTags(params: Record<string, unknown>, path: string, issues: Issue[]) {
  const tags = member(params, 'tags');
  if (!tags || !Array.isArray(tags.value)) return undefined;
  const out: { key: string; value: string }[] = [];
  tags.value.forEach((t, i) => {
    if (!isJsonObject(t)) return;
    const at = jsonPath([tags.key, i], path);
    const key = stringMember(t, 'tagKey', at, issues);
    const value = member(t, 'tagValue');
    if (key !== undefined) out.push({ key, value: typeof value?.value === 'string' ? value.value : '' });
  });
  return out.length > 0 ? out : undefined;
}

/**
 * The key a PutKeyPolicy/CreateKey record names. A key ARN is preferred when the record has one
 * (request `keyId`, CreateKey `keyMetadata.arn`, PutKeyPolicy `responseElements.keyId`, or
 * `resources[].ARN`): it pins account and region, and GetKeyPolicy/DescribeKey accept it.
 */
function readKeyRef(record: CloudTrailRecord, base: string): KeyIds {
  const issues: Issue[] = [];
  const out = { issues, accounts: [] as Claim[], regions: [] as Claim[] };
  const arns: Claim[] = [];
  const ids: Claim[] = [];
  let requested: Claim | undefined;
  let policyText: string | undefined;
  let tags: { key: string; value: string }[] | undefined;

  const reqPath = `${base}.requestParameters`;
  if (record.requestParameters) {
    const keyId = stringMember(record.requestParameters, 'keyId', reqPath, issues);
    if (keyId !== undefined) requested = { value: keyId, path: jsonPath(['keyId'], reqPath) };
    policyText = stringMember(record.requestParameters, 'policy', reqPath, issues);
    tags = readKmsTags(record.requestParameters, reqPath, issues);
  }
  const resPath = `${base}.responseElements`;
  if (record.responseElements) {
    const metadata = member(record.responseElements, 'keyMetadata');
    if (metadata && metadata.value !== null && metadata.value !== undefined) {
      const metaPath = jsonPath([metadata.key], resPath);
      if (!isJsonObject(metadata.value)) {
        issues.push({ path: metaPath, message: `expected an object, got ${describe(metadata.value)}` });
      } else {
        const arn = stringMember(metadata.value, 'arn', metaPath, issues);
        if (arn !== undefined) arns.push({ value: arn, path: jsonPath(['arn'], metaPath) });
        const id = stringMember(metadata.value, 'keyId', metaPath, issues);
        if (id !== undefined) ids.push({ value: id, path: jsonPath(['keyId'], metaPath) });
        const owner = member(metadata.value, 'AWSAccountId');
        if (owner && owner.value !== null && owner.value !== undefined) {
          accountClaim(owner.value, jsonPath([owner.key], metaPath), out);
        }
      }
    }
    const keyId = stringMember(record.responseElements, 'keyId', resPath, issues);
    if (keyId !== undefined) {
      (keyId.startsWith('arn:') ? arns : ids).push({ value: keyId, path: jsonPath(['keyId'], resPath) });
    }
  }
  record.resources?.forEach((resource, i) => {
    const arn = resource.ARN ?? resource.arn;
    if (typeof arn === 'string' && KEY_ARN.test(arn)) {
      arns.push({ value: arn, path: jsonPath([i, resource.ARN ? 'ARN' : 'arn'], `${base}.resources`) });
    }
  });

  let keyRef: KeyRef | undefined;
  if (requested) {
    const kind = classifyKeyRef(requested.value);
    if (kind === undefined) {
      issues.push({
        path: requested.path,
        message: `"${requested.value}" is not a key id, key ARN or alias`,
      });
    } else if (kind === 'arn') {
      arns.unshift(requested);
    } else {
      if (kind === 'id') ids.unshift(requested);
      keyRef = { kind, value: requested.value };
      const arnMatch = ALIAS_ARN.exec(requested.value);
      if (arnMatch) arnClaims(arnMatch, requested.path, out);
    }
  }

  const distinctArns: Claim[] = [];
  for (const claim of arns) {
    const match = KEY_ARN.exec(claim.value);
    if (!match) {
      issues.push({ path: claim.path, message: `"${claim.value}" is not a KMS key ARN` });
      continue;
    }
    arnClaims(match, claim.path, out);
    const seen = distinctArns.find((c) => c.value === claim.value);
    if (!seen) distinctArns.push(claim);
  }
  const [arn, ...others] = distinctArns;
  for (const other of others) {
    issues.push({ path: other.path, message: `names another key than ${arn!.value} (${arn!.path})` });
  }
  if (arn) {
    const arnKeyId = KEY_ARN.exec(arn.value)![3]!;
    for (const id of ids) {
      if (id.value !== arnKeyId) {
        issues.push({
          path: id.path,
          message: `key id "${id.value}" does not match ${arn.value} (${arn.path})`,
        });
      }
    }
    keyRef = { kind: 'arn', value: arn.value };
  } else if (!keyRef) {
    const id = ids.find((c) => KEY_ID.test(c.value));
    if (id) keyRef = { kind: 'id', value: id.value };
  }
  if (!keyRef) {
    issues.push({
      path: reqPath,
      message: 'no KMS key in the record (request keyId, response keyMetadata.keyId/arn or resources[].ARN)',
    });
    keyRef = { kind: 'id', value: '' };
  }
  return {
    kind: 'key',
    keyRef,
    ...out,
    ...(policyText !== undefined ? { policyText } : {}),
    ...(tags !== undefined ? { tags } : {}),
  };
}

/** `id`, `arn` (key ARN) or `alias` (alias name or alias ARN); undefined when it is none of them. */
export function classifyKeyRef(value: string): KeyRef['kind'] | undefined {
  if (KEY_ARN.test(value)) return 'arn';
  if (ALIAS_ARN.test(value) || ALIAS_NAME.test(value)) return 'alias';
  if (!value.startsWith('arn:') && KEY_ID.test(value)) return 'id';
  return undefined;
}

function arnClaims(match: RegExpExecArray, path: string, out: { accounts: Claim[]; regions: Claim[] }): void {
  out.regions.push({ value: match[1]!, path });
  out.accounts.push({ value: match[2]!, path });
}

function accountClaim(value: unknown, path: string, out: { accounts: Claim[]; issues: Issue[] }): void {
  const account = normalizeAccountId(value);
  if (account === undefined) {
    out.issues.push({ path, message: `expected a 12-digit AWS account id, got ${JSON.stringify(value)}` });
  } else {
    out.accounts.push({ value: account, path });
  }
}

/** A string member (case-insensitive name); null counts as absent; another type is an issue. */
function stringMember(
  obj: Record<string, unknown>,
  name: string,
  path: string,
  issues: Issue[],
): string | undefined {
  const found = member(obj, name);
  if (!found || found.value === null || found.value === undefined) return undefined;
  if (typeof found.value === 'string' && found.value !== '') return found.value;
  if (found.value === '') return undefined;
  issues.push({
    path: jsonPath([found.key], path),
    message: `expected a string, got ${describe(found.value)}`,
  });
  return undefined;
}

/** The first claim, after checking that every other claim agrees with it. */
function settle(claims: Claim[], what: string, issues: Issue[]): string | undefined {
  const [first, ...rest] = claims;
  if (!first) return undefined;
  for (const claim of rest) {
    if (claim.value !== first.value) {
      issues.push({
        path: claim.path,
        message: `${what} ${claim.value} disagrees with ${what} ${first.value} at ${first.path}`,
      });
    }
  }
  return first.value;
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
