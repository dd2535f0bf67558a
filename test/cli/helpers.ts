import { readFileSync } from 'node:fs';
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
    env,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

export const CONFIG = JSON.stringify({
  trust: { accounts: ['111122223333'], organizationIds: ['o-a1b2c3d4e5'] },
  network: { vpceIds: ['vpce-0a1b2c3d4e5f6a7b8'] },
});
