/**
 * Ports: what the engine and handlers need from AWS, with no SDK type in sight. The implementations
 * in functions/adapters/ are the only modules that import `@aws-sdk/*`.
 */

import type { AwsService } from '../errors.js';
import type { ExtraKeyRead, ExtraKeyState } from '../rules/reads.js';
import type { AlertEntry } from './alert-types.js';

export type { AwsService };

/** Counts AWS calls per operation (every attempt we send; SDK-internal retries are not visible). */
export interface CallCounter {
  count(service: AwsService, operation: string): void;
}

// ---------------------------------------------------------------------------------------------- KMS

/** DescribeKey, reduced to what the guard uses. */
export interface KeyDescription {
  keyId: string;
  arn: string;
  /** `AWSAccountId`, or the account in the ARN when that is the only 12-digit id. */
  account: string;
  /** The region in the key ARN. */
  region: string;
  /** Absent only in partial responses (DescribeKey always returns it); callers must not remediate then. */
  keyManager?: 'AWS' | 'CUSTOMER';
  /** `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, ... */
  keyState?: string;
  enabled?: boolean;
  description?: string;
  keySpec?: string;
  keyUsage?: string;
  origin?: string;
  multiRegion?: boolean;
  creationDate?: Date;
  deletionDate?: Date;
}

export interface KeyListEntry {
  keyId: string;
  keyArn: string;
  /**
   * Set by a sweep from ListAliases: `AWS` when an `alias/aws/*` alias targets the key (AWS-managed:
   * skipped without DescribeKey). Never grounds a write: findings are read again with DescribeKey.
   */
  managedBy?: 'AWS';
}

/** One ListAliases entry; predefined AWS aliases have no target until a service creates the key. */
export interface AliasListEntry {
  aliasName: string;
  /** The key id (not ARN) the alias points to. */
  targetKeyId?: string;
}

export interface KmsPort {
  /** Accepts a key id, key ARN, alias name or alias ARN. */
  describeKey(keyId: string): Promise<KeyDescription>;
  /** The `default` key policy as JSON text. Key id or key ARN (not an alias). */
  getKeyPolicy(keyId: string): Promise<string>;
  /** All tags (paginated). Key id or key ARN. */
  listResourceTags(keyId: string): Promise<Record<string, string>>;
  /**
   * A read a key rule declared (rules/reads.ts `ExtraKeyState`: rotation, ...), by name: the engine
   * reads what the enabled rules declare without knowing what each read is.
   */
  readKeyState<K extends ExtraKeyRead>(read: K, keyId: string): Promise<ExtraKeyState[K]>;
  /** RevokeGrant: deletes one grant of the key (key id or ARN). */
  revokeGrant(keyId: string, grantId: string): Promise<void>;
  /** Writes the `default` key policy. Never bypasses KMS's policy lockout safety check. */
  putKeyPolicy(keyId: string, policyText: string): Promise<void>;
  /** Every key in the account-region (paginated with Marker/Truncated). */
  listKeys(): AsyncIterable<KeyListEntry>;
  /** Every alias in the account-region, AWS's included (paginated with Marker/Truncated). */
  listAliases(): AsyncIterable<AliasListEntry>;
}

// ---------------------------------------------------------------------------------------------- EC2

export interface VpcEndpointRecord {
  id: string;
  vpcId: string;
  serviceName: string;
  /** Where the service is hosted (EC2 `VpcEndpoint.ServiceRegion`; absent: the endpoint's own region). */
  serviceRegion?: string;
  /** `Interface`, `Gateway`, `GatewayLoadBalancer`, ... */
  vpcEndpointType: string;
  privateDnsEnabled: boolean;
  requesterManaged: boolean;
  /** The endpoint policy as JSON text; absent when the endpoint type has none. */
  policyDocument?: string;
  ownerId?: string;
  /** `available`, `pending`, `pendingAcceptance`, `deleting`, `deleted`, `rejected`, `failed`. */
  state: string;
  tags: Record<string, string>;
  creationTimestamp?: Date;
}

interface DescribeVpcEndpointsQuery {
  ids?: string[];
  /** EC2 filters, e.g. `{ 'service-name': ['com.amazonaws.eu-west-1.kms'] }`. */
  filters?: Record<string, string[]>;
}

interface VpcDnsAttributes {
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
}

interface ModifyVpcEndpointRequest {
  id: string;
  privateDnsEnabled?: boolean;
  /** The new endpoint policy as JSON text. */
  policyDocument?: string;
}

export interface Ec2Port {
  describeVpcEndpoints(query?: DescribeVpcEndpointsQuery): AsyncIterable<VpcEndpointRecord>;
  /** One endpoint; `ResourceNotFoundError` when it does not exist (any more). */
  describeVpcEndpoint(id: string): Promise<VpcEndpointRecord>;
  describeVpcDnsAttributes(vpcId: string): Promise<VpcDnsAttributes>;
  /** Returns EC2's `Return` flag. */
  modifyVpcEndpoint(request: ModifyVpcEndpointRequest): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------- SNS

export type PublishResult =
  | { id: string; ok: true; messageId: string }
  | {
      id: string;
      ok: false;
      code: string;
      message: string;
      /** True when SNS blames the request (never retried); false for service-side failures. */
      senderFault: boolean;
      retryable: boolean;
    };

export interface SnsPort {
  /**
   * Publishes every entry (≤ 10 per call), retrying failed entries; one result per entry, in order,
   * under the entry's own id. Never throws for AWS errors: failed entries say whether a retry
   * could help (`retryable`), and the caller decides.
   */
  publishBatch(topicArn: string, entries: ReadonlyArray<AlertEntry>): Promise<PublishResult[]>;
}

// ---------------------------------------------------------------------------------------------- STS

/** Structurally what the SDK clients accept as `credentials`. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

export interface CredentialsForAccountOptions {
  /** The function's own account: no role is assumed for it. */
  ownAccount: string;
  /** RoleSessionName (2-64 characters of `[\w+=,.@-]`; other characters are replaced). */
  sessionName: string;
  externalId?: string;
}

export interface StsPort {
  /** `undefined` for the own account (use the function's role); otherwise cached role credentials. */
  credentialsForAccount(
    account: string,
    roleName: string,
    options: CredentialsForAccountOptions,
  ): Promise<AwsCredentials | undefined>;
}
