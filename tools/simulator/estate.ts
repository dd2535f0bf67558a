import { defaultOrganization, type SimOrganization } from './organizations.js';
/** The simulated estate: accounts, regions, keys, endpoints, VPC DNS attributes and an SNS sink. */
export interface SimKey {
  keyId: string;
  account: string;
  region: string;
  policy: string;
  tags: Record<string, string>;
  keyManager: 'AWS' | 'CUSTOMER';
  keyState: string;
  /** Reads of this key fail with AccessDeniedException (an unreadable key). */
  denyRead?: boolean;
  /** Automatic rotation (GetKeyRotationStatus); absent: off, as for a new customer key. */
  rotation?: { enabled: boolean; periodDays?: number };
  /** Grants (CreateGrant, ListGrants, RevokeGrant), in creation order. */
  grants?: SimGrant[];
  /**
   * Alias names (ListAliases). AWS-managed keys have their service's `alias/aws/<service>` (addKey
   * gives one); customer keys may have `alias/<name>` ones, never `alias/aws/*` (CreateAlias).
   */
  aliases?: string[];
}

/** A grant as ListGrants returns it. */
export interface SimGrant {
  grantId: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: string[];
  name?: string;
  /** `arn:aws:iam::<account>:root` of the account that created it (absent: the key's). */
  issuingAccount?: string;
  constraints?: {
    EncryptionContextEquals?: Record<string, string>;
    EncryptionContextSubset?: Record<string, string>;
  };
}

export interface SimEndpoint {
  id: string;
  account: string;
  region: string;
  vpcId: string;
  serviceName: string;
  /** Cross-region endpoints: the region of the service (EC2 `ServiceRegion`). */
  serviceRegion?: string;
  type: 'Interface' | 'Gateway';
  privateDnsEnabled: boolean;
  policyDocument?: string;
  state: string;
}

/** A CloudTrail trail, as DescribeTrails, GetTrailStatus and GetEventSelectors show it. */
export interface SimTrail {
  name: string;
  account: string;
  homeRegion: string;
  isMultiRegion: boolean;
  /** An organization trail of the management account: member accounts see it too. */
  isOrganizationTrail: boolean;
  isLogging: boolean;
  /** Basic event selectors; absent = AWS's default (management events, reads and writes). */
  eventSelectors?: { ReadWriteType: 'All' | 'ReadOnly' | 'WriteOnly'; IncludeManagementEvents: boolean }[];
  /** Advanced event selectors (replace the basic ones when set). */
  advancedEventSelectors?: {
    Name?: string;
    FieldSelectors: { Field: string; Equals?: string[]; NotEquals?: string[] }[];
  }[];
}

export interface SimMessage {
  topicArn: string;
  id: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  attributes: Record<string, string>;
}

export class Estate {
  keys = new Map<string, SimKey>();
  endpoints = new Map<string, SimEndpoint>();
  /** `${account}:${region}:${vpcId}` → DNS attributes. */
  vpcs = new Map<string, { enableDnsSupport: boolean; enableDnsHostnames: boolean }>();
  accounts: { id: string; status: 'ACTIVE' | 'SUSPENDED' }[] = [];
  regions: string[] = ['us-east-1', 'eu-west-1'];
  messages: SimMessage[] = [];
  /** Role names per account that may be assumed (others: AccessDenied). */
  roles = new Map<string, Set<string>>();
  trails: SimTrail[] = [];
  /** The organization the accounts are in: its OUs and RCPs (tools/simulator/organizations.ts). */
  organization: SimOrganization = defaultOrganization();

  /** Adds a trail; unless given, a logging single-region trail with AWS's default selectors. */
  addTrail(trail: Pick<SimTrail, 'name' | 'account' | 'homeRegion'> & Partial<SimTrail>): SimTrail {
    const t: SimTrail = { isMultiRegion: false, isOrganizationTrail: false, isLogging: true, ...trail };
    this.trails.push(t);
    return t;
  }

  trailArn(t: SimTrail): string {
    return `arn:aws:cloudtrail:${t.homeRegion}:${t.account}:trail/${t.name}`;
  }

  /** Adds a key; unless given, a customer managed, enabled key without tags. */
  addKey(key: Pick<SimKey, 'keyId' | 'account' | 'region' | 'policy'> & Partial<SimKey>): SimKey {
    const k: SimKey = { tags: {}, keyManager: 'CUSTOMER', keyState: 'Enabled', ...key };
    // AWS creates an AWS-managed key with its alias: one per service and account-region.
    if (k.keyManager === 'AWS' && k.aliases === undefined)
      k.aliases = [`alias/aws/sim-${k.keyId.slice(0, 8)}`];
    // A multi-Region key's replicas share its key id (mrk-...) in other regions.
    const taken = this.keys.get(k.keyId);
    this.keys.set(taken && taken.region !== k.region ? `${k.region}/${k.keyId}` : k.keyId, k);
    return k;
  }

  /** Adds an endpoint; unless given, an available KMS interface endpoint with private DNS on. */
  addEndpoint(
    endpoint: Pick<SimEndpoint, 'id' | 'account' | 'region' | 'vpcId'> & Partial<SimEndpoint>,
  ): SimEndpoint {
    const e: SimEndpoint = {
      serviceName: `com.amazonaws.${endpoint.region}.kms`,
      type: 'Interface',
      privateDnsEnabled: true,
      state: 'available',
      ...endpoint,
    };
    this.endpoints.set(e.id, e);
    return e;
  }

  keyArn(k: SimKey): string {
    return `arn:aws:kms:${k.region}:${k.account}:key/${k.keyId}`;
  }

  findKey(ref: string, account: string, region: string): SimKey | undefined {
    const id = ref.startsWith('arn:') ? (ref.split('/').pop() ?? '') : ref;
    const k = [this.keys.get(id), this.keys.get(`${region}/${id}`)].find(
      (x) => x !== undefined && x.account === account && x.region === region,
    );
    return k;
  }
}
