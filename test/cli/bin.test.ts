import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The command of this checkout (`npx kms-perimeter-guard`): bin/kms-perimeter-guard.mjs loads the
// bundle that `npm ci` (prepare) and `npm run build` write to dist/.
describe('kms-perimeter-guard bin', () => {
  it('runs check on the examples as README says and exits 1 (findings)', () => {
    const run = spawnSync(
      process.execPath,
      [
        'bin/kms-perimeter-guard.mjs',
        'check',
        '--config',
        'examples/config.json',
        'examples/policies/key-external-account.json',
        'examples/policies/key-compliant.json',
      ],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('principal in account 444455556666 can call kms:');
    expect(run.stdout).toContain('2 resources in 2 files: 1 finding on 1 resource');
    expect(run.status).toBe(1);
  });

  it('exits 2 on a bad flag with one line and where the help is', () => {
    const run = spawnSync(process.execPath, ['bin/kms-perimeter-guard.mjs', 'check', '--nope'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      "kms-perimeter-guard check: unknown option '--nope'\nsee `kms-perimeter-guard check --help`\n",
    );
  });

  it('reads standard input for check -', () => {
    const run = spawnSync(
      process.execPath,
      ['bin/kms-perimeter-guard.mjs', 'check', '--config', 'examples/config.json', '-'],
      { encoding: 'utf8', input: readFileSync('examples/policies/key-compliant.json', 'utf8') },
    );
    expect(run.stdout).toContain('<stdin>: kms-key <stdin> (GetKeyPolicy response): no findings');
    expect(run.status).toBe(0);
  });
});
