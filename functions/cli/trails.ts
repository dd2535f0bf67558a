/**
 * `kms-perimeter-guard trails`: for each region, is there a CloudTrail trail that logs write
 * management events and is logging? Without one EventBridge never sees the changes the event
 * handlers react to, and only the scheduled sweeps find them.
 */
import { createCloudTrailClient } from '../adapters/cloudtrail-client.js';
import { createEc2Client } from '../adapters/ec2-client.js';
import { profileCredentials } from '../adapters/profile-credentials.js';
import { enabledRegions } from '../adapters/scope.js';
import { type TrailCoverage, trailCoverage } from '../adapters/trails.js';
import { EndpointError } from '../errors.js';
import { endpointFailure, missingCredentials, NO_CREDENTIALS } from './endpoint-errors.js';
import { type ExitCode, exitStatus } from './exit-codes.js';
import { printableLines } from './printable.js';

export async function runTrails(options: {
  regions?: string[];
  profile?: string;
  endpointUrl?: string;
  format: 'text' | 'json';
  stdout: (t: string) => void;
  env: Record<string, string | undefined>;
}): Promise<ExitCode> {
  // What every client of this run shares besides its region.
  const clientOptions = {
    ...(options.profile ? { credentials: profileCredentials(options.profile) } : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
  };
  const home = options.env.AWS_REGION ?? options.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const unreachable = (err: unknown) => {
    const sentence = missingCredentials(err)
      ? NO_CREDENTIALS
      : options.endpointUrl
        ? endpointFailure(err, options.endpointUrl)
        : undefined;
    return sentence ? new EndpointError(sentence, { cause: err }) : err;
  };
  let regions: string[];
  try {
    regions = options.regions ?? (await enabledRegions(createEc2Client({ region: home, ...clientOptions })));
  } catch (err) {
    throw unreachable(err);
  }
  const results: (TrailCoverage | { region: string; error: string })[] = [];
  for (const region of regions) {
    try {
      results.push(await trailCoverage(createCloudTrailClient({ region, ...clientOptions }), region));
    } catch (err) {
      // A region that cannot be read is reported and the others are still checked (exit 3), unless
      // the endpoint itself is wrong: then every region would fail the same way.
      const e = unreachable(err);
      if (e instanceof EndpointError) throw e;
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
    options.stdout(printableLines(lines));
  }
  // A region that could not be checked is incomplete coverage (3), not a verdict about it.
  return exitStatus({
    incomplete: results.some((r) => 'error' in r),
    failing: results.some((r) => !('error' in r) && r.covering.length === 0),
  });
}
