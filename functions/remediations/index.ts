import type { ChangePlan, RemediationKind } from '../rules/types.js';
import { enablePrivateDns } from './enable-private-dns.js';
import { modifyEndpointPolicy } from './modify-endpoint-policy.js';
import { putKeyPolicy } from './put-key-policy.js';
import { revokeGrant } from './revoke-grant.js';
import type { ChangeDescription, RemediationModule } from './types.js';

/** Every remediation kind, by name: a rule names the one that applies its plans. */
export const REMEDIATIONS: { readonly [K in RemediationKind]: RemediationModule<K> } = {
  'put-key-policy': putKeyPolicy,
  'modify-endpoint-policy': modifyEndpointPolicy,
  'enable-private-dns': enablePrivateDns,
  'revoke-grant': revokeGrant,
};

export function remediationOf<K extends RemediationKind>(kind: K): RemediationModule<K> {
  return REMEDIATIONS[kind] as RemediationModule<K>;
}

/** Dispatch on a plan whose kind is only known at run time. */
export function describeChange(plan: ChangePlan): ChangeDescription {
  return (remediationOf(plan.kind).describe as (p: ChangePlan) => ChangeDescription)(plan);
}

export type { ReadBack, RemediationModule, ResourceWrite, SafetyProof } from './types.js';
