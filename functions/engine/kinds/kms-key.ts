import { AwsCallError } from '../../errors.js';
import { parsePolicyText } from '../../policy/parse.js';
import { samePolicyText } from '../../remediations/policy-text-write.js';
import { isCustomerManagedKey } from '../../rules/applicability.js';
import { RULES } from '../../rules/index.js';
import { EXTRA_KEY_READS, type ExtraKeyRead, type ExtraKeyState } from '../../rules/reads.js';
import type { KeyResource } from '../../rules/types.js';
import type { PipelineDeps, ResourceContext } from '../deps.js';
import { retryNotFound } from '../eventual-consistency.js';
import type { KeyDescription, KeyListEntry, KmsPort } from '../ports.js';
import type { DriverRead, ResourceDriver } from './types.js';

/** The state a key's re-read compares: its policy text. */
type KeySnapshot = string;

/** What DescribeKey says, as a resource (rules decide whether they apply from it). */
function described(d: KeyDescription): KeyResource {
  return {
    type: 'kms-key',
    id: d.keyId,
    arn: d.arn,
    account: d.account,
    region: d.region,
    policy: NO_POLICY,
    ...(d.keyManager ? { keyManager: d.keyManager } : {}),
    ...(d.keyState ? { keyState: d.keyState } : {}),
    ...(d.keySpec ? { keySpec: d.keySpec } : {}),
    ...(d.keyUsage ? { keyUsage: d.keyUsage } : {}),
    ...(d.origin ? { origin: d.origin } : {}),
    ...(d.multiRegion !== undefined ? { multiRegion: d.multiRegion } : {}),
  };
}

/** A stand-in before the policy is read (no rule judges it: `applies` sees the description only). */
const NO_POLICY: KeyResource['policy'] = { statements: [], raw: {}, sizeBytes: 0, text: '{}' };

/**
 * Reads beyond description, policy and tags that the enabled key rules applying to this key declare
 * (a rule for symmetric keys does not make the guard read an asymmetric key's rotation).
 */
function extraReads(key: KeyResource, deps: PipelineDeps, ctx: ResourceContext) {
  const wanted = new Set<ExtraKeyRead>();
  const skipped = new Set<ExtraKeyRead>();
  for (const rule of RULES) {
    if (rule.appliesTo !== 'kms-key' || deps.config.rules[rule.id] === 'off' || !rule.applies(key)) continue;
    // An event that cannot have changed this rule's state (a PutKeyPolicy for the grants rule).
    const skip = ctx.trigger !== undefined && rule.eventTriggers?.includes(ctx.trigger.eventName) === false;
    for (const read of rule.reads)
      if ((EXTRA_KEY_READS as readonly string[]).includes(read))
        (skip ? skipped : wanted).add(read as ExtraKeyRead);
  }
  return { reads: [...wanted], unread: [...skipped].filter((r) => !wanted.has(r)) };
}

/**
 * The `Id` AWS gives the policies of AWS-managed keys (`auto-<service>-<n>`): a key whose policy has
 * it is described before it is judged (DescribeKey's KeyManager decides, never the Id: a customer may
 * write any Id).
 */
const AWS_MANAGED_POLICY_ID = /^auto-[a-z0-9]+(-\d+)?$/;

/** `arn:<partition>:kms:<region>:<account>:key/<id>`, or undefined for anything else. */
function keyArnParts(arn: string): { account: string; region: string } | undefined {
  const [prefix, , service, region, account, resource] = arn.split(':');
  if (prefix !== 'arn' || service !== 'kms' || !region || !account || !/^\d{12}$/.test(account))
    return undefined;
  return resource?.startsWith('key/') ? { account, region } : undefined;
}

/**
 * Whether every enabled key rule applies to every customer-managed key, so that judging needs no
 * field of DescribeKey but KeyManager (a rule for symmetric keys needs KeySpec and Origin first).
 */
const describeDeferrable = (deps: PipelineDeps) =>
  RULES.every(
    (rule) =>
      rule.appliesTo !== 'kms-key' ||
      deps.config.rules[rule.id] === 'off' ||
      rule.applies === isCustomerManagedKey,
  );

/**
 * A sweep's first read of a listed key: GetKeyPolicy (and the rules' extra reads) only, without
 * DescribeKey and ListResourceTags, because through the SDK each call costs more CPU than the rate
 * floor allows per key and most keys are compliant. The read is provisional: the guard loop reads
 * the key in full (DescribeKey, policy, tags) as soon as any rule has a finding, so a finding's
 * exemption tag, the key's KeyManager and KeyState are read before anything is reported as a
 * finding, planned or written. A compliant verdict on the policy alone stays compliant with the
 * tags: tags only exempt findings, except through RCP `aws:ResourceTag/*` conditions, so with RCPs
 * the tags are read here too. Undefined when the key must be read in full at once: its policy
 * carries AWS's `auto-*` Id (an AWS-managed key is skipped, never judged, and only DescribeKey says
 * so), the policy cannot be parsed, or a read failed permanently (the full read reports it exactly
 * as an event would).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html (KeyId and KeyArn only)
 */
async function readUndescribed(
  kms: KmsPort,
  listed: KeyListEntry,
  ctx: ResourceContext,
  deps: PipelineDeps,
): Promise<DriverRead<KeySnapshot> | undefined> {
  const where = keyArnParts(listed.keyArn);
  if (!where || where.account !== ctx.account) return undefined;
  const key: KeyResource = {
    type: 'kms-key',
    id: listed.keyId,
    arn: listed.keyArn,
    ...where,
    policy: NO_POLICY,
  };
  const { reads: extra, unread } = extraReads(key, deps, ctx);
  try {
    const [rcps, policyText] = await Promise.all([
      deps.rcpsFor ? deps.rcpsFor(where.account) : undefined,
      kms.getKeyPolicy(listed.keyId),
    ]);
    // RCPs that could not be read: the full read judges without them and says so in the log.
    if (rcps?.kind === 'error') return undefined;
    const parsed = parsePolicyText(policyText);
    if (!parsed.ok || (parsed.value.id !== undefined && AWS_MANAGED_POLICY_ID.test(parsed.value.id)))
      return undefined;
    // After the policy: an AWS-managed key's grants are never listed. A second round trip costs a
    // sweep nothing (it is bound by rates and CPU, with many keys in flight), unlike an event.
    const withRcps = rcps?.kind === 'rcps' && rcps.rcps.length > 0 ? rcps.rcps : undefined;
    const [tags, ...extras] = await Promise.all([
      withRcps ? kms.listResourceTags(listed.keyId) : undefined,
      ...extra.map((read) => kms.readKeyState(read, listed.keyId)),
    ]);
    const state: Partial<ExtraKeyState> = {};
    extra.forEach((read, i) => {
      (state as Record<string, unknown>)[read] = extras[i];
    });
    const resource: KeyResource = {
      ...key,
      policy: parsed.value,
      ...(tags ? { tags } : {}),
      ...state,
      ...(unread.length ? { unread } : {}),
      ...(withRcps ? { rcps: withRcps } : {}),
    };
    return {
      kind: 'ok',
      id: listed.keyId,
      arn: listed.keyArn,
      resource,
      snapshot: policyText,
      policyText,
      provisional: true,
    };
  } catch (err) {
    // A retryable failure goes back to the sweep's retry passes (which read in full); anything else
    // is read again in full, so that it is reported as the event path reports it.
    if (err instanceof AwsCallError && err.retryable) throw err;
    return undefined;
  }
}

export const kmsKeyDriver: ResourceDriver<KmsPort, KeySnapshot, KeyListEntry> = {
  type: 'kms-key',
  writeAction: 'PutKeyPolicy',
  writeOrder: ['RevokeGrant', 'PutKeyPolicy'],
  readBackAttempts: 1,
  async read(kms, keyRef, ctx, deps, listed) {
    // The sweep's ListAliases found an `alias/aws/*` alias on the key: AWS-managed, skipped unread
    // (sweep.ts `markAwsManaged`). Skipping writes nothing, so no DescribeKey is needed to be safe.
    if (listed?.managedBy === 'AWS' && !ctx.trigger)
      return { kind: 'skipped', id: listed.keyId, arn: listed.keyArn, reason: 'AWS-managed key' };
    if (listed && !ctx.trigger && describeDeferrable(deps)) {
      const read = await readUndescribed(kms, listed, ctx, deps);
      if (read) return read;
    }
    // Right after CreateKey, KMS may not see the key yet (eventual consistency): retry not-found briefly.
    // https://docs.aws.amazon.com/kms/latest/developerguide/programming-eventual-consistency.html
    const description =
      ctx.trigger?.eventName === 'CreateKey'
        ? await retryNotFound(() => kms.describeKey(keyRef), deps.sleep ? { sleep: deps.sleep } : {})
        : await kms.describeKey(keyRef);
    const ids = { id: description.keyId, arn: description.arn };
    if (description.keyManager === 'AWS') {
      // AWS-managed keys: AWS owns and rotates their policies; they cannot be changed (SPEC §1).
      return { kind: 'skipped', ...ids, reason: 'AWS-managed key' };
    }
    // GetKeyPolicy and ListResourceTags (and the rules' extra reads) take a key id or ARN, never an
    // alias: use DescribeKey's id. They are independent: one round trip for all (an event's latency
    // is its sequential round trips).
    const key = described(description);
    const { reads: extra, unread } = extraReads(key, deps, ctx);
    const [rcps, policyText, tags, ...extras] = await Promise.all([
      deps.rcpsFor ? deps.rcpsFor(description.account) : undefined,
      kms.getKeyPolicy(description.keyId),
      kms.listResourceTags(description.keyId),
      ...extra.map((read) => kms.readKeyState(read, description.keyId)),
    ]);
    const parsed = parsePolicyText(policyText);
    if (!parsed.ok) {
      const issues = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      return { kind: 'unjudgeable', ...ids, reason: `the key policy cannot be judged: ${issues}` };
    }
    const state: Partial<ExtraKeyState> = {};
    extra.forEach((read, i) => {
      (state as Record<string, unknown>)[read] = extras[i];
    });
    const resource: KeyResource = {
      ...key,
      policy: parsed.value,
      tags,
      ...state,
      ...(unread.length ? { unread } : {}),
    };
    // RCPs apply to customer managed keys in member accounts; the key's tags are as read above.
    if (rcps?.kind === 'rcps') resource.rcps = rcps.rcps;
    if (rcps?.kind === 'error')
      deps.log.warn('RCPs could not be read; the key is judged without them', {
        key: description.arn,
        reason: rcps.reason,
      });
    return { kind: 'ok', ...ids, resource, snapshot: policyText, policyText };
  },
  // The provisional read's policy and extra reads are kept (a finding costs no second GetKeyPolicy
  // or ListGrants: the write re-reads the policy anyway); DescribeKey and ListResourceTags are one
  // round trip.
  async complete(kms, read) {
    const partial = read.resource as KeyResource;
    const [description, tags] = await Promise.all([kms.describeKey(read.id), kms.listResourceTags(read.id)]);
    const ids = { id: description.keyId, arn: description.arn };
    if (description.keyManager === 'AWS') return { kind: 'skipped', ...ids, reason: 'AWS-managed key' };
    const { policy, rotation, grants, unread, rcps } = partial;
    const resource: KeyResource = {
      ...described(description),
      policy,
      tags,
      ...(rotation ? { rotation } : {}),
      ...(grants ? { grants } : {}),
      ...(unread ? { unread } : {}),
      ...(rcps ? { rcps } : {}),
    };
    return { kind: 'ok', ...ids, resource, snapshot: read.snapshot, policyText: read.snapshot };
  },
  // DescribeKey did not say who manages the key: never write to what may be an AWS-managed key.
  writeBlocked: (r) =>
    r.type === 'kms-key' && r.keyManager === undefined
      ? 'DescribeKey did not return KeyManager; not remediated'
      : undefined,
  current: (kms, id) => kms.getKeyPolicy(id),
  same: samePolicyText,
  async write(kms, id, write) {
    if (write.policyText === undefined && !write.revokeGrantIds?.length)
      throw new Error('a key write carries a policy text or grants to revoke');
    for (const grantId of write.revokeGrantIds ?? []) await kms.revokeGrant(id, grantId);
    if (write.policyText !== undefined) await kms.putKeyPolicy(id, write.policyText);
  },
  readBack: async (kms, id) => ({ policyText: await kms.getKeyPolicy(id) }),
  unconfirmed: () =>
    // Someone wrote after us (their event will bring us back), or KMS did not keep our write.
    'the key policy read back after PutKeyPolicy differs from what the guard wrote (changed again since?)',
  precheckReads: (kms) => ({ listGrants: (keyId) => kms.readKeyState('grants', keyId) }),
};
