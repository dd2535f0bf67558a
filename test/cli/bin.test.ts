import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The installed command: bin/kms-perimeter-guard.mjs loads the bundle that `npm ci` (prepare) builds.
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

  it('exits 2 with usage on a bad flag', () => {
    const run = spawnSync(process.execPath, ['bin/kms-perimeter-guard.mjs', 'check', '--nope'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/Unknown option '--nope'[\s\S]*usage: kms-perimeter-guard/);
  });
});
