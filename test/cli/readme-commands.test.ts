/**
 * Every `kms-perimeter-guard ...` command in the README's ```sh blocks that needs no AWS account runs
 * as written, from the repository root, with the built CLI (bin/ + the esbuild bundle, built fresh
 * from the current sources), and exits as the README promises: the `# exit N` its comment states, or
 * else 0 or 1 for `check`, 0 for `config validate`, `--help` and `--version`. Commands that target
 * the local estate (`--endpoint-url http://127.0.0.1:...`) run against it, started on a free port;
 * only lines that need a real AWS account are skipped, and the test says which.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESTATE_PORT, type RunningEstate, startEstate } from '../../tools/estate/estate.js';
import { buildCli } from './helpers.js';

interface ReadmeCommand {
  /** The line as the README has it (continuations joined). */
  line: string;
  /** The shell command, without its comment. */
  command: string;
  subcommand: string;
  expected: number[];
  /** Why it is not run, when it is not. */
  skip?: string;
  /** Runs against the local estate. */
  estate: boolean;
}

const CLI = /(?:^|&&|\||;)\s*(?:npx\s+)?kms-perimeter-guard\s+(\S+)/;
const LOCAL_ESTATE = new RegExp(`--endpoint-url http://127\\.0\\.0\\.1:${ESTATE_PORT}\\b`);

function readmeCommands(readme: string): { commands: ReadmeCommand[]; exports: string[] } {
  const commands: ReadmeCommand[] = [];
  const exports: string[] = [];
  for (const block of readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    const lines = (block[1] ?? '').replace(/\\\n\s*/g, ' ').split('\n');
    for (const line of lines) {
      const [command = '', comment = ''] = line.split(/\s+#\s*/, 2).map((x) => x.trim());
      if (command.startsWith('export ')) exports.push(command);
      const m = CLI.exec(command);
      if (!m) continue;
      const subcommand = m[1] as string;
      const promised = /exit (\d)(?: or (\d))?/.exec(comment);
      const expected = promised
        ? promised.slice(1).filter(Boolean).map(Number)
        : subcommand === 'check'
          ? [0, 1]
          : [0];
      const estate = LOCAL_ESTATE.test(command);
      let skip: string | undefined;
      if (/(^|&&\s*)aws\s/.test(command)) skip = 'needs the AWS CLI and an AWS account';
      else if ((subcommand === 'sweep' || subcommand === 'trails') && !estate) skip = 'needs an AWS account';
      commands.push({ line, command, subcommand, expected, estate, ...(skip ? { skip } : {}) });
    }
  }
  return { commands, exports };
}

const { commands, exports } = readmeCommands(readFileSync('README.md', 'utf8'));
let bin: string;
let estate: RunningEstate;
let scratch: string;

beforeAll(async () => {
  bin = buildCli();
  estate = await startEstate({ port: 0 });
  scratch = mkdtempSync(path.join(tmpdir(), 'kpg-readme-'));
}, 60_000);
afterAll(() => estate?.stop());

/** Run one README line in a shell (asynchronously: the estate answers from this same thread). */
function run(c: ReadmeCommand): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const shell = c.command
    .replace(/(?:npx\s+)?kms-perimeter-guard(?=\s)/g, `node ${JSON.stringify(bin)}`)
    // Output files go to a scratch directory, not into the repository.
    .replace(
      />\s*(?!\/dev\/null)([\w.-]+)/g,
      (_, file: string) => `> ${JSON.stringify(path.join(scratch, file))}`,
    )
    .replace(LOCAL_ESTATE, `--endpoint-url ${estate.url}`);
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', shell], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
        ...(c.estate ? estate.env : {}),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('README commands', () => {
  it('finds the commands a new user runs first', () => {
    const ran = commands.filter((c) => !c.skip).map((c) => c.subcommand);
    for (const sub of ['check', 'config', '--version', 'sweep', 'trails']) expect(ran).toContain(sub);
    expect(commands.some((c) => !c.skip && /\scheck --help/.test(c.command))).toBe(true);
    // Skipped lines are only the ones that need AWS.
    for (const c of commands.filter((x) => x.skip))
      expect(c.subcommand === 'sweep' || c.subcommand === 'trails' || /\baws\s/.test(c.command), c.line).toBe(
        true,
      );
  });

  it('the local estate’s env lines are the ones the estate prints', () => {
    const printed = new Map(
      estate.instructions
        .filter((l) => l.startsWith('export '))
        .map((l) => l.slice(7).split('=') as [string, string]),
    );
    const pairs = exports.flatMap((e) => e.slice(7).trim().split(/\s+/)).filter((p) => p.startsWith('AWS_'));
    expect(pairs.length).toBeGreaterThan(0);
    for (const pair of pairs) {
      const [k, v] = pair.split('=') as [string, string];
      expect(printed.get(k), k).toBe(v);
    }
  });

  for (const c of commands) {
    if (c.skip) it.skip(`${c.line} (${c.skip})`, () => {});
    else
      it(c.line, async () => {
        const result = await run(c);
        expect(c.expected, `${c.command}\n${result.stdout}\n${result.stderr}`).toContain(result.status);
      });
  }
});
