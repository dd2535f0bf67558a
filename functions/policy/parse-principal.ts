/** The Principal and NotPrincipal elements of a statement. */
import { type Collector, child, describe, isJsonObject, parseList, presentKeys } from './parse-support.js';
import {
  accountIdFromNumber,
  emptyPrincipalElement,
  isPrincipalType,
  normalizeAwsPrincipal,
  PRINCIPAL_TYPES,
  type PrincipalType,
} from './principals.js';
import { unknownElement } from './suggestions.js';
import type { PrincipalElement } from './types.js';

export function parsePrincipal(
  value: unknown,
  path: string,
  negated: boolean,
  issues: Collector,
): PrincipalElement | undefined {
  const element = emptyPrincipalElement(negated);
  // "*" and {"AWS": "*"} are the same principal ("everyone"):
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous
  if (value === '*') return { ...element, any: true };
  if (typeof value === 'string') {
    issues.add(
      path,
      `a principal string must be "*"; name principals as {"AWS": ...}, {"Service": ...}, ` +
        `{"Federated": ...} or {"CanonicalUser": ...}, got ${describe(value)}`,
    );
    return undefined;
  }
  if (!isJsonObject(value)) {
    issues.add(path, `must be "*" or an object of principal types, got ${describe(value)}`);
    return undefined;
  }
  const types = presentKeys(value);
  if (types.length === 0) {
    issues.add(path, 'names no principal');
    return undefined;
  }
  const before = issues.count;
  for (const type of types) {
    const typePath = child(path, type);
    if (!isPrincipalType(type)) {
      issues.add(typePath, unknownElement(type, PRINCIPAL_TYPES, 'principal type'));
      continue;
    }
    const entries = parseList(value[type], typePath, issues, (item, itemPath) =>
      principalEntry(type, item, itemPath, issues),
    );
    if (!entries) continue;
    switch (type) {
      case 'AWS':
        for (const entry of entries) {
          if (entry === '*') element.any = true;
          else element.aws.push(normalizeAwsPrincipal(entry));
        }
        break;
      case 'Service':
        element.service.push(...entries);
        break;
      case 'Federated':
        element.federated.push(...entries);
        break;
      case 'CanonicalUser':
        element.canonicalUser.push(...entries);
        break;
    }
  }
  return issues.count > before ? undefined : element;
}

function principalEntry(
  type: PrincipalType,
  item: unknown,
  path: string,
  issues: Collector,
): string | undefined {
  if (typeof item === 'string') {
    // "You cannot use a wildcard to match part of a principal name or ARN" (IAM User Guide, "AWS
    // JSON policy elements: Principal"): KMS refuses such a key policy, so it has no meaning to judge.
    if (type === 'AWS' && item !== '*' && /[*?]/.test(item)) {
      issues.add(
        path,
        `${describe(item)} uses a wildcard inside a principal; IAM accepts only a whole "*" (use Principal "*" with an aws:PrincipalArn or aws:PrincipalAccount condition to match a pattern)`,
      );
      return undefined;
    }
    if (type === 'CanonicalUser') {
      // Canonical user ids name Amazon S3 users; the principals a key policy may name are accounts,
      // IAM users and roles, role and federated sessions, and AWS services (KMS Developer Guide,
      // "Permissions in key policies: Principal"), and interface endpoint policies follow IAM's.
      issues.add(
        path,
        'CanonicalUser principals are Amazon S3 principals; key policies and VPC endpoint policies cannot name them',
      );
      return undefined;
    }
    return item;
  }
  if (type === 'AWS' && typeof item === 'number') {
    const account = accountIdFromNumber(item);
    if (account) return account;
    issues.add(path, `a number here must be a 12-digit account id, got ${describe(item)}`);
    return undefined;
  }
  issues.add(path, `must be a string, got ${describe(item)}`);
  return undefined;
}
