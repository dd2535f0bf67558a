/**
 * A local AWS estate to try the `sweep` and `trails` commands on: the AWS simulator holding the
 * demo estate (3 accounts x 2 regions of keys and KMS endpoints, AWS-managed keys, one key the guard
 * may not read) plus CloudTrail trails, on a loopback port. `npm run estate` (run.ts) keeps it up
 * until Ctrl-C and prints what to paste into another terminal.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OWN, REGIONS, seedDemoEstate } from '../demo/estate.js';
import { AwsSimulator } from '../simulator/server.js';

/** The estate's fixed loopback port (`npm run estate -- --port N` for another). */
export const ESTATE_PORT = 47_111;

/** The guard configuration for the estate, relative to the repository root (README, help text). */
export const ESTATE_CONFIG = 'tools/estate/guard.json';

/** The same file, wherever the process runs from. */
export const ESTATE_CONFIG_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'guard.json');

export interface RunningEstate {
  sim: AwsSimulator;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The environment a CLI in another terminal needs: the estate's credentials and home region. */
  env: Record<'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'AWS_REGION', string>;
  /** The commands to paste, in order (`unset`, `export`, sweep, trails). */
  instructions: string[];
  stop(): Promise<void>;
}

/**
 * Trails of the own account: us-east-1 is covered by a logging trail recording write management
 * events; eu-west-1 only has a read-only trail and a stopped multi-region one, so `trails` reports it
 * not covered and says why for each.
 */
function seedTrails(sim: AwsSimulator): void {
  const [home, other] = REGIONS as [string, string];
  sim.estate.addTrail({ name: 'management-events', account: OWN, homeRegion: home });
  sim.estate.addTrail({
    name: 'audit-reads',
    account: OWN,
    homeRegion: other,
    eventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }],
  });
  sim.estate.addTrail({
    name: 'all-regions-stopped',
    account: OWN,
    homeRegion: home,
    isMultiRegion: true,
    isLogging: false,
  });
}

/** Start the estate on `port` (0: any free port, for tests). */
export async function startEstate(options: { port?: number } = {}): Promise<RunningEstate> {
  const sim = new AwsSimulator();
  seedDemoEstate(sim);
  seedTrails(sim);
  const url = await sim.start(options.port ?? ESTATE_PORT);
  const creds = sim.credentialsFor(OWN);
  const env = {
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
  const instructions = [
    // A profile would take precedence over the keys below in the SDK's credential chain.
    'unset AWS_PROFILE AWS_SESSION_TOKEN',
    ...Object.entries(env).map(([k, v]) => `export ${k}=${v}`),
    `npx kms-perimeter-guard sweep --config ${ESTATE_CONFIG} --endpoint-url ${url}`,
    `npx kms-perimeter-guard trails --regions ${REGIONS.join(',')} --endpoint-url ${url}`,
  ];
  return { sim, url, env, instructions, stop: () => sim.stop() };
}
