/**
 * `kms-perimeter-guard trails`: for each region, is there a CloudTrail trail that logs write
 * management events and is logging? Without one EventBridge never sees the changes the event
 * handlers react to, and only the scheduled sweeps find them.
 */
import { createCloudTrailClient } from '../adapters/cloudtrail-client.js';
import { createEc2Client } from '../adapters/ec2-client.js';
import { enabledRegions } from '../adapters/scope.js';
import { type TrailCoverage, trailCoverage } from '../adapters/trails.js';

export async function runTrails(options: {
  regions?: string[];
  profile?: string;
  endpointUrl?: string;
  format: 'text' | 'json';
  stdout: (t: string) => void;
  env: Record<string, string | undefined>;
}): Promise<0 | 1 | 2> {
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  const endpoint = options.endpointUrl ? { endpoint: options.endpointUrl } : {};
  const home = options.env.AWS_REGION ?? options.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const regions = options.regions ?? (await enabledRegions(createEc2Client({ region: home, ...endpoint })));
  const results: (TrailCoverage | { region: string; error: string })[] = [];
  for (const region of regions) {
    try {
      results.push(await trailCoverage(createCloudTrailClient({ region, ...endpoint }), region));
    } catch (err) {
      results.push({ region, error: (err as Error).message });
    }
  }
  if (options.format === 'json') options.stdout(`${JSON.stringify({ regions: results }, null, 2)}\n`);
  else {
    const lines = results.map((r) =>
      'error' in r
        ? `${r.region}: ERROR ${r.error}`
        : r.covering.length > 0
          ? `${r.region}: covered by ${r.covering.join(', ')}`
          : `${r.region}: NOT COVERED — no logging trail records write management events${
              r.notCovering.length
                ? ` (${r.notCovering.map((n) => `${n.trail}: ${n.reason}`).join('; ')})`
                : ''
            }`,
    );
    options.stdout(`${lines.join('\n')}\n`);
  }
  if (results.some((r) => 'error' in r)) return 2;
  return results.some((r) => !('error' in r) && r.covering.length === 0) ? 1 : 0;
}
