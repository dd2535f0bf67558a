/**
 * Installable: `npm pack` builds the CLI (prepack) and ships it; `npm install -g` of the tarball into
 * an empty prefix works offline (the package has no runtime dependencies: the bundle holds them) and
 * the installed command judges the examples. The pack runs in a copy of the package's sources (with
 * this checkout's node_modules), so its build does not rewrite dist/ under other tests' feet.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string;
  version: string;
  files: string[];
  dependencies?: Record<string, string>;
};

const npm = (args: string[], cwd: string) =>
  spawnSync('npm', args, {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      npm_config_cache: process.env.npm_config_cache ?? path.join(process.env.HOME ?? tmpdir(), '.npm'),
    },
  });

describe('npm pack and install', () => {
  it('the package declares no runtime dependency (the CLI bundle holds them)', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.files).toEqual(['bin/', 'dist/cli.mjs', 'schema/', 'README.md']);
  });

  it('packs the built CLI, installs offline into an empty prefix and runs check (exit 1 on findings)', () => {
    const work = mkdtempSync(path.join(tmpdir(), 'kpg-pack-'));
    const src = path.join(work, 'src');
    mkdirSync(src);
    for (const entry of [
      'package.json',
      'README.md',
      'tsconfig.json',
      'bin',
      'scripts',
      'functions',
      'schema',
    ])
      cpSync(entry, path.join(src, entry), { recursive: true });
    symlinkSync(path.resolve('node_modules'), path.join(src, 'node_modules'), 'dir');

    const pack = npm(['pack', '--pack-destination', work, '--offline', '--no-audit', '--no-fund'], src);
    expect(pack.status, pack.stderr).toBe(0);
    const tarball = `${pkg.name}-${pkg.version}.tgz`;
    expect(readdirSync(work)).toContain(tarball);
    // prepack built the bundle from the sources.
    expect(`${pack.stdout}${pack.stderr}`).toMatch(/prepack[\s\S]*build-cli\.mjs/);
    const listed = spawnSync('tar', ['-tzf', path.join(work, tarball)], { encoding: 'utf8' }).stdout.split(
      '\n',
    );
    expect(listed).toContain('package/dist/cli.mjs');
    expect(listed).toContain('package/bin/kms-perimeter-guard.mjs');
    expect(listed.filter((f) => f.startsWith('package/functions/') || f.endsWith('.map'))).toEqual([]);

    const prefix = path.join(work, 'prefix');
    mkdirSync(prefix);
    const install = npm(
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        `./${tarball}`,
      ],
      work,
    );
    expect(install.status, install.stderr).toBe(0);

    const bin = path.join(prefix, 'bin', 'kms-perimeter-guard');
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    expect(version.stdout).toBe(`kms-perimeter-guard ${pkg.version}\n`);
    const check = spawnSync(
      bin,
      [
        'check',
        '--config',
        path.resolve('examples/config.json'),
        path.resolve('examples/policies/key-external-account.json'),
      ],
      { encoding: 'utf8', cwd: work },
    );
    expect(check.stderr).toBe('');
    expect(check.stdout).toContain('FINDING [high] key-no-external-principals');
    expect(check.stdout).toContain('principal in account 444455556666 can call kms:');
    expect(check.status).toBe(1);
  }, 120_000);
});
