import { conditionMatches, type EvaluationOptions } from './evaluate-conditions.js';
import { literalPattern, resolvePolicyValue, wildcardMatch } from './evaluate-patterns.js';
import type {
  ConcreteRequest,
  PatternElement,
  Policy,
  PrincipalElement,
  RequestPrincipal,
  Statement,
} from './types.js';

/**
 * The concrete evaluator: does ONE resource policy allow ONE fully specified request?
 * It is the referee of the symbolic analyzer in differential tests, so it favours the obvious over
 * the fast, and shares no code with it.
 */

export type Decision = 'allow' | 'implicit-deny' | 'explicit-deny';

export interface Evaluation {
  decision: Decision;
  /** `Statement.index` of every matching Allow statement. */
  allowedBy: number[];
  /** `Statement.index` of every matching Deny statement. */
  deniedBy: number[];
}

export type { EvaluationOptions } from './evaluate-conditions.js';

const WITH_VARIABLES: EvaluationOptions = { policyVariables: true };

/**
 * Allowed iff some Allow statement matches and no Deny statement matches: "an explicit deny in any
 * policy overrides any allows" (IAM User Guide, "Policy evaluation logic"). With no match the
 * request is implicitly denied.
 */
export function evaluate(policy: Policy, request: ConcreteRequest): Evaluation {
  // Variables are only variables under Version 2012-10-17 (IAM User Guide, "Variables and tags").
  const options: EvaluationOptions = { policyVariables: policy.version === '2012-10-17' };
  const allowedBy: number[] = [];
  const deniedBy: number[] = [];
  for (const statement of policy.statements) {
    if (!statementMatches(statement, request, options)) continue;
    if (statement.effect === 'Deny') deniedBy.push(statement.index);
    else allowedBy.push(statement.index);
  }
  const decision: Decision =
    deniedBy.length > 0 ? 'explicit-deny' : allowedBy.length > 0 ? 'allow' : 'implicit-deny';
  return { decision, allowedBy, deniedBy };
}

/** A statement matches iff its principal, action, resource and every condition match. */
export function statementMatches(
  statement: Statement,
  request: ConcreteRequest,
  options: EvaluationOptions = WITH_VARIABLES,
): boolean {
  return (
    principalMatches(statement.principal, request.principal) &&
    actionMatches(statement.action, request.action) &&
    resourceMatches(statement.resource, request, options) &&
    statement.conditions.every((entry) => conditionMatches(entry, request.context, options))
  );
}

/** Action names match case-insensitively, with `*` and `?` wildcards (IAM User Guide, "Action"). */
function actionMatches(element: PatternElement, action: string): boolean {
  const listed = element.patterns.some((pattern) => wildcardMatch(literalPattern(pattern), action, true));
  return element.negated ? !listed : listed;
}

/**
 * Resources match case-sensitively with wildcards; policy variables are allowed in the Resource
 * element (IAM User Guide, "Variables and tags"), and one that cannot be resolved matches nothing.
 */
function resourceMatches(
  element: PatternElement,
  request: ConcreteRequest,
  options: EvaluationOptions = WITH_VARIABLES,
): boolean {
  const listed = element.patterns.some((pattern) => {
    const resolved = resolvePolicyValue(pattern, request.context, options.policyVariables);
    return resolved !== undefined && wildcardMatch(resolved, request.resource, false);
  });
  return element.negated ? !listed : listed;
}

// ---------------------------------------------------------------------------------------------
// Principals

type AwsPrincipalKind = 'root' | 'user' | 'role' | 'session' | 'other';

interface AwsIdentity {
  arn: string;
  partition: string;
  account: string;
  kind: AwsPrincipalKind;
  /** Role name of a role or of a role session. */
  roleName?: string;
}

const IAM_ARN = /^arn:([^:]+):(iam|sts)::(\d{12}):(.+)$/;

/**
 * The principal ARNs a request can carry: `arn:aws:iam::<acct>:root`, `...:user/<path/>Name`,
 * `...:role/<path/>Name` (a session of that role), `arn:aws:sts::<acct>:assumed-role/Name/Session`.
 */
function parseAwsIdentity(arn: string): AwsIdentity | undefined {
  const m = IAM_ARN.exec(arn);
  if (!m) return undefined;
  const [, partition = '', service, account = '', resource = ''] = m;
  const base = { arn, partition, account };
  if (service === 'iam' && resource === 'root') return { ...base, kind: 'root' };
  if (service === 'iam' && resource.startsWith('user/')) return { ...base, kind: 'user' };
  if (service === 'iam' && resource.startsWith('role/')) {
    return { ...base, kind: 'role', roleName: resource.split('/').at(-1) ?? '' };
  }
  const session = /^assumed-role\/([^/]+)\/[^/]+$/.exec(resource);
  if (service === 'sts' && session) return { ...base, kind: 'session', roleName: session[1] ?? '' };
  return { ...base, kind: 'other' };
}

/**
 * A policy entry naming the requester's account: its root ARN, or a bare 12-digit id (the parser
 * normalises those, but the referee does not rely on it). Granting to an account delegates to
 * every principal in it (IAM User Guide, "AWS JSON policy elements: Principal", AWS account principals).
 */
function namesAccount(entry: string, identity: AwsIdentity): boolean {
  return entry === identity.account || entry === `arn:${identity.partition}:iam::${identity.account}:root`;
}

/** A role ARN (any path) whose role is the one the requesting session assumed. */
function namesRoleOfSession(entry: string, identity: AwsIdentity): boolean {
  if (identity.kind !== 'session') return false;
  const role = parseAwsIdentity(entry);
  return (
    role?.kind === 'role' &&
    role.partition === identity.partition &&
    role.account === identity.account &&
    role.roleName === identity.roleName
  );
}

/**
 * Whether one AWS entry of a Principal element covers the requester. Unique ids (`AROA...`,
 * `AIDA...`), which a deleted principal leaves behind, equal no request ARN and so match nothing.
 * Wildcards are not expanded: only a whole `*` means everyone (IAM User Guide, "Principal").
 */
function awsEntryMatches(entry: string, arn: string, identity: AwsIdentity | undefined): boolean {
  if (entry === '*' || entry === arn) return true;
  if (!identity) return false;
  return namesAccount(entry, identity) || namesRoleOfSession(entry, identity);
}

function principalListed(element: PrincipalElement, principal: RequestPrincipal): boolean {
  // `"*"` and `{"AWS": "*"}` mean the same: everyone (SPEC.md §2).
  if (element.any || element.aws.includes('*')) return true;
  if ('AWS' in principal) {
    const identity = parseAwsIdentity(principal.AWS);
    return element.aws.some((entry) => awsEntryMatches(entry, principal.AWS, identity));
  }
  if ('Service' in principal) return element.service.includes(principal.Service);
  return element.federated.includes(principal.Federated);
}

/**
 * NotPrincipal excludes a requester only when every level of its identity is listed: AWS evaluates
 * the account, then the user or role, then the session, and "When you use NotPrincipal, you must
 * also specify the account ARN of the principal that must not be denied" (IAM User Guide,
 * "NotPrincipal"). Root: the account; user: account AND user ARN; role or session: account AND
 * (role ARN or session ARN).
 */
function principalExcluded(element: PrincipalElement, principal: RequestPrincipal): boolean {
  if (element.any || element.aws.includes('*')) return true;
  if ('Service' in principal) return element.service.includes(principal.Service);
  if ('Federated' in principal) return element.federated.includes(principal.Federated);
  const arn = principal.AWS;
  const identity = parseAwsIdentity(arn);
  if (!identity) return element.aws.includes(arn);
  const accountListed = element.aws.some((entry) => namesAccount(entry, identity));
  if (identity.kind === 'root') return accountListed;
  const selfListed = element.aws.includes(arn);
  if (identity.kind === 'session') {
    return accountListed && (selfListed || element.aws.some((entry) => namesRoleOfSession(entry, identity)));
  }
  return accountListed && selfListed;
}

export function principalMatches(element: PrincipalElement, principal: RequestPrincipal): boolean {
  return element.negated ? !principalExcluded(element, principal) : principalListed(element, principal);
}
