import type { CompiledCondition } from './condition-ops.js';
import {
  NETWORK_KEYS,
  PRINCIPAL_KEYS,
  RESOURCE_KEYS,
  type RequestClass,
  type Trust,
  VIA_KEYS,
} from './request-model.js';
import type { RequestPrincipal, Statement } from './types.js';

/**
 * Candidate values per dimension of the request. A dimension is a group of request attributes that
 * are coupled (who the principal is; the network path) or one free attribute (the action, the
 * resource, one other condition key). Within a dimension the candidates cover every cell of the
 * partition that the policy's patterns induce, so searching them is exact; `exact` is false where a
 * bound was hit.
 */
export interface Candidate {
  /** Context values by lower-cased key; absent keys are missing. */
  values: Record<string, string | string[]>;
  principal?: RequestPrincipal;
  principalInfo?: PrincipalInfo;
  /** Memo key of `principal` (set lazily by the analyzer). */
  principalKey?: string;
  action?: string;
  resource?: string;
  network?: 'public' | 'vpce';
}

export interface PrincipalInfo {
  kind: 'root' | 'user' | 'role' | 'session' | 'service' | 'federated';
  /** The principal's own account (IAM), or the account a service acts for. */
  account?: string;
  orgId?: string;
  external: boolean;
  /** Whether the principal counts as trusted (its account or organization is trusted). */
  trusted: boolean;
  /** Role ARN for sessions, principal ARN otherwise. */
  arn?: string;
}

export interface Dimension {
  name: string;
  candidates: Candidate[];
  exact: boolean;
  /** Why the dimension is not exact. */
  inexactReason?: string;
}

export interface DimensionInput {
  statements: Statement[];
  conditions: Map<Statement, CompiledCondition[]>;
  requestClass: RequestClass;
  trust: Trust;
}

export function dimensionOf(keyLower: string): string {
  if (PRINCIPAL_KEYS.has(keyLower)) return 'principal';
  if (NETWORK_KEYS.has(keyLower)) return 'network';
  if (RESOURCE_KEYS.has(keyLower)) return 'resource';
  if (VIA_KEYS.has(keyLower)) return 'via';
  return `key:${keyLower}`;
}

export function conditionsOn(input: DimensionInput, keys: (k: string) => boolean): CompiledCondition[] {
  const out: CompiledCondition[] = [];
  for (const list of input.conditions.values()) for (const c of list) if (keys(c.entry.keyLower)) out.push(c);
  return out;
}

export function unique<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}
