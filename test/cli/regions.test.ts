import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { AWS_REGIONS } from '../../functions/cli/regions.js';
import { parseRegions } from '../../functions/cli/sweep.js';

describe('the AWS Region list of --regions', () => {
  it('is exactly the Regions of the AWS SDK’s endpoint partitions (an SDK update that adds one fails here)', () => {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@aws-sdk/util-endpoints/dist-cjs/lib/aws/partitions.json');
    const { partitions } = JSON.parse(readFileSync(file, 'utf8')) as {
      partitions: { id: string; regions: Record<string, unknown> }[];
    };
    const sdk = partitions.flatMap((p) => Object.keys(p.regions).filter((r) => !r.endsWith('-global')));
    expect([...AWS_REGIONS].sort()).toEqual(sdk.sort());
  });

  it('accepts every Region, trims and deduplicates', () => {
    expect(parseRegions(' us-east-1, eu-west-1,us-east-1 ')).toEqual(['us-east-1', 'eu-west-1']);
    expect(parseRegions(AWS_REGIONS.join(','))).toHaveLength(AWS_REGIONS.length);
  });
});
