import { describe, expect, it } from 'vitest';
import { findingId, partitionOf, resourceArnOf, subjectOf } from '../../functions/findings/finding-id.js';

const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const key = { type: 'kms-key' as const, id: KEY, account: '111122223333', region: 'eu-west-1' };

describe('stable finding id', () => {
  it('is the documented recipe: kpg-v1- and the SHA-256 of the newline-joined tuple', async () => {
    const { createHash } = await import('node:crypto');
    const arn = `arn:aws:kms:eu-west-1:111122223333:key/${KEY}`;
    const text = `kms-perimeter-guard/v1\naws\n111122223333\neu-west-1\n${arn}\nkey-no-external-principals`;
    expect(findingId(subjectOf(key, 'key-no-external-principals'))).toBe(
      `kpg-v1-${createHash('sha256').update(text).digest('hex')}`,
    );
  });

  it('is the same whether the key ARN was read (DescribeKey) or built from the id', () => {
    const built = findingId(subjectOf(key, 'key-crypto-via-vpce'));
    const read = findingId(
      subjectOf({ ...key, arn: `arn:aws:kms:eu-west-1:111122223333:key/${KEY}` }, 'key-crypto-via-vpce'),
    );
    expect(read).toBe(built);
  });

  it('differs for each part of the tuple', () => {
    const base = findingId(subjectOf(key, 'key-no-external-principals'));
    const others = [
      subjectOf({ ...key, account: '444455556666' }, 'key-no-external-principals'),
      subjectOf({ ...key, region: 'us-east-1' }, 'key-no-external-principals'),
      subjectOf({ ...key, id: KEY.replace('1234abcd', '9999abcd') }, 'key-no-external-principals'),
      subjectOf(key, 'key-crypto-via-vpce'),
      { ...subjectOf(key, 'key-no-external-principals'), partition: 'aws-cn' },
    ].map(findingId);
    expect(new Set([base, ...others]).size).toBe(6);
  });

  it('endpoints get their EC2 ARN; partitions follow the Region', () => {
    expect(
      resourceArnOf({
        type: 'vpc-endpoint',
        id: 'vpce-0a1b2c3d4e5f6a7b8',
        account: '111122223333',
        region: 'cn-north-1',
      }),
    ).toBe('arn:aws-cn:ec2:cn-north-1:111122223333:vpc-endpoint/vpce-0a1b2c3d4e5f6a7b8');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf('eu-central-2')).toBe('aws');
    expect(subjectOf({ ...key, region: 'cn-northwest-1' }, 'key-rotation-enabled').partition).toBe('aws-cn');
  });
});
