import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
