/**
 * Configuration errors a user can act on: `config validate`, the same reading for `--config`, and
 * `npm run package` with a bad stage configuration (one line per problem, not the framework's
 * stack traces).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';
import { runCli } from './helpers.js';

const BAD = JSON.stringify({
  trust: { accounts: ['12345'] },
  rules: { 'key-crypto-via-vpce': 'alrt' },
  dryrun: true,
});

describe('config validate', () => {
  it('exit 0 for the shipped configurations; says when one is a dry run', async () => {
    const run = await runCli([
      'config',
      'validate',
      'examples/config.json',
      'infra/config/dev.json',
      'infra/config/prod.example.json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      [
        'examples/config.json: valid',
        'infra/config/dev.json: valid (dryRun: true, the guard changes nothing)',
        'infra/config/prod.example.json: valid',
        '',
      ].join('\n'),
    );
    expect(run.code).toBe(0);
  });

  it('the production example is not a dry run', () => {
    const prod = parseConfig(JSON.parse(readFileSync('infra/config/prod.example.json', 'utf8')), 'prod');
    expect(prod.dryRun).toBe(false);
  });

  it('exit 2 with every issue as FILE: path: message; enum errors list the valid values', async () => {
    const run = await runCli(['config', 'validate', 'bad.json', 'examples/config.json'], { 'bad.json': BAD });
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      'bad.json: trust.accounts[0]: must be a 12-digit AWS account id',
      'bad.json: rules.key-crypto-via-vpce: must be one of off|alert|remediate, got "alrt"',
      expect.stringMatching(
        /^bad\.json: dryrun: unknown field \(allowed here: trust, network, rules, ruleOptions, dryRun, /,
      ),
    ]);
    expect(run.stdout).toBe('examples/config.json: valid\n');
  });

  it.each([
    [
      'a trailing comma',
      '{"trust": {"accounts": ["111122223333"],}}',
      'c.json: $: trailing comma at line 1, column 40',
    ],
    [
      'a duplicate key',
      '{"trust": {"accounts": ["111122223333"]}, "dryRun": true, "dryRun": false}',
      'c.json: dryRun: duplicate key "dryRun"',
    ],
    ['binary data', '\u0000\u0001\u0002', 'c.json: $: not JSON text (binary data)'],
    ['a missing file', undefined, 'c.json: $: cannot read file (ENOENT)'],
  ])('%s is reported with where it is', async (_, text, line) => {
    const run = await runCli(['config', 'validate', 'c.json'], text === undefined ? {} : { 'c.json': text });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(line);
  });

  it('a byte-order mark is accepted', async () => {
    const run = await runCli(['config', 'validate', 'c.json'], {
      'c.json': `\ufeff${readFileSync('examples/config.json', 'utf8')}`,
    });
    expect(run.code).toBe(0);
  });

  it('--config reads the file the same way (check and sweep)', async () => {
    const run = await runCli(['check', '--config', 'c.json', 'examples/policies/key-compliant.json'], {
      'c.json': '{"trust": {"accounts": ["111122223333"]},}',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'invalid configuration in c.json:\n  $: trailing comma at line 1, column 41',
    );
  });
});

describe('npm run package with a bad stage configuration', () => {
  it('prints one line per problem naming the file and the field, and fails', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kpg-stage-'));
    writeFileSync(path.join(dir, 'bad.json'), BAD);
    const run = spawnSync(path.resolve('node_modules/.bin/osls'), ['package', '--stage', 'bad'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), GUARD_STAGE_CONFIG_DIR: dir },
      timeout: 60_000,
    });
    expect(run.status).not.toBe(0);
    const shown = path.relative(process.cwd(), path.join(dir, 'bad.json'));
    expect(`${run.stdout}${run.stderr}`.trim().split('\n')).toEqual([
      `stage configuration: ${shown}: trust.accounts[0]: must be a 12-digit AWS account id`,
      `stage configuration: ${shown}: rules.key-crypto-via-vpce: must be one of off|alert|remediate, got "alrt"`,
      expect.stringMatching(
        new RegExp(`^stage configuration: ${shown.replace(/[.]/g, '\\.')}: dryrun: unknown field`),
      ),
    ]);
  }, 60_000);
});
