/**
 * Through the pipeline: a key whose only protection is an RCP has no finding, so nothing is planned
 * or written; the same key without RCPs, with RCPs that could not be read, or tagged out of the
 * RCP, is remediated as before.
 */
import { describe, expect, it } from 'vitest';
import type { AccountRcps } from '../../functions/engine/deps.js';
import { processTrigger } from '../../functions/engine/pipeline.js';
import { fixtureRcp } from '../fixtures/rcps.js';
import { harness, keyTrigger, OWN, policyText, ROOT } from './fake-aws.js';

const PARTNER_ROLE = {
  Sid: 'PartnerRole',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::444455556666:role/partner' },
  Action: 'kms:Decrypt',
  Resource: '*',
};
const config = {
  trust: { accounts: [OWN], organizationIds: ['o-a1b2c3d4e5'] },
  rules: {
    'key-no-external-principals': 'remediate' as const,
    'key-crypto-via-vpce': 'off' as const,
    'key-sourceip-ineffective': 'off' as const,
  },
};

function run(rcps: AccountRcps | undefined, tags: Record<string, string> = {}) {
  const h = harness(config);
  const asked: string[] = [];
  if (rcps)
    h.deps.rcpsFor = async (account) => {
      asked.push(account);
      return rcps;
    };
  h.aws.addKey(policyText(ROOT, PARTNER_ROLE), {}, tags);
  return { h, asked, out: processTrigger(keyTrigger(), h.deps) };
}

describe('pipeline with RCPs', () => {
  it('protected only by the identity-perimeter RCP: compliant, protectedBy, nothing written or alerted', async () => {
    const { h, asked, out } = run({ kind: 'rcps', rcps: [fixtureRcp('identity-perimeter.json')] });
    const [r] = (await out).resources;
    expect(asked).toEqual([OWN]);
    expect(r?.rules).toContainEqual({ rule: 'key-no-external-principals', status: 'compliant' });
    const result = r?.verdict?.results.find((x) => x.rule === 'key-no-external-principals');
    expect(result?.protectedBy).toMatchObject([
      { policy: 'p-identityperim1', statement: 'EnforceOrgIdentities' },
    ]);
    expect(h.aws.writes).toEqual([]);
    expect(h.alerts).toEqual([]);
  });

  it.each([
    ['no RCPs read', undefined, {}],
    ['the RCPs could not be read', { kind: 'error', reason: 'AccessDenied' } as AccountRcps, {}],
    ['RCPs do not apply in the account', { kind: 'none', reason: 'management account' } as AccountRcps, {}],
    ['an RCP for S3 only', { kind: 'rcps', rcps: [fixtureRcp('s3-only.json')] } as AccountRcps, {}],
    [
      'the key is tagged out of the identity perimeter',
      { kind: 'rcps', rcps: [fixtureRcp('identity-perimeter.json')] } as AccountRcps,
      { 'dp:exclude:identity': 'true' },
    ],
  ])('%s: remediated with one PutKeyPolicy', async (_name, rcps, tags) => {
    const { h, out } = run(rcps, tags);
    const [r] = (await out).resources;
    expect(r?.rules).toContainEqual({ rule: 'key-no-external-principals', status: 'remediated' });
    expect(h.aws.writes).toHaveLength(1);
  });
});
