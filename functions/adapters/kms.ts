import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  type GrantListEntry,
  type KeyMetadata,
  type KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  RevokeGrantCommand,
} from '@aws-sdk/client-kms';
import type { AliasListEntry, KeyDescription, KeyListEntry, KmsPort } from '../engine/ports.js';
import { ownSet } from '../policy/own.js';
import type { ExtraKeyRead, ExtraKeyState, KeyGrant } from '../rules/reads.js';
import { type AdapterOptions, createCaller } from './call.js';
import {
  KEY_POLICY_NAME,
  LIST_ALIASES_PAGE_SIZE,
  LIST_GRANTS_PAGE_SIZE,
  LIST_KEYS_PAGE_SIZE,
  LIST_RESOURCE_TAGS_PAGE_SIZE,
} from './constants.js';
import { AwsCallError } from './errors.js';

export interface KmsAdapterOptions extends AdapterOptions {
  listKeysPageSize?: number;
}

/** `arn:<partition>:kms:<region>:<account>:key/<id>` */
function parseKeyArn(arn: string): { region?: string; account?: string } {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[2] === 'kms' ? { region: parts[3], account: parts[4] } : {};
}

function malformed(operation: string, keyId: string, what: string): AwsCallError {
  return new AwsCallError({
    service: 'kms',
    operation,
    code: 'MalformedResponse',
    classification: 'permanent',
    message: what,
    resourceId: keyId,
  });
}

function toKeyDescription(meta: KeyMetadata | undefined, requestedKeyId: string): KeyDescription {
  if (!meta?.KeyId || !meta.Arn) throw malformed('DescribeKey', requestedKeyId, 'no KeyMetadata.KeyId/Arn');
  const fromArn = parseKeyArn(meta.Arn);
  const description: KeyDescription = {
    keyId: meta.KeyId,
    arn: meta.Arn,
    // A 12-digit id wins: recorded responses exist with AWSAccountId redacted but the ARN intact.
    account:
      [meta.AWSAccountId, fromArn.account].find((a) => a !== undefined && /^\d{12}$/.test(a)) ??
      meta.AWSAccountId ??
      fromArn.account ??
      '',
    region: fromArn.region ?? '',
  };
  if (meta.KeyManager === 'AWS' || meta.KeyManager === 'CUSTOMER') description.keyManager = meta.KeyManager;
  if (meta.KeyState !== undefined) description.keyState = meta.KeyState;
  if (meta.Enabled !== undefined) description.enabled = meta.Enabled;
  if (meta.Description !== undefined) description.description = meta.Description;
  const keySpec = meta.KeySpec ?? meta.CustomerMasterKeySpec;
  if (keySpec !== undefined) description.keySpec = keySpec;
  if (meta.KeyUsage !== undefined) description.keyUsage = meta.KeyUsage;
  if (meta.Origin !== undefined) description.origin = meta.Origin;
  if (meta.MultiRegion !== undefined) description.multiRegion = meta.MultiRegion;
  if (meta.CreationDate !== undefined) description.creationDate = meta.CreationDate;
  if (meta.DeletionDate !== undefined) description.deletionDate = meta.DeletionDate;
  return description;
}

type Caller = ReturnType<typeof createCaller>;

/**
 * The reads key rules declare beyond description, policy and tags (rules/reads.ts), one function
 * each: a rule that needs a new read adds its entry here.
 */
const KEY_STATE_READS: {
  [K in ExtraKeyRead]: (client: KMSClient, call: Caller, keyId: string) => Promise<ExtraKeyState[K]>;
} = {
  // https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html
  async rotation(client, call, keyId) {
    const out = await call('GetKeyRotationStatus', keyId, () =>
      client.send(new GetKeyRotationStatusCommand({ KeyId: keyId })),
    );
    return {
      enabled: out.KeyRotationEnabled === true,
      ...(out.RotationPeriodInDays !== undefined ? { rotationPeriodInDays: out.RotationPeriodInDays } : {}),
    };
  },
  // Every page: a grant on page two is as open as one on page one.
  // https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html
  async grants(client, call, keyId) {
    const grants: KeyGrant[] = [];
    let marker: string | undefined;
    do {
      const out = await call('ListGrants', keyId, () =>
        client.send(
          new ListGrantsCommand({
            KeyId: keyId,
            Limit: LIST_GRANTS_PAGE_SIZE,
            ...(marker ? { Marker: marker } : {}),
          }),
        ),
      );
      for (const g of out.Grants ?? []) grants.push(toKeyGrant(g, keyId));
      marker = nextMarker('ListGrants', keyId, marker, out);
    } while (marker);
    return grants;
  },
};

function toKeyGrant(g: GrantListEntry, keyId: string): KeyGrant {
  if (!g.GrantId) throw malformed('ListGrants', keyId, 'a grant without GrantId');
  const c = g.Constraints;
  const constraints = {
    ...(c?.EncryptionContextEquals ? { encryptionContextEquals: { ...c.EncryptionContextEquals } } : {}),
    ...(c?.EncryptionContextSubset ? { encryptionContextSubset: { ...c.EncryptionContextSubset } } : {}),
  };
  return {
    grantId: g.GrantId,
    operations: [...(g.Operations ?? [])],
    ...(g.Name ? { name: g.Name } : {}),
    ...(g.GranteePrincipal ? { granteePrincipal: g.GranteePrincipal } : {}),
    ...(g.RetiringPrincipal ? { retiringPrincipal: g.RetiringPrincipal } : {}),
    ...(g.IssuingAccount ? { issuingAccount: g.IssuingAccount } : {}),
    ...(Object.keys(constraints).length ? { constraints } : {}),
    ...(g.CreationDate ? { creationDate: g.CreationDate.toISOString() } : {}),
  };
}

/** The guard's KMS port over one injected `KMSClient` (one account-region). */
export function createKmsAdapter(client: KMSClient, options: KmsAdapterOptions = {}): KmsPort {
  const call = createCaller('kms', options);
  const listKeysPageSize = options.listKeysPageSize ?? LIST_KEYS_PAGE_SIZE;

  return {
    readKeyState(read, keyId) {
      return KEY_STATE_READS[read](client, call, keyId);
    },

    async describeKey(keyId) {
      const out = await call('DescribeKey', keyId, () =>
        client.send(new DescribeKeyCommand({ KeyId: keyId })),
      );
      return toKeyDescription(out.KeyMetadata, keyId);
    },

    async getKeyPolicy(keyId) {
      const out = await call('GetKeyPolicy', keyId, () =>
        client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: KEY_POLICY_NAME })),
      );
      if (typeof out.Policy !== 'string') throw malformed('GetKeyPolicy', keyId, 'no Policy in the response');
      return out.Policy;
    },

    async listResourceTags(keyId) {
      const tags: Record<string, string> = {};
      let marker: string | undefined;
      do {
        const out = await call('ListResourceTags', keyId, () =>
          client.send(
            new ListResourceTagsCommand({
              KeyId: keyId,
              Limit: LIST_RESOURCE_TAGS_PAGE_SIZE,
              ...(marker ? { Marker: marker } : {}),
            }),
          ),
        );
        for (const tag of out.Tags ?? []) {
          if (tag.TagKey !== undefined) ownSet(tags, tag.TagKey, tag.TagValue ?? '');
        }
        marker = nextMarker('ListResourceTags', keyId, marker, out);
      } while (marker);
      return tags;
    },

    async revokeGrant(keyId, grantId) {
      await call('RevokeGrant', keyId, () =>
        client.send(new RevokeGrantCommand({ KeyId: keyId, GrantId: grantId })),
      );
    },

    async putKeyPolicy(keyId, policyText) {
      await call('PutKeyPolicy', keyId, () =>
        client.send(
          new PutKeyPolicyCommand({
            KeyId: keyId,
            PolicyName: KEY_POLICY_NAME,
            Policy: policyText,
            // Never skip KMS's check that the caller can still manage the key after the change
            // (SPEC §3: "KMS's lockout safety check is never bypassed").
            // https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
            BypassPolicyLockoutSafetyCheck: false,
          }),
        ),
      );
    },

    async *listKeys(): AsyncGenerator<KeyListEntry> {
      let marker: string | undefined;
      do {
        const out = await call('ListKeys', undefined, () =>
          client.send(
            new ListKeysCommand({ Limit: listKeysPageSize, ...(marker ? { Marker: marker } : {}) }),
          ),
        );
        for (const key of out.Keys ?? []) {
          if (key.KeyId && key.KeyArn) yield { keyId: key.KeyId, keyArn: key.KeyArn };
        }
        marker = nextMarker('ListKeys', undefined, marker, out);
      } while (marker);
    },

    // Without KeyId: every alias of the account-region, those AWS created for its AWS-managed keys
    // (`alias/aws/<service>`) included. https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html
    async *listAliases(): AsyncGenerator<AliasListEntry> {
      let marker: string | undefined;
      do {
        const out = await call('ListAliases', undefined, () =>
          client.send(
            new ListAliasesCommand({ Limit: LIST_ALIASES_PAGE_SIZE, ...(marker ? { Marker: marker } : {}) }),
          ),
        );
        for (const a of out.Aliases ?? []) {
          if (a.AliasName)
            yield { aliasName: a.AliasName, ...(a.TargetKeyId ? { targetKeyId: a.TargetKeyId } : {}) };
        }
        marker = nextMarker('ListAliases', undefined, marker, out);
      } while (marker);
    },
  };
}

/**
 * KMS list calls: "Truncated: ... to get more items, pass the value of NextMarker in Marker".
 * A missing or repeated marker on a truncated page is a service fault: reported, never silently
 * ending the listing early (a sweep must not miss keys) nor looping forever.
 */
function nextMarker(
  operation: string,
  resourceId: string | undefined,
  previous: string | undefined,
  out: { Truncated?: boolean; NextMarker?: string },
): string | undefined {
  if (!out.Truncated) return undefined;
  if (out.NextMarker && out.NextMarker !== previous) return out.NextMarker;
  throw new AwsCallError({
    service: 'kms',
    operation,
    code: 'PaginationError',
    classification: 'permanent',
    message: out.NextMarker ? `NextMarker repeated (${out.NextMarker})` : 'Truncated without NextMarker',
    ...(resourceId ? { resourceId } : {}),
  });
}
