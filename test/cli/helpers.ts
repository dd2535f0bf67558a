import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import { type CliIo, main } from '../../functions/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the real CLI in-process over in-memory files (falling back to the repository's files). */
export async function runCli(
  argv: string[],
  files: Record<string, string> = {},
  env: Record<string, string> = {},
  stdin?: string,
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readFile: (p) => (p in files ? (files[p] as string) : readFileSync(p, 'utf8')),
    ...(stdin !== undefined ? { readStdin: () => stdin } : {}),
    env,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

export const CONFIG = JSON.stringify({
  trust: { accounts: ['111122223333'], organizationIds: ['o-a1b2c3d4e5'] },
  network: { vpceIds: ['vpce-0a1b2c3d4e5f6a7b8'] },
});

/**
 * A fresh build of the CLI from the current sources, laid out as the package is (`bin/` next to
 * `dist/cli.mjs`), in a temporary directory: tests run the built command without rebuilding (or
 * racing other tests over) the repository's own dist/. Returns the path of the bin.
 */
export function buildCli(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kpg-cli-'));
  mkdirSync(path.join(dir, 'bin'));
  cpSync('bin/kms-perimeter-guard.mjs', path.join(dir, 'bin', 'kms-perimeter-guard.mjs'));
  const build = spawnSync(
    process.execPath,
    ['scripts/build-cli.mjs', '--outfile', path.join(dir, 'dist', 'cli.mjs')],
    { encoding: 'utf8' },
  );
  if (build.status !== 0) throw new Error(`CLI build failed: ${build.stderr}`);
  return path.join(dir, 'bin', 'kms-perimeter-guard.mjs');
}

/**
 * Shared config and credentials files holding one profile with static keys, in a temporary
 * directory the SDK is pointed at (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE; unstub after).
 */
export function profileFiles(profile: string, accessKeyId: string): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'kpg-profile-'));
  const credentials = path.join(dir, 'credentials');
  writeFileSync(
    credentials,
    `[${profile}]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = secret\n`,
  );
  writeFileSync(path.join(dir, 'config'), '');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', credentials);
  vi.stubEnv('AWS_CONFIG_FILE', path.join(dir, 'config'));
}

/** The access key the client that made a mocked call signs with (its resolved credentials). */
export async function signingKeyOf(call: { thisValue: unknown } | undefined): Promise<string> {
  if (!call) throw new Error('no such call');
  const client = call.thisValue as { config: { credentials: () => Promise<{ accessKeyId: string }> } };
  return (await client.config.credentials()).accessKeyId;
}
