/**
 * The request model of SPEC.md §2: which condition keys travel together, and what they hold for
 * IAM principals, service principals and each network path.
 */

/** Keys fixed by who the principal is (and, for service principals, for whom it acts). */
export const PRINCIPAL_KEYS = new Set([
  'aws:principalaccount',
  'kms:calleraccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principalisawsservice',
  'aws:principaltype',
  'aws:principalservicename',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceowner',
]);

/**
 * Keys fixed by the network path. Through a VPC endpoint the `Vpc*` keys are present and
 * aws:SourceIp is absent; otherwise the reverse
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip).
 */
export const NETWORK_KEYS = new Set([
  'aws:sourcevpce',
  'aws:sourcevpc',
  'aws:vpceaccount',
  'aws:vpceorgid',
  'aws:vpceorgpaths',
  'aws:sourcevpcarn',
  'aws:sourceip',
  'aws:vpcsourceip',
]);

/**
 * Keys fixed by whether an AWS service makes the request for the principal: kms:ViaService and
 * aws:CalledVia (and its first/last) are present exactly when aws:ViaAWSService is true (SPEC §2).
 */
export const VIA_KEYS = new Set([
  'aws:viaawsservice',
  'kms:viaservice',
  'aws:calledvia',
  'aws:calledviafirst',
  'aws:calledvialast',
]);

/** Keys fixed by the resource: a key's account is in its ARN (IAM global keys, aws:ResourceAccount). */
export const RESOURCE_KEYS = new Set(['aws:resourceaccount']);

/** Multivalued context keys (tested with ForAnyValue/ForAllValues). */
export const MULTIVALUED_KEYS = new Set([
  'aws:principalorgpaths',
  'aws:vpceorgpaths',
  'aws:tagkeys',
  'aws:calledvia',
  'aws:principalservicenameslist',
  'kms:grantoperations',
  'kms:encryptioncontextkeys',
]);

/**
 * Keys every signed request carries with a boolean value (never absent):
 * aws:ViaAWSService "is always included in the request context" (IAM global condition keys).
 */
export const ALWAYS_PRESENT_BOOLEAN_KEYS = new Set(['aws:viaawsservice']);

/** How AWS spells the keys the analyzer puts into witnesses. */
export const KEY_SPELLING: Record<string, string> = {
  'aws:principalaccount': 'aws:PrincipalAccount',
  'kms:calleraccount': 'kms:CallerAccount',
  'aws:principalarn': 'aws:PrincipalArn',
  'aws:principalorgid': 'aws:PrincipalOrgID',
  'aws:principalorgpaths': 'aws:PrincipalOrgPaths',
  'aws:principalisawsservice': 'aws:PrincipalIsAWSService',
  'aws:principaltype': 'aws:PrincipalType',
  'aws:principalservicename': 'aws:PrincipalServiceName',
  'aws:sourceaccount': 'aws:SourceAccount',
  'aws:sourcearn': 'aws:SourceArn',
  'aws:sourceowner': 'aws:SourceOwner',
  'aws:sourcevpce': 'aws:SourceVpce',
  'aws:sourcevpc': 'aws:SourceVpc',
  'aws:vpceaccount': 'aws:VpceAccount',
  'aws:vpceorgid': 'aws:VpceOrgID',
  'aws:vpceorgpaths': 'aws:VpceOrgPaths',
  'aws:sourcevpcarn': 'aws:SourceVpcArn',
  'aws:sourceip': 'aws:SourceIp',
  'aws:vpcsourceip': 'aws:VpcSourceIp',
  'aws:viaawsservice': 'aws:ViaAWSService',
  'aws:resourceaccount': 'aws:ResourceAccount',
  'kms:viaservice': 'kms:ViaService',
  'aws:calledvia': 'aws:CalledVia',
  'aws:calledviafirst': 'aws:CalledViaFirst',
  'aws:calledvialast': 'aws:CalledViaLast',
  'aws:currenttime': 'aws:CurrentTime',
  'aws:epochtime': 'aws:EpochTime',
};

export interface Trust {
  accounts: readonly string[];
  organizationIds: readonly string[];
}

/**
 * `external`: principals outside the trust (SPEC §2); `internal`: every other principal (trusted
 * IAM principals, and services acting for a trusted account or none); `trusted`: trusted IAM
 * principals only; `any`: everyone.
 */
type PrincipalScope = 'external' | 'internal' | 'trusted' | 'any';

/**
 * The networks `key-crypto-via-vpce` approves: a request through a VPC endpoint is approved when
 * any one of these holds (aws:SourceVpce, aws:SourceVpc, aws:VpceAccount, aws:VpceOrgID, some
 * aws:VpceOrgPaths value StringLike a pattern, aws:SourceVpcArn ArnLike a pattern).
 */
export interface ApprovedNetworks {
  vpceIds: readonly string[];
  vpcIds: readonly string[];
  vpceAccounts?: readonly string[];
  vpceOrgIds?: readonly string[];
  vpceOrgPaths?: readonly string[];
  vpcArns?: readonly string[];
}

/** A class of requests: "does the policy allow some request of this class?" */
export interface RequestClass {
  principals: PrincipalScope;
  /** Concrete action names (already expanded from any patterns). */
  actions: readonly string[];
  /** A key policy's own key (ARN when known), or any KMS resource (endpoint policies). */
  resource: { kind: 'key'; arn?: string } | { kind: 'any' };
  network:
    | { kind: 'any' }
    | { kind: 'endpoint'; vpceId?: string; vpcId?: string }
    | ({ kind: 'off-network' } & ApprovedNetworks);
  /** Requests excluded from the class (SPEC.md §2 exemptions of key-crypto-via-vpce). */
  exempt?: { awsServiceCalls: boolean; principalArns: readonly string[] };
}
