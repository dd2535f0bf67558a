import * as z from 'zod/mini';
import type { GuardConfig } from '../config/schema.js';
import type { Rcp } from '../policy/rcp-parse.js';
import type { Policy, Witness } from '../policy/types.js';
import type { RuleId } from './index.js';
import type { ExtraKeyRead, ExtraKeyState, KeyGrant, StateRead } from './reads.js';

export type { RuleId };
export type RuleMode = 'off' | 'alert' | 'remediate';
export type Severity = 'low' | 'medium' | 'high';
export type ResourceType = 'kms-key' | 'vpc-endpoint';

/**
 * A customer-managed or AWS-managed KMS key, as read from DescribeKey/GetKeyPolicy/ListResourceTags,
 * with whatever else the enabled rules declared (`ExtraKeyState`: rotation, ...).
 */
export interface KeyResource extends Partial<ExtraKeyState> {
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
  /** DescribeKey `KeySpec` (`SYMMETRIC_DEFAULT`, `RSA_2048`, `HMAC_256`, ...). */
  keySpec?: string;
  /** DescribeKey `KeyUsage` (`ENCRYPT_DECRYPT`, `SIGN_VERIFY`, `GENERATE_VERIFY_MAC`, ...). */
  keyUsage?: string;
  /** DescribeKey `Origin` (`AWS_KMS`, `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`). */
  origin?: string;
  multiRegion?: boolean;
  policy: Policy;
  tags?: Record<string, string>;
  /**
   * Reads deliberately not made, so the rules that need them are `not-read`, never judged compliant
   * or failed for want of them: a policy file holds no grants (`check`); an event that cannot
   * have changed the grants does not list them (`Rule.eventTriggers`).
   */
  unread?: ExtraKeyRead[];
  /**
   * The RCPs that apply to the key (its account's root, OUs and account), when they were read or
   * given (`check --rcp`): the semantic key rules judge the key policy with them. Absent: judged
   * alone. Never set for AWS-managed keys or keys in the management account (RCPs do not apply).
   */
  rcps?: Rcp[];
}

/** A VPC endpoint as returned by DescribeVpcEndpoints (only the fields the rules use). */
export interface EndpointResource {
  type: 'vpc-endpoint';
  id: string;
  account?: string;
  region?: string;
  serviceName?: string;
  /**
   * The region of the KMS service the endpoint reaches: EC2's `ServiceRegion`, else the region in
   * the service name. Another region than `region` for a cross-region endpoint.
   */
  serviceRegion?: string;
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
 * A request the key policy alone allows, that the rule forbids and that only an RCP denies: the
 * finding the key policy would have without the RCPs. `witness` is the key-policy-only witness,
 * confirmed denied by `statement` of RCP `policy` with the concrete evaluator.
 */
export interface ProtectedBy {
  rule: RuleId;
  /** The RCP's id (`p-...`) or file. */
  policy: string;
  /** The RCP statement (Sid or `Statement[i]`) that denies the witness. */
  statement?: string;
  witness?: Witness;
}

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
  /** The grant the finding is about (key-no-external-grantees): as ListGrants returned it. */
  grant?: KeyGrant;
}

/** How a finding is fixed: each kind is a module of its own (functions/remediations/). */
export type RemediationKind =
  | 'put-key-policy'
  | 'modify-endpoint-policy'
  | 'enable-private-dns'
  | 'revoke-grant';

/** The change a remediation makes: a new policy text, or an endpoint attribute. */
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
      /** Sids of the guard statements the plan relies on (already present, or added). */
      guardSids: string[];
      summary: string;
    }
  | {
      kind: 'modify-endpoint-policy';
      rule: RuleId;
      vpcEndpointId: string;
      /** The exact endpoint policy text to write (as for key policies). */
      policyText: string;
      /** `policyText` parsed. */
      policyDocument: Record<string, unknown>;
      guardSids: string[];
      summary: string;
    }
  | {
      kind: 'enable-private-dns';
      rule: RuleId;
      vpcEndpointId: string;
      guardSids: [];
      summary: string;
    }
  | {
      kind: 'revoke-grant';
      rule: RuleId;
      keyId: string;
      /** The grants to revoke, as listed when judged; each is listed again just before. */
      grants: KeyGrant[];
      guardSids: [];
      summary: string;
    }
  | { kind: 'none'; rule: RuleId; reason: string };

export type ChangePlan = Exclude<RemediationPlan, { kind: 'none' }>;

export interface RuleContext {
  config: GuardConfig;
  /** Where a rule records what only an RCP stops (findings the RCPs took away). */
  protectedBy?: ProtectedBy[];
}

/**
 * A rule of SPEC.md §1 as one self-contained unit: what it judges, what it reads, how its findings
 * are fixed, its default mode and severity. Everything else is derived from it: the rule ids and the
 * config schema's `rules` member, the state the pipeline reads, the IAM permissions the roles must
 * hold (checked by a test against the packaged template).
 */
export interface Rule<Id extends string = string> {
  id: Id;
  title: string;
  severity: Severity;
  /** Mode when the configuration does not say (`rules.<id>`). */
  defaultMode: RuleMode;
  appliesTo: ResourceType;
  /** State `check` needs; the pipeline reads the union of the enabled rules' reads. */
  reads: readonly StateRead[];
  /**
   * The CloudTrail events that can change what the rule reads beyond the policy and tags (absent:
   * every trigger). On another event the rule's extra reads are not made and the rule is
   * `not-read`; sweeps always read and judge it. Grants change only through CreateGrant (and
   * retire/revoke, which only remove access), so a PutKeyPolicy event does not list them.
   */
  eventTriggers?: readonly string[];
  /** The remediation module that applies `plan` (absent: the rule only alerts). */
  remediation?: RemediationKind;
  /**
   * The rule's own settings, `ruleOptions.<id>` in the configuration: a strict object schema whose
   * fields are optional or defaulted. The configuration schema is built from these fragments, so a
   * misspelt setting is a configuration error naming its path; the rule reads it with `optionsOf`.
   */
  options?: z.ZodMiniType<Record<string, unknown>>;
  /**
   * Whether the rule judges this resource at all (e.g. KMS interface endpoints, customer-managed
   * keys). For keys it sees the description only (what DescribeKey says): the pipeline asks it
   * before reading what the rule declared.
   */
  applies(resource: Resource): boolean;
  check(resource: Resource, ctx: RuleContext): Finding[];
  /** The change that fixes the findings; `none` with a reason when it cannot be made. */
  plan(resource: Resource, findings: Finding[], ctx: RuleContext): RemediationPlan;
}

/**
 * A rule's settings as the configuration holds them, validated by the rule's `options` schema when
 * the configuration was parsed. A configuration built without parsing (tests) gets the schema's
 * defaults, exactly as an absent `ruleOptions.<id>` does.
 */
export function optionsOf<T extends Record<string, unknown>>(
  id: string,
  schema: z.ZodMiniType<T>,
  ctx: RuleContext,
): T {
  const given = (ctx.config.ruleOptions as Record<string, unknown> | undefined)?.[id];
  return given === undefined ? z.parse(schema, {}) : (given as T);
}

/** Keeps a rule's id as its literal type, so the registry yields the `RuleId` union. */
export function defineRule<const Id extends string>(rule: Rule<Id>): Rule<Id> {
  return rule;
}
