/** Help, version and usage errors: what a new user sees first. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

describe('help', () => {
  it.each([
    ['check', /^usage: kms-perimeter-guard check \[options\] FILE\.\.\./, /--fail-on low\|medium\|high/],
    ['sweep', /^usage: kms-perimeter-guard sweep \[options\]/, /--output FILE/],
    ['trails', /^usage: kms-perimeter-guard trails \[options\]/, /3 {2}a region could not be checked/],
    ['config', /^usage: kms-perimeter-guard config validate FILE\.\.\./, /FILE: path: message/],
  ])('%s --help prints that command’s own help (exit 0)', async (command, head, detail) => {
    for (const argv of [
      [command, '--help'],
      [command, '-h'],
      ['help', command],
    ]) {
      const run = await runCli(argv);
      expect(run.code, argv.join(' ')).toBe(0);
      expect(run.stdout).toMatch(head);
      expect(run.stdout).toMatch(detail);
      expect(run.stdout).not.toContain('commands:');
    }
  });

  it('--help lists the commands and the exit contract', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const text of ['check', 'sweep', 'trails', 'config validate', '--version'])
      expect(run.stdout).toContain(text);
    expect(run.stdout).toMatch(
      /0 {2}compliant[\s\S]*1 {2}findings at or above --fail-on[\s\S]*2 {2}usage, configuration or input error[\s\S]*3 {2}ran, but coverage is incomplete/,
    );
  });

  it('no command: the overview on stderr, exit 2', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^usage: kms-perimeter-guard <command>/);
  });
});

describe('version', () => {
  it.each([['--version'], ['-V'], ['version']])('%s prints the version of package.json', async (flag) => {
    const run = await runCli([flag]);
    expect(run.stdout).toBe(`kms-perimeter-guard ${pkg.version}\n`);
    expect(run.code).toBe(0);
  });
});

describe('usage errors: one line, then where the help is', () => {
  it.each([
    [['check', '--nope'], "kms-perimeter-guard check: unknown option '--nope'", 'check'],
    [['check', '--config'], 'kms-perimeter-guard check: --config needs a value', 'check'],
    [['sweep', '--regions'], 'kms-perimeter-guard sweep: --regions needs a value', 'sweep'],
    [['trails', '--bogus'], "kms-perimeter-guard trails: unknown option '--bogus'", 'trails'],
    [
      ['config', 'check'],
      'kms-perimeter-guard config: unknown config subcommand "check" (there is: validate)',
      'config',
    ],
    [['config', 'validate'], 'kms-perimeter-guard config: config validate needs at least one FILE', 'config'],
    [
      ['frobnicate'],
      'kms-perimeter-guard: unknown command "frobnicate" (commands: check, sweep, trails, config)',
      undefined,
    ],
    [
      ['\u001b[31mred'],
      'kms-perimeter-guard: unknown command "\\u001b[31mred" (commands: check, sweep, trails, config)',
      undefined,
    ],
  ])('%j', async (argv, line, command) => {
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`${line}\nsee \`kms-perimeter-guard${command ? ` ${command}` : ''} --help\`\n`);
  });
});
