/**
 * ReplicateKey (access-surface issue, item 2): a new replica of a multi-Region key has its own key
 * policy, in the replica region, while CloudTrail records the call in the primary key's region.
 * The guard judges the replica where it lives: the replica ARN and `replicaRegion` decide, not the
 * record's `awsRegion` or the primary key in `resources[]`.
 */
import { describe, expect, it } from 'vitest';
import { processEvent } from '../../functions/engine/pipeline.js';
import { parseTrigger } from '../../functions/events/triggers.js';
import { matchesPattern } from '../../infra/eventbridge-pattern.js';
import { harness, PARTNER, policyText, ROOT } from '../engine/fake-aws.js';
import { fixtureRecord, type Json, kmsEnvelope, patterns } from './kms-fixtures.js';

const record = () => fixtureRecord('kms-ReplicateKey-awsdocs.json');
const envelope = (detail: Json) =>
  kmsEnvelope(detail, { account: '111122223333', region: 'us-east-1', time: '2020-11-18T01:29:18Z' });
const REPLICA_ARN = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('ReplicateKey', () => {
  it('the documented record is a key trigger for the replica, in the replica region', () => {
    for (const event of [record(), envelope(record())]) {
      expect(parseTrigger(event)).toMatchObject({
        kind: 'trigger',
        trigger: {
          family: 'key',
          eventName: 'ReplicateKey',
          account: '111122223333',
          region: 'us-west-2',
          keyRef: { kind: 'arn', value: REPLICA_ARN },
          actorArn: 'arn:aws:iam::111122223333:user/Alice',
        },
      });
    }
  });

  it('the key-events rule delivers it, and a failed ReplicateKey is not delivered', () => {
    expect(matchesPattern(patterns.keyEvents, envelope(record()))).toBe(true);
    expect(
      matchesPattern(patterns.keyEvents, envelope({ ...record(), errorCode: 'AccessDeniedException' })),
    ).toBe(false);
  });

  it('a replicaRegion that disagrees with the replica ARN is an invalid event naming both paths', () => {
    const r = record();
    (r.requestParameters as Json).replicaRegion = 'eu-west-1';
    const result = parseTrigger(r);
    expect(result.kind).toBe('invalid');
    const text = JSON.stringify(result);
    expect(text).toContain('$.responseElements.replicaKeyMetadata.arn');
    expect(text).toContain('us-west-2 disagrees with region eu-west-1');
  });

  it('a record without the replica metadata is invalid, never judged as the primary key', () => {
    const r = record();
    r.responseElements = {};
    const result = parseTrigger(r);
    expect(result.kind).toBe('invalid');
    expect(JSON.stringify(result)).toContain('no replica key in the record');
  });

  it('the replica’s policy is read and judged through the replica region’s port', async () => {
    const h = harness({
      rules: {
        'key-no-external-principals': 'alert',
        'key-crypto-via-vpce': 'off',
        'key-sourceip-ineffective': 'off',
      },
    });
    h.aws.addKey(policyText(ROOT, PARTNER), { arn: REPLICA_ARN, region: 'us-west-2', multiRegion: true });
    const asked: string[] = [];
    const kms = h.deps.ports.kms!;
    h.deps.ports.kms = async (account, region) => {
      asked.push(`${account}/${region}`);
      return kms(account, region);
    };
    const out = await processEvent(envelope(record()), 'key', h.deps);
    expect(asked).toEqual(['111122223333/us-west-2']);
    expect(out.kind).toBe('processed');
    if (out.kind !== 'processed') return;
    expect(out.resources[0]?.rules).toContainEqual({ rule: 'key-no-external-principals', status: 'alerted' });
    // DescribeKey is asked for the replica ARN the event named.
    expect(h.aws.calls.find((c) => c.op === 'DescribeKey')?.id).toBe(REPLICA_ARN);
  });
});
