/**
 * The policy model shared by the parser, the symbolic analyzer and the concrete evaluator.
 * Pure data: nothing here imports the AWS SDK.
 */

/** A problem in an input, located by JSON path (`Statement[2].Condition.StringEqual`). */
export interface Issue {
  path: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

export type Effect = 'Allow' | 'Deny';

/** Condition operators without the `ForAllValues:`/`ForAnyValue:` prefix and `IfExists` suffix. */
export type BaseOperator =
  | 'StringEquals'
  | 'StringNotEquals'
  | 'StringEqualsIgnoreCase'
  | 'StringNotEqualsIgnoreCase'
  | 'StringLike'
  | 'StringNotLike'
  | 'NumericEquals'
  | 'NumericNotEquals'
  | 'NumericLessThan'
  | 'NumericLessThanEquals'
  | 'NumericGreaterThan'
  | 'NumericGreaterThanEquals'
  | 'DateEquals'
  | 'DateNotEquals'
  | 'DateLessThan'
  | 'DateLessThanEquals'
  | 'DateGreaterThan'
  | 'DateGreaterThanEquals'
  | 'Bool'
  | 'BinaryEquals'
  | 'IpAddress'
  | 'NotIpAddress'
  | 'ArnEquals'
  | 'ArnLike'
  | 'ArnNotEquals'
  | 'ArnNotLike'
  | 'Null';

export type SetQualifier = 'ForAllValues' | 'ForAnyValue';

/** One `operator: { key: values }` pair of a Condition block. */
export interface ConditionEntry {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  operator: string;
  base: BaseOperator;
  qualifier?: SetQualifier;
  ifExists: boolean;
  /** The key as written; matching is case-insensitive (IAM condition key names are). */
  key: string;
  /** `key` lower-cased, for lookups. */
  keyLower: string;
  /** Values as strings (JSON numbers and booleans are stringified as AWS does). */
  values: string[];
  /** JSON path of the key inside the document: `Statement[1].Condition.StringEquals.aws:SourceVpce`. */
  path: string;
}

/**
 * Principal or NotPrincipal, normalized: `"*"` and `{"AWS":"*"}` both become `any`;
 * a 12-digit account id becomes `arn:aws:iam::<id>:root`.
 */
export interface PrincipalElement {
  negated: boolean;
  any: boolean;
  aws: string[];
  service: string[];
  federated: string[];
  canonicalUser: string[];
}

export interface PatternElement {
  negated: boolean;
  /** Patterns as written (`*` and `?` wildcards). Actions match case-insensitively. */
  patterns: string[];
}

export interface Statement {
  /** Position in the document's Statement list (0 when Statement was a single object). */
  index: number;
  sid?: string;
  effect: Effect;
  principal: PrincipalElement;
  action: PatternElement;
  resource: PatternElement;
  conditions: ConditionEntry[];
  /** JSON path of the statement: `Statement[3]`, or `Statement` when it was a single object. */
  path: string;
  /** The statement exactly as it appeared in the input. */
  raw: Record<string, unknown>;
}

export interface Policy {
  version?: string;
  id?: string;
  statements: Statement[];
  /** The whole document exactly as it was parsed (kept so remediation preserves it verbatim). */
  raw: Record<string, unknown>;
  /** Size of the JSON text the document was read from (or of its compact serialization). */
  sizeBytes: number;
  /**
   * The JSON text the document was read from (or its compact serialization when it was given as an
   * object). Remediation appends to this text, so original statements keep their exact bytes.
   */
  text: string;
}

/** A request principal as shown in witnesses and fed to the concrete evaluator. */
export type RequestPrincipal = { AWS: string } | { Service: string } | { Federated: string };

/**
 * One fully specified request: the witness format of SPEC.md §2. Context keys are spelled as
 * AWS spells them; lookups are case-insensitive. A key that is absent from the request is
 * absent from `context`. Multivalued keys (aws:PrincipalOrgPaths, ...) are arrays.
 */
export interface ConcreteRequest {
  principal: RequestPrincipal;
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

export type Witness = ConcreteRequest;
