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
}

export interface SimEndpoint {
  id: string;
  account: string;
  region: string;
  vpcId: string;
  serviceName: string;
  type: 'Interface' | 'Gateway';
  privateDnsEnabled: boolean;
  policyDocument?: string;
  state: string;
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

  /** Adds a key; unless given, a customer managed, enabled key without tags. */
  addKey(key: Pick<SimKey, 'keyId' | 'account' | 'region' | 'policy'> & Partial<SimKey>): SimKey {
    const k: SimKey = { tags: {}, keyManager: 'CUSTOMER', keyState: 'Enabled', ...key };
    this.keys.set(k.keyId, k);
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
    const k = this.keys.get(id);
    return k && k.account === account && k.region === region ? k : undefined;
  }
}
