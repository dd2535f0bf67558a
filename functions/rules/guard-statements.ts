import type { GuardConfig } from '../config/schema.js';

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
 * Deny the configured crypto actions unless the request comes through an approved VPC endpoint or
 * VPC, with the configured exemptions. The IfExists forms keep the statement true when a network
 * key is absent (a call from the internet has no aws:SourceVpce). AWS services calling on a
 * principal's behalf do not come through the customer's endpoint, hence the aws:ViaAWSService
 * exception (KMS developer guide, "aws:SourceVpce" and the data perimeter examples).
 */
export function denyOffNetworkCrypto(config: GuardConfig): GuardStatement | undefined {
  const { vpceIds, vpcIds, allowAwsServiceCalls, exemptPrincipalArns, cryptoActions } = config.network;
  if (vpceIds.length === 0 && vpcIds.length === 0) return undefined;
  const network: Record<string, string[]> = {};
  if (vpceIds.length) network['aws:SourceVpce'] = [...vpceIds];
  if (vpcIds.length) network['aws:SourceVpc'] = [...vpcIds];
  const condition: Record<string, unknown> = { StringNotEqualsIfExists: network };
  if (allowAwsServiceCalls) {
    condition.BoolIfExists = { 'aws:ViaAWSService': 'false', 'aws:PrincipalIsAWSService': 'false' };
  }
  if (exemptPrincipalArns.length)
    condition.ArnNotLikeIfExists = { 'aws:PrincipalArn': [...exemptPrincipalArns] };
  return {
    Sid: GUARD_SIDS.denyOffNetworkCrypto,
    Effect: 'Deny',
    Principal: '*',
    Action: [...cryptoActions],
    Resource: '*',
    Condition: condition,
  };
}

/**
 * The document with `guard` statements added: a guard statement with the same Sid is replaced in
 * place, never duplicated; every other statement is kept verbatim and in order.
 */
export function withGuardStatements(
  doc: Record<string, unknown>,
  guards: GuardStatement[],
): Record<string, unknown> {
  const original = doc.Statement;
  const statements: unknown[] = Array.isArray(original)
    ? [...original]
    : original === undefined
      ? []
      : [original];
  for (const g of guards) {
    const at = statements.findIndex((s) => isObject(s) && s.Sid === g.Sid);
    if (at >= 0) statements[at] = g;
    else statements.push(g);
  }
  return { ...doc, Statement: statements };
}

export function isGuardStatement(s: unknown): boolean {
  return isObject(s) && typeof s.Sid === 'string' && s.Sid.startsWith(GUARD_SID_PREFIX);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** AWS applies this document when an interface endpoint has no policy ("full access"). */
export const DEFAULT_ENDPOINT_POLICY = {
  Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
};
