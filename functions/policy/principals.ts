import type { PrincipalElement } from './types.js';

/** The principal types a resource policy may name (`Principal: { "<type>": ... }`). */
export type PrincipalType = 'AWS' | 'Service' | 'Federated' | 'CanonicalUser';

// Principal types as listed in the IAM reference:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
export const PRINCIPAL_TYPES: readonly PrincipalType[] = ['AWS', 'Service', 'Federated', 'CanonicalUser'];

const ACCOUNT_ID = /^\d{12}$/;

export function isPrincipalType(name: string): name is PrincipalType {
  return (PRINCIPAL_TYPES as readonly string[]).includes(name);
}

/** A 12-digit AWS account id (leading zeros are significant). */
function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

function accountRootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}

/**
 * One `AWS` principal entry as written, normalized: a bare account id names the account, exactly as
 * `arn:aws:iam::<id>:root` does (IAM principal reference, "AWS account principals").
 * Everything else (role/user/assumed-role ARNs, unique ids left behind by deleted principals) is
 * kept verbatim; deciding what it names is the analyzer's job.
 */
export function normalizeAwsPrincipal(entry: string): string {
  return isAccountId(entry) ? accountRootArn(entry) : entry;
}

/**
 * A JSON number in an `AWS` principal list is accepted only when it spells a 12-digit account id;
 * any other number (too short, fractional, exponent) cannot name a principal.
 */
export function accountIdFromNumber(value: number): string | undefined {
  if (!Number.isSafeInteger(value) || value < 0) return undefined;
  const text = String(value);
  return isAccountId(text) ? text : undefined;
}

export function emptyPrincipalElement(negated: boolean): PrincipalElement {
  return { negated, any: false, aws: [], service: [], federated: [], canonicalUser: [] };
}
