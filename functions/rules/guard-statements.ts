import type { GuardConfig } from '../config/schema.js';
import { appendStatements } from '../policy/json-text.js';
import type { Policy } from '../policy/types.js';

/** Every statement the guard writes has a Sid with this prefix (SPEC.md §3). */
export const GUARD_SID_PREFIX = 'KmsPerimeterGuard';

export const GUARD_SIDS = {
  denyExternal: `${GUARD_SID_PREFIX}DenyExternalPrincipals`,
  denyExternalService: `${GUARD_SID_PREFIX}DenyServiceCallsForExternalAccounts`,
  denyOffNetworkCrypto: `${GUARD_SID_PREFIX}DenyCryptoOutsideApprovedNetwork`,
} as const;

export type GuardStatement = Record<string, unknown> & { Sid: string; Effect: 'Deny' };

/**
 * Deny every principal whose account is not trusted and whose organization is not trusted.
 * StringNotEquals on an absent aws:PrincipalOrgID is true, so principals of accounts outside any
 * organization are denied too (IAM condition operators: negated operators on missing keys).
 * For keys, service principals are exempted (BoolIfExists aws:PrincipalIsAWSService false) so
 * AWS services keep working, as the KMS developer guide's perimeter examples do.
 */
export function denyExternalPrincipals(config: GuardConfig, forKey: boolean): GuardStatement | undefined {
  const notTrusted: Record<string, string[]> = {};
  if (config.trust.accounts.length) notTrusted['aws:PrincipalAccount'] = [...config.trust.accounts];
  if (config.trust.organizationIds.length)
    notTrusted['aws:PrincipalOrgID'] = [...config.trust.organizationIds];
  if (Object.keys(notTrusted).length === 0) return undefined;
  return {
    Sid: GUARD_SIDS.denyExternal,
    Effect: 'Deny',
    Principal: '*',
    Action: forKey ? 'kms:*' : '*',
    Resource: '*',
    Condition: {
      StringNotEquals: notTrusted,
      ...(forKey ? { BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } } : {}),
    },
  };
}

/**
 * Deny AWS service principals acting for an account outside the trusted ones (aws:SourceAccount
 * present and untrusted): a grant to a service "for" a foreign account is external access.
 */
export function denyExternalServiceCalls(config: GuardConfig): GuardStatement | undefined {
  if (config.trust.accounts.length === 0) return undefined;
  return {
    Sid: GUARD_SIDS.denyExternalService,
    Effect: 'Deny',
    Principal: '*',
    Action: 'kms:*',
    Resource: '*',
    Condition: {
      Bool: { 'aws:PrincipalIsAWSService': 'true' },
      Null: { 'aws:SourceAccount': 'false' },
      StringNotEquals: { 'aws:SourceAccount': [...config.trust.accounts] },
    },
  };
}

/**
 * Deny the configured crypto actions unless the request comes through an approved network, with
 * the configured exemptions. Keys inside one operator are ANDed, so the Deny holds only when every
 * approval fails. The IfExists forms keep the statement true when a network key is absent (a call
 * from the internet has no aws:SourceVpce, an endpoint owner in no organization no aws:VpceOrgID).
 * aws:VpceOrgPaths is multivalued: `ForAllValues:StringNotLike` is true when no value is under an
 * approved path, and when the key is absent (IAM: ForAllValues on a missing key is true), which is
 * exactly "not approved by path". KMS populates aws:VpceAccount, aws:VpceOrgID, aws:VpceOrgPaths and
 * aws:SourceVpcArn on requests through an endpoint (IAM global condition keys, each key's list of
 * supporting services names AWS KMS), so approving by them locks no approved caller out. AWS
 * services calling on a principal's behalf do not come through the customer's endpoint, hence the
 * aws:ViaAWSService exception (KMS developer guide, "aws:SourceVpce" and the data perimeter examples).
 * A list left empty writes nothing, so a configuration that only approves endpoints and VPCs writes
 * the statement it always wrote (and the guard keeps recognising its own).
 */
export function denyOffNetworkCrypto(config: GuardConfig): GuardStatement | undefined {
  const n = config.network;
  if (!hasApprovedNetwork(config)) return undefined;
  const network: Record<string, string[]> = {};
  if (n.vpceIds.length) network['aws:SourceVpce'] = [...n.vpceIds];
  if (n.vpcIds.length) network['aws:SourceVpc'] = [...n.vpcIds];
  if (n.vpceAccounts.length) network['aws:VpceAccount'] = [...n.vpceAccounts];
  if (n.vpceOrgIds.length) network['aws:VpceOrgID'] = [...n.vpceOrgIds];
  const condition: Record<string, unknown> = {};
  if (Object.keys(network).length) condition.StringNotEqualsIfExists = network;
  if (n.vpceOrgPaths.length)
    condition['ForAllValues:StringNotLike'] = { 'aws:VpceOrgPaths': [...n.vpceOrgPaths] };
  if (n.allowAwsServiceCalls) {
    condition.BoolIfExists = { 'aws:ViaAWSService': 'false', 'aws:PrincipalIsAWSService': 'false' };
  }
  const arns: Record<string, string[]> = {};
  if (n.exemptPrincipalArns.length) arns['aws:PrincipalArn'] = [...n.exemptPrincipalArns];
  if (n.vpcArns.length) arns['aws:SourceVpcArn'] = [...n.vpcArns];
  if (Object.keys(arns).length) condition.ArnNotLikeIfExists = arns;
  return {
    Sid: GUARD_SIDS.denyOffNetworkCrypto,
    Effect: 'Deny',
    Principal: '*',
    Action: [...n.cryptoActions],
    Resource: '*',
    Condition: condition,
  };
}

/** Whether the configuration approves some network for crypto calls (else the rule cannot plan). */
export function hasApprovedNetwork(config: GuardConfig): boolean {
  const n = config.network;
  return [n.vpceIds, n.vpcIds, n.vpceAccounts, n.vpceOrgIds, n.vpceOrgPaths, n.vpcArns].some(
    (l) => l.length > 0,
  );
}

/**
 * The guard's own statement is exactly what it would write: a Sid of the guard family (`<base>` or
 * `<base><n>`) *and* the same content. Anything else with a guard Sid — an Allow an owner named
 * `KmsPerimeterGuardDenyExternalPrincipals`, a guard Deny from an older configuration — is an
 * original statement: kept verbatim, never replaced, and the guard writes under another Sid.
 */
function isOwnGuardStatement(raw: unknown, guard: GuardStatement): boolean {
  if (!isObject(raw) || typeof raw.Sid !== 'string' || !inSidFamily(raw.Sid, guard.Sid)) return false;
  const { Sid: _a, ...mine } = guard;
  const { Sid: _b, ...theirs } = raw;
  return canonicalJson(mine) === canonicalJson(theirs);
}

/** `KmsPerimeterGuardDenyExternalPrincipals`, `KmsPerimeterGuardDenyExternalPrincipals2`, ... */
function inSidFamily(sid: string, base: string): boolean {
  return sid === base || (sid.startsWith(base) && /^[2-9]\d*$/.test(sid.slice(base.length)));
}

/**
 * JSON with object keys sorted and one-element lists read as their element (IAM reads `["x"]` and
 * `"x"` alike), so a guard statement read back from AWS compares equal to the one written.
 */
export function canonicalJson(value: unknown): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.length === 1 ? canon(v[0]) : v.map(canon);
    if (isObject(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort())
        Object.defineProperty(out, k, { value: canon(v[k]), enumerable: true });
      return out;
    }
    return v;
  };
  return JSON.stringify(canon(value));
}

export interface GuardPlacement {
  /** The new policy text: the original text, byte for byte, with the added statements appended. */
  text: string;
  /** `text` parsed. */
  document: Record<string, unknown>;
  /** Sids of the guard statements the plan relies on (already present, or added). */
  guardSids: string[];
  /** The statements added (empty when every guard statement was already there). */
  added: GuardStatement[];
}

/**
 * Place guard statements in a policy: a guard statement already present exactly (Sid family and
 * content) is reused; otherwise it is appended under the first Sid of its family that no statement
 * of the policy uses. Every original statement keeps its text and position.
 */
export function placeGuards(policy: Policy, guards: readonly GuardStatement[]): GuardPlacement {
  const used = new Set(policy.statements.flatMap((s) => (s.sid === undefined ? [] : [s.sid])));
  const guardSids: string[] = [];
  const added: GuardStatement[] = [];
  for (const guard of guards) {
    const own = policy.statements.find((s) => isOwnGuardStatement(s.raw, guard));
    if (own?.sid !== undefined) {
      guardSids.push(own.sid);
      continue;
    }
    let sid = guard.Sid;
    for (let n = 2; used.has(sid); n++) sid = `${guard.Sid}${n}`;
    used.add(sid);
    const { Sid: _, ...content } = guard;
    added.push({ Sid: sid, ...content } as GuardStatement);
    guardSids.push(sid);
  }
  const text = appendStatements(policy.text, added);
  return { text, document: JSON.parse(text) as Record<string, unknown>, guardSids, added };
}

/** Every statement the guard may write under `config` (keys and endpoints). */
function guardStatementsFor(config: GuardConfig): GuardStatement[] {
  return [
    denyExternalPrincipals(config, true),
    denyExternalPrincipals(config, false),
    denyExternalServiceCalls(config),
    denyOffNetworkCrypto(config),
  ].filter((g): g is GuardStatement => g !== undefined);
}

/** Whether a statement is one the guard writes under `config` (Sid family and exact content). */
export function isGuardWritten(raw: unknown, config: GuardConfig): boolean {
  return guardStatementsFor(config).some((g) => isOwnGuardStatement(raw, g));
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** AWS applies this document when an interface endpoint has no policy ("full access"). */
export const DEFAULT_ENDPOINT_POLICY = {
  Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
};
