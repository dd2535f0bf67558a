/**
 * What rules read about a resource, and the IAM actions each read needs. A rule declares its reads;
 * the engine reads the union of what the enabled rules declare (plus what every resource of the
 * kind needs: a key's description, policy and tags, the tags carrying exemptions), and the
 * permission test checks every role against these actions.
 */
import type { ResourceType } from './types.js';

/**
 * State a key rule may declare beyond what every key is read for: one member per read, named as the
 * rule sees it on the resource (`resource.rotation`). Adding a read: a member here, its permission
 * below, and the adapter's implementation (`KmsPort.readKeyState`).
 */
export interface ExtraKeyState {
  /** KMS GetKeyRotationStatus (key-rotation-enabled). */
  rotation: { enabled: boolean; rotationPeriodInDays?: number };
  /** KMS ListGrants, every page (key-no-external-grantees). */
  grants: KeyGrant[];
}

/**
 * One grant as ListGrants returns it (only what the rules use). A principal is absent when the
 * listing does not carry it: a grant with no retiring principal, or a field this SDK does not know.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantListEntry.html
 */
export interface KeyGrant {
  grantId: string;
  name?: string;
  granteePrincipal?: string;
  retiringPrincipal?: string;
  /** The account that created the grant (the key's, or one the key policy let create grants). */
  issuingAccount?: string;
  /** KMS operation names as the grant lists them (`Decrypt`, `CreateGrant`, ...). */
  operations: string[];
  constraints?: {
    encryptionContextEquals?: Record<string, string>;
    encryptionContextSubset?: Record<string, string>;
  };
  creationDate?: string;
}

export type ExtraKeyRead = keyof ExtraKeyState;
type KeyRead = 'description' | 'policy' | 'tags' | ExtraKeyRead;
type EndpointRead = 'endpoint';
export type StateRead = KeyRead | EndpointRead;

/**
 * IAM actions per read (Service Authorization Reference: AWS KMS, Amazon EC2). DescribeKey is the
 * key's description (KeyManager, KeyState), read before anything else.
 */
export const READ_PERMISSIONS: Readonly<Record<StateRead, readonly string[]>> = {
  description: ['kms:DescribeKey'],
  policy: ['kms:GetKeyPolicy'],
  tags: ['kms:ListResourceTags'],
  rotation: ['kms:GetKeyRotationStatus'],
  grants: ['kms:ListGrants'],
  endpoint: ['ec2:DescribeVpcEndpoints'],
};

/** Read for every resource of the kind, whatever the rules (exemptions live in tags). */
export const BASE_READS: Readonly<Record<ResourceType, readonly StateRead[]>> = {
  'kms-key': ['description', 'policy', 'tags'],
  'vpc-endpoint': ['endpoint'],
};

/** Listing every resource of the kind in an account-region (sweeps). */
export const LIST_PERMISSIONS: Readonly<Record<ResourceType, readonly string[]>> = {
  'kms-key': ['kms:ListKeys'],
  'vpc-endpoint': ['ec2:DescribeVpcEndpoints'],
};

/** What every key is read for anyway: the reads that are not `ExtraKeyState` members. */
const KEY_BASE_READS: readonly StateRead[] = ['description', 'policy', 'tags', 'endpoint'];

/**
 * The members of `ExtraKeyState`, at run time: derived from `READ_PERMISSIONS`, which the compiler
 * holds to every read, so a new read cannot be declared and then silently skipped.
 */
export const EXTRA_KEY_READS = (Object.keys(READ_PERMISSIONS) as StateRead[]).filter(
  (read): read is ExtraKeyRead => !KEY_BASE_READS.includes(read),
);
