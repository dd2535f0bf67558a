import type { GuardConfig } from '../config/schema.js';
import type { KeyGrant } from '../rules/reads.js';
import type { ChangePlan, RemediationKind, Resource, ResourceType } from '../rules/types.js';

export type SafetyProof = { ok: true; checks: string[]; after: Resource } | { ok: false; reasons: string[] };

/**
 * What one write to a resource carries. A key takes one PutKeyPolicy (plans build on each other, so
 * the last plan's text carries them all); an endpoint takes one ModifyVpcEndpoint whatever the
 * number of changes.
 */
export interface ResourceWrite {
  /** PutKeyPolicy `Policy` or ModifyVpcEndpoint `PolicyDocument`: the exact text. */
  policyText?: string;
  privateDnsEnabled?: boolean;
  /** RevokeGrant, one call per grant id (after the key policy, if the write carries one). */
  revokeGrantIds?: string[];
}

/** The resource as read back after the write (only what confirmations look at). */
export interface ReadBack {
  policyText?: string;
  privateDnsEnabled?: boolean;
}

/** A change as alerts describe it. */
export type ChangeAction = 'PutKeyPolicy' | 'ModifyVpcEndpoint' | 'RevokeGrant';

export interface ChangeDescription {
  action: ChangeAction;
  /** RevokeGrant: the grants revoked. */
  grantIds?: string[];
  vpcEndpointId?: string;
  privateDnsEnabled?: boolean;
  /** The whole planned policy (machine subscribers; email shows only the guard statements). */
  plannedPolicy?: Record<string, unknown>;
}

/** AWS reads a remediation may need before its change is attempted. */
export interface PrecheckReads {
  /** Endpoints: EC2 DescribeVpcAttribute for both DNS attributes. */
  describeVpcDnsAttributes?(
    vpcId: string,
  ): Promise<{ enableDnsSupport: boolean; enableDnsHostnames: boolean }>;
  /** Keys: KMS ListGrants, every page. */
  listGrants?(keyId: string): Promise<KeyGrant[]>;
}

/**
 * A remediation kind: how its change is proved safe, what it adds to the resource's one write,
 * what must hold before it is attempted, how the read-back confirms it, and its IAM permissions.
 * Planning the change is the rule's (`Rule.plan`): the rule knows what it wants added.
 */
export interface RemediationModule<K extends RemediationKind = RemediationKind> {
  kind: K;
  resource: ResourceType;
  /** The API the change is made with, as alerts name it. */
  action: ChangeAction;
  /** IAM actions: reads before and after the write (re-read, read-back, prechecks), the write. */
  permissions: { read: readonly string[]; write: readonly string[] };
  prove(before: Resource, plan: Extract<ChangePlan, { kind: K }>, config: GuardConfig): SafetyProof;
  /** A reason to refuse the change, found by reading AWS (undefined: go ahead). */
  precheck?(
    reads: PrecheckReads,
    resource: Resource,
    plan: Extract<ChangePlan, { kind: K }>,
  ): Promise<string | undefined>;
  contribute(plan: Extract<ChangePlan, { kind: K }>, write: ResourceWrite): void;
  /** What alerts say about the change (the API, the endpoint and attribute, the planned policy). */
  describe(plan: Extract<ChangePlan, { kind: K }>): ChangeDescription;
  /** Whether the read-back shows this change, given the one write that carried it (and others). */
  confirmed(readBack: ReadBack, plan: Extract<ChangePlan, { kind: K }>, write: ResourceWrite): boolean;
}
