import type { GuardConfig, RuleId } from '../config/schema.js';
import type { Policy, Witness } from '../policy/types.js';

export type { RuleId };
export type Severity = 'low' | 'medium' | 'high';
export type ResourceType = 'kms-key' | 'vpc-endpoint';

/** A customer-managed or AWS-managed KMS key, as read from DescribeKey/GetKeyPolicy/ListResourceTags. */
export interface KeyResource {
  type: 'kms-key';
  /** Key id (UUID or mrk-...), or the file name when judged offline without one. */
  id: string;
  arn?: string;
  account?: string;
  region?: string;
  /** `KeyManager` from DescribeKey; AWS-managed keys are never judged by `key-*` rules. */
  keyManager?: 'AWS' | 'CUSTOMER';
  /** `KeyState` from DescribeKey (`Enabled`, `PendingDeletion`, ...). */
  keyState?: string;
  policy: Policy;
  tags?: Record<string, string>;
}

/** A VPC endpoint as returned by DescribeVpcEndpoints (only the fields the rules use). */
export interface EndpointResource {
  type: 'vpc-endpoint';
  id: string;
  account?: string;
  region?: string;
  serviceName?: string;
  vpcEndpointType?: string;
  requesterManaged?: boolean;
  privateDnsEnabled?: boolean;
  vpcId?: string;
  /** Absent when the endpoint has no policy document (AWS then applies full access). */
  policy?: Policy;
  tags?: Record<string, string>;
}

export type Resource = KeyResource | EndpointResource;

/**
 * `witness`: a concrete request the policy allows; `unproven`: the analyzer could not decide (fail
 * closed); `example`: a concrete request the statement mishandles, with the decision AWS makes.
 */
export type Proof = 'witness' | 'unproven' | 'example';

/** A request a statement mishandles (key-sourceip-ineffective), and what AWS decides for it. */
export interface FindingExample {
  request: Witness;
  /** AWS's decision for the request under the whole policy. */
  decision: 'allow' | 'implicit-deny' | 'explicit-deny';
  /** The statement the example is about (Sid or Statement[i]). */
  statement: string;
}

export interface Finding {
  rule: RuleId;
  severity: Severity;
  /** One readable sentence: what is wrong and, for semantic rules, the witness in words. */
  message: string;
  /** Statements involved, by Sid or by index (`Statement[2]`). */
  statements: string[];
  proof: Proof;
  /** A concrete request the policy allows (semantic rules with proof `witness`). */
  witness?: Witness;
  /** Why the analyzer could not decide (proof `unproven`): the construct it does not model. */
  reason?: string;
  /** Proof `example`: the request and AWS's decision. */
  example?: FindingExample;
}

/** The change a remediation makes: a new policy document, or ModifyVpcEndpoint parameters. */
export type RemediationPlan =
  | {
      kind: 'put-key-policy';
      rule: RuleId;
      /**
       * The exact text to write: the current policy's text, byte for byte, with the guard statements
       * appended. The prover checks these bytes and the pipeline writes these bytes.
       */
      policyText: string;
      /** `policyText` parsed. */
      policy: Record<string, unknown>;
      /** Sids of the guard statements added or replaced. */
      guardSids: string[];
      summary: string;
    }
  | {
      kind: 'modify-vpc-endpoint';
      rule: RuleId;
      vpcEndpointId: string;
      /** Exactly one of `privateDnsEnabled` and `policyText` is set. */
      privateDnsEnabled?: boolean;
      /** The exact endpoint policy text to write (as for key policies). */
      policyText?: string;
      /** `policyText` parsed. */
      policyDocument?: Record<string, unknown>;
      guardSids: string[];
      summary: string;
    }
  | { kind: 'none'; rule: RuleId; reason: string };

export interface RuleContext {
  config: GuardConfig;
}

/** A rule of SPEC.md §1 as a small declarative unit. */
export interface Rule {
  id: RuleId;
  title: string;
  severity: Severity;
  appliesTo: ResourceType;
  /** IAM actions the guard needs to check and to remediate this rule. */
  permissions: { read: string[]; write: string[] };
  /** Whether the rule judges this resource at all (e.g. KMS interface endpoints, customer-managed keys). */
  applies(resource: Resource): boolean;
  check(resource: Resource, ctx: RuleContext): Finding[];
  /** The remediation for findings of this rule; `none` with a reason when it cannot be automated. */
  plan(resource: Resource, findings: Finding[], ctx: RuleContext): RemediationPlan;
}
