/**
 * `npm run estate`: the demo estate on a loopback port for the CLI. Started here on an ephemeral
 * port (the script's own server function), then swept and its trails checked through the CLI's
 * `main()` with the environment the script tells the user to export.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigText } from '../../functions/cli/config-file.js';
import { demoConfig } from '../../tools/demo/estate.js';
import {
  ESTATE_CONFIG,
  ESTATE_CONFIG_PATH,
  type RunningEstate,
  startEstate,
} from '../../tools/estate/estate.js';
import { runCli } from '../cli/helpers.js';

let estate: RunningEstate;

beforeAll(async () => {
  estate = await startEstate({ port: 0 });
  Object.assign(process.env, estate.env, { AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1' });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
});
afterAll(() => estate.stop());

/** The commands the estate prints, run as the user would paste them (npx kms-perimeter-guard = main()). */
const pasted = (kind: 'sweep' | 'trails') => {
  const line = estate.instructions.find((l) => l.startsWith(`npx kms-perimeter-guard ${kind} `));
  if (!line) throw new Error(`no ${kind} command printed`);
  return line.split(' ').slice(2);
};

describe('the local estate', () => {
  it('prints the env lines and commands to paste, with its own URL', () => {
    expect(estate.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(estate.instructions).toEqual([
      'unset AWS_PROFILE AWS_SESSION_TOKEN',
      `export AWS_ACCESS_KEY_ID=${estate.env.AWS_ACCESS_KEY_ID}`,
      `export AWS_SECRET_ACCESS_KEY=${estate.env.AWS_SECRET_ACCESS_KEY}`,
      'export AWS_REGION=us-east-1',
      `npx kms-perimeter-guard sweep --config ${ESTATE_CONFIG} --endpoint-url ${estate.url}`,
      `npx kms-perimeter-guard trails --regions us-east-1,eu-west-1 --endpoint-url ${estate.url}`,
    ]);
  });

  it('its configuration file is the demo configuration for the estate’s endpoints', () => {
    const file = readConfigText(readFileSync(ESTATE_CONFIG_PATH, 'utf8'), ESTATE_CONFIG);
    expect(file).toEqual(demoConfig([...estate.sim.estate.endpoints.keys()]));
  });

  it('sweep: every account-region judged, findings reported, and exit 3 for the key it may not read', async () => {
    const run = await runCli(pasted('sweep'), {}, estate.env);
    expect(run.stdout).toMatch(
      /48 resources \(40 keys, 8 endpoints\), 6 skipped, 1 unreadable; dry run: nothing was changed/,
    );
    expect(run.stdout).toMatch(
      /FINDING key-no-external-principals kms-key \S+ \(would remediate\): principal in account 999900001111/,
    );
    expect(run.stdout).toMatch(
      /CANNOT-REMEDIATE endpoint-private-dns vpc-endpoint vpce-05555bb00000001 \(VPC vpc-05555bb has enableDnsHostnames=false/,
    );
    expect(run.stdout).toMatch(/UNREADABLE kms-key 00000040-\S+: kms:GetKeyPolicy .*AccessDeniedException/);
    expect(run.stdout).toContain('coverage incomplete: 1 resource not judged (exit status 3)');
    expect(run.code).toBe(3);
    // A dry run: nothing written.
    expect(estate.sim.calls.get('kms:PutKeyPolicy') ?? 0).toBe(0);
  });

  it('trails: DescribeTrails, GetTrailStatus and GetEventSelectors on the simulator; eu-west-1 not covered (exit 1)', async () => {
    const run = await runCli([...pasted('trails'), '--format', 'json'], {}, estate.env);
    const { regions } = JSON.parse(run.stdout) as {
      regions: { region: string; covering: string[]; notCovering: { trail: string; reason: string }[] }[];
    };
    const arn = (region: string, name: string) => `arn:aws:cloudtrail:${region}:111122223333:trail/${name}`;
    expect(regions).toEqual([
      {
        region: 'us-east-1',
        covering: [arn('us-east-1', 'management-events')],
        notCovering: [{ trail: arn('us-east-1', 'all-regions-stopped'), reason: 'not logging' }],
      },
      {
        region: 'eu-west-1',
        covering: [],
        notCovering: [
          { trail: arn('eu-west-1', 'audit-reads'), reason: 'does not log write management events' },
          { trail: arn('us-east-1', 'all-regions-stopped'), reason: 'not logging' },
        ],
      },
    ]);
    expect(run.code).toBe(1);
    for (const op of ['DescribeTrails', 'GetTrailStatus', 'GetEventSelectors'])
      expect(estate.sim.calls.get(`cloudtrail:${op}`), op).toBeGreaterThan(0);
  });
});
