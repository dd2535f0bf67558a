/**
 * Claims: a value an event states about its resource (an account, a region, an id) with the JSON
 * path it was read from, so that disagreements between the envelope, the record and the resource
 * are reported where they are.
 */
import { describe, jsonPath, member, normalizeAccountId } from './envelope.js';
import type { Issue } from './types.js';

export interface Claim {
  value: string;
  path: string;
}

export interface Claims {
  accounts: Claim[];
  regions: Claim[];
}

export interface ResourceClaims {
  issues: Issue[];
  accounts: Claim[];
  regions: Claim[];
  policyText?: string;
  tags?: { key: string; value: string }[];
}

export function accountClaim(
  value: unknown,
  path: string,
  out: { accounts: Claim[]; issues: Issue[] },
): void {
  const account = normalizeAccountId(value);
  if (account === undefined) {
    out.issues.push({ path, message: `expected a 12-digit AWS account id, got ${JSON.stringify(value)}` });
  } else {
    out.accounts.push({ value: account, path });
  }
}

/** A string member (case-insensitive name); null counts as absent; another type is an issue. */
export function stringMember(
  obj: Record<string, unknown>,
  name: string,
  path: string,
  issues: Issue[],
): string | undefined {
  const found = member(obj, name);
  if (!found || found.value === null || found.value === undefined) return undefined;
  if (typeof found.value === 'string' && found.value !== '') return found.value;
  if (found.value === '') return undefined;
  issues.push({
    path: jsonPath([found.key], path),
    message: `expected a string, got ${describe(found.value)}`,
  });
  return undefined;
}

/** The first claim, after checking that every other claim agrees with it. */
export function settle(claims: Claim[], what: string, issues: Issue[]): string | undefined {
  const [first, ...rest] = claims;
  if (!first) return undefined;
  for (const claim of rest) {
    if (claim.value !== first.value) {
      issues.push({
        path: claim.path,
        message: `${what} ${claim.value} disagrees with ${what} ${first.value} at ${first.path}`,
      });
    }
  }
  return first.value;
}
