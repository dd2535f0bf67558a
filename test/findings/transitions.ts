/** Steps as the lifecycle makes them (functions/findings/lifecycle.ts), and the open findings they are about. */
import { findingId, subjectOf } from '../../functions/findings/finding-id.js';
import { fingerprintOf, type Observation, type Step, step } from '../../functions/findings/lifecycle.js';
import type { OpenFinding } from '../../functions/findings/open-findings.js';
import type { Witness } from '../../functions/policy/types.js';

export const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const ACCOUNT = '111122223333';
export const T0 = '2026-12-01T08:00:00.000Z';
export const T1 = '2026-12-02T09:30:00.000Z';
export const T2 = '2026-12-03T10:45:00.000Z';

export const WITNESS: Witness = {
  principal: { AWS: 'arn:aws:iam::444455556666:root' },
  action: 'kms:Decrypt',
  resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY}`,
  context: { 'aws:PrincipalAccount': '444455556666', 'aws:ViaAWSService': 'false' },
};

const key = { type: 'kms-key' as const, id: KEY, account: ACCOUNT, region: 'eu-west-1' };
export const subject = subjectOf(key, 'key-no-external-principals');
export const id = findingId(subject);

export const openFinding = (witness: Witness = WITNESS): OpenFinding => ({
  id,
  subject,
  resource: { type: 'kms-key', id: KEY },
  rule: 'key-no-external-principals',
  severity: 'high',
  title: 'Key policies admit no external principal',
  description: `kms-key ${KEY}: arn:aws:iam::444455556666:root may call kms:Decrypt`,
  proof: 'witness',
  witness,
});

const seen = (kind: 'open' | 'remediated', witness: Witness = WITNESS): Observation => ({
  kind,
  id,
  subject,
  severity: 'high',
  fingerprint: fingerprintOf('high', witness),
});

/** new at T0; then, from that record, each other transition at T1 (reopened: from resolved). */
export function steps(): Record<Step['transition'], Step> {
  const created = step(undefined, seen('open'), T0) as Step;
  const resolved = step(created.next, { kind: 'compliant', id, subject }, T1) as Step;
  const other: Witness = { ...WITNESS, action: 'kms:Encrypt' };
  return {
    new: created,
    changed: step(created.next, seen('open', other), T1) as Step,
    remediated: step(created.next, seen('remediated'), T1) as Step,
    resolved,
    reopened: step(resolved.next, seen('open'), T2) as Step,
    exempted: step(created.next, { kind: 'exempt', id, subject }, T1) as Step,
  };
}
