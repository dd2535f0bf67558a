/**
 * The KMS key a KMS trigger record names (PutKeyPolicy, CreateKey, TagResource): a key ARN when the
 * record has one, else a key id or alias, with the account and region they pin.
 */

import { accountClaim, type Claim, type ResourceClaims, stringMember } from './claims.js';
import { type CloudTrailRecord, describe, isJsonObject, jsonPath, member } from './envelope.js';
import type { Issue, KeyRef } from './types.js';

/** https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id */
const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/([A-Za-z0-9-]+)$/;
const ALIAS_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):alias\/[A-Za-z0-9/_-]+$/;
/** Alias names: `alias/` then letters, digits, `/`, `_`, `-` (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html). */
const ALIAS_NAME = /^alias\/[A-Za-z0-9/_-]+$/;
/** Key ids are UUIDs or `mrk-` + 32 hex digits; anonymised records use placeholders, so only the alphabet is checked. */
const KEY_ID = /^[A-Za-z0-9-]+$/;

export type KeyIds = ResourceClaims & { kind: 'key'; keyRef: KeyRef };

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
export function readKeyRef(record: CloudTrailRecord, base: string): KeyIds {
  if (record.eventName === 'ReplicateKey') return readReplicaRef(record, base);
  const issues: Issue[] = [];
  const out = { issues, accounts: [] as Claim[], regions: [] as Claim[] };
  const arns: Claim[] = [];
  const ids: Claim[] = [];
  let requested: Claim | undefined;

  const reqPath = `${base}.requestParameters`;
  if (record.requestParameters) {
    const keyId = stringMember(record.requestParameters, 'keyId', reqPath, issues);
    if (keyId !== undefined) requested = { value: keyId, path: jsonPath(['keyId'], reqPath) };
  }
  const extras = requestExtras(record, reqPath, issues);
  if (record.responseElements) {
    readKeyResponse(record.responseElements, `${base}.responseElements`, out, arns, ids);
  }
  record.resources?.forEach((resource, i) => {
    const arn = resource.ARN ?? resource.arn;
    if (typeof arn === 'string' && KEY_ARN.test(arn)) {
      arns.push({ value: arn, path: jsonPath([i, resource.ARN ? 'ARN' : 'arn'], `${base}.resources`) });
    }
  });

  const requestedRef = requested ? requestedKeyRef(requested, arns, ids, out) : undefined;
  let keyRef: KeyRef | undefined = keyArnRef(arns, ids, out) ?? requestedRef;
  if (!keyRef) {
    const id = ids.find((c) => KEY_ID.test(c.value));
    if (id) keyRef = { kind: 'id', value: id.value };
  }
  return keyIds(out, keyRef, extras, {
    path: reqPath,
    message: 'no KMS key in the record (request keyId, response keyMetadata.keyId/arn or resources[].ARN)',
  });
}

/**
 * The replica a ReplicateKey record names: `responseElements.replicaKeyMetadata.arn` (the replica
 * region's ARN; the request's `keyId` names the primary key, in the record's region) and
 * `requestParameters.replicaRegion`, which must agree. The request's `policy` and `tags` are the
 * replica's own. Shape: KMS Developer Guide, "Logging AWS KMS API calls with CloudTrail:
 * ReplicateKey" (https://docs.aws.amazon.com/kms/latest/developerguide/ct-replicate-key.html).
 */
function readReplicaRef(record: CloudTrailRecord, base: string): KeyIds {
  const issues: Issue[] = [];
  const out = { issues, accounts: [] as Claim[], regions: [] as Claim[] };
  const reqPath = `${base}.requestParameters`;
  const resPath = `${base}.responseElements`;
  if (record.requestParameters) {
    const replicaRegion = stringMember(record.requestParameters, 'replicaRegion', reqPath, issues);
    if (replicaRegion !== undefined)
      out.regions.push({ value: replicaRegion, path: jsonPath(['replicaRegion'], reqPath) });
  }
  const extras = requestExtras(record, reqPath, issues);
  let keyRef: KeyRef | undefined;
  const metadata = record.responseElements
    ? member(record.responseElements, 'replicaKeyMetadata')
    : undefined;
  if (metadata && isJsonObject(metadata.value)) {
    const metaPath = jsonPath([metadata.key], resPath);
    const arn = stringMember(metadata.value, 'arn', metaPath, issues);
    const match = arn === undefined ? null : KEY_ARN.exec(arn);
    if (arn !== undefined && match) {
      arnClaims(match, jsonPath(['arn'], metaPath), out);
      keyRef = { kind: 'arn', value: arn };
    } else if (arn !== undefined) {
      issues.push({ path: jsonPath(['arn'], metaPath), message: `"${arn}" is not a KMS key ARN` });
    }
  }
  return keyIds(out, keyRef, extras, {
    path: resPath,
    message: 'no replica key in the record (responseElements.replicaKeyMetadata.arn)',
  });
}

/** The request's `policy` and `tags`: what the new or changed key's policy and tags are to be. */
interface RequestExtras {
  policyText?: string;
  tags?: { key: string; value: string }[];
}

function requestExtras(record: CloudTrailRecord, reqPath: string, issues: Issue[]): RequestExtras {
  if (!record.requestParameters) return {};
  const policyText = stringMember(record.requestParameters, 'policy', reqPath, issues);
  const tags = readKmsTags(record.requestParameters, reqPath, issues);
  return {
    ...(policyText !== undefined ? { policyText } : {}),
    ...(tags !== undefined ? { tags } : {}),
  };
}

/** The claims of a key record; without a key reference, the `missing` issue and an empty id. */
function keyIds(
  out: ResourceClaims,
  keyRef: KeyRef | undefined,
  extras: RequestExtras,
  missing: Issue,
): KeyIds {
  if (!keyRef) out.issues.push(missing);
  return { kind: 'key', keyRef: keyRef ?? { kind: 'id', value: '' }, ...out, ...extras };
}

/** The key claims of a response: CreateKey `keyMetadata` (arn, keyId, owner), PutKeyPolicy `keyId`. */
function readKeyResponse(
  response: Record<string, unknown>,
  resPath: string,
  out: ResourceClaims,
  arns: Claim[],
  ids: Claim[],
): void {
  const { issues } = out;
  const metadata = member(response, 'keyMetadata');
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
  const keyId = stringMember(response, 'keyId', resPath, issues);
  if (keyId !== undefined) {
    (keyId.startsWith('arn:') ? arns : ids).push({ value: keyId, path: jsonPath(['keyId'], resPath) });
  }
}

/**
 * The request's `keyId`: a key ARN joins the ARN claims, a key id the id claims; an id or alias is
 * the key reference unless an ARN is found (an alias ARN still pins account and region).
 */
function requestedKeyRef(
  requested: Claim,
  arns: Claim[],
  ids: Claim[],
  out: ResourceClaims,
): KeyRef | undefined {
  const kind = classifyKeyRef(requested.value);
  if (kind === undefined) {
    out.issues.push({
      path: requested.path,
      message: `"${requested.value}" is not a key id, key ARN or alias`,
    });
  } else if (kind === 'arn') {
    arns.unshift(requested);
  } else {
    if (kind === 'id') ids.unshift(requested);
    const arnMatch = ALIAS_ARN.exec(requested.value);
    if (arnMatch) arnClaims(arnMatch, requested.path, out);
    return { kind, value: requested.value };
  }
  return undefined;
}

/** The key ARN the record names, after checking that every ARN and key id claim names the same key. */
function keyArnRef(arns: Claim[], ids: Claim[], out: ResourceClaims): KeyRef | undefined {
  const { issues } = out;
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
  if (!arn) return undefined;
  const arnKeyId = KEY_ARN.exec(arn.value)![3]!;
  for (const id of ids) {
    if (id.value !== arnKeyId) {
      issues.push({
        path: id.path,
        message: `key id "${id.value}" does not match ${arn.value} (${arn.path})`,
      });
    }
  }
  return { kind: 'arn', value: arn.value };
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
