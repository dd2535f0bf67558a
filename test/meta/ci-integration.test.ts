import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HELP } from '../../functions/cli/usage.js';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { default?: string; required?: boolean }>;
  runs: { using: string; steps: Step[] };
};
const hooks = parse(readFileSync('.pre-commit-hooks.yaml', 'utf8')) as {
  id: string;
  entry: string;
  language: string;
  files: string;
}[];
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const FIXTURES = 'test/iac/fixtures';

/** A directory holding a `kms-perimeter-guard` command that runs this checkout's bin. */
function commandOnPath(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kpg-bin-'));
  const shim = path.join(dir, 'kms-perimeter-guard');
  writeFileSync(
    shim,
    `#!/bin/sh\nexec "${process.execPath}" "${path.resolve(pkg.bin['kms-perimeter-guard'] as string)}" "$@"\n`,
  );
  chmodSync(shim, 0o755);
  return dir;
}

describe('action.yml (composite GitHub Action)', () => {
  const steps = action.runs.steps;
  const check = steps.find((s) => s.id === 'check');

  it('installs the packed CLI: npm pack builds it (prepack) and the package installs the command', () => {
    expect(action.runs.using).toBe('composite');
    const install = steps.find((s) => s.run?.includes('npm pack'));
    expect(install?.run).toMatch(/npm install -g --ignore-scripts \.\/kms-perimeter-guard-\*\.tgz/);
    expect(pkg.scripts.prepack).toContain('build-cli');
    expect(Object.keys(pkg.bin)).toEqual(['kms-perimeter-guard']);
  });

  it('uploads the SARIF file the check step writes, even when check found something', () => {
    const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    expect(upload?.with?.sarif_file).toBe('${{ inputs.sarif-file }}');
    expect(check?.env?.SARIF_FILE).toBe('${{ inputs.sarif-file }}');
    expect(upload?.if).toMatch(/always\(\)/);
    expect(steps.indexOf(upload as Step)).toBeGreaterThan(steps.indexOf(check as Step));
    expect(steps.at(-1)?.run).toBe('exit "$STATUS"');
  });

  it('passes only options that check has', () => {
    const options = [...(check?.run ?? '').matchAll(/(--[a-z-]+)/g)].map((m) => m[1] as string);
    expect(new Set(options)).toEqual(new Set(['--format', '--fail-on', '--config', '--account', '--region']));
    for (const o of options) expect(HELP.check).toContain(o);
  });

  it('its check step, run as GitHub runs it, writes SARIF with the findings on their lines and outputs the exit code', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kpg-action-'));
    const sarifFile = path.join(dir, 'out.sarif');
    const output = path.join(dir, 'output');
    writeFileSync(output, '');
    const run = spawnSync('bash', ['--noprofile', '--norc', '-e', '-c', check?.run ?? 'false'], {
      encoding: 'utf8',
      env: {
        PATH: `${commandOnPath()}:${process.env.PATH}`,
        FILES: `${FIXTURES}/intrinsics.yaml\n${FIXTURES}/plan.json`,
        CONFIG: 'examples/config.json',
        ACCOUNT: '111122223333',
        REGION: 'eu-west-1',
        FAIL_ON: action.inputs['fail-on']?.default ?? '',
        SARIF_FILE: sarifFile,
        GITHUB_OUTPUT: output,
      },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe('exit-code=1\n');
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8'));
    const partner = sarif.runs[0].results.find(
      (r: { ruleId: string; message: { text: string } }) =>
        r.ruleId === 'key-no-external-principals' && r.message.text.startsWith('kms-key PartnerKey:'),
    );
    expect(partner.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: `${FIXTURES}/intrinsics.yaml` },
      region: { startLine: 64 },
    });
  });
});

describe('.pre-commit-hooks.yaml', () => {
  const [hook] = hooks;
  it('one node hook whose entry is the package command', () => {
    expect(hooks).toHaveLength(1);
    expect(hook?.language).toBe('node');
    const [command, sub] = (hook?.entry ?? '').split(' ');
    expect(Object.keys(pkg.bin)).toContain(command);
    expect(sub).toBe('check');
  });

  it('selects templates, plans and CDK manifests, not other JSON or YAML', () => {
    const files = new RegExp(hook?.files ?? '$^');
    for (const f of [
      'infra/app.template.yaml',
      'stack.cfn.json',
      'tf/plan.json',
      'cdk.out/manifest.json',
      'template.yml',
    ])
      expect(f).toMatch(files);
    for (const f of ['package.json', '.github/workflows/ci.yml', 'tsconfig.json'])
      expect(f).not.toMatch(files);
  });

  it('its entry, given staged files as pre-commit does, judges them (exit 1 on findings, 2 on a bad file)', () => {
    const [command, ...args] = (hook?.entry ?? '').split(' ');
    const bin = pkg.bin[command as string] as string;
    const run = (files: string[]) =>
      spawnSync(
        process.execPath,
        [bin, ...args, '--config', 'examples/config.json', '--region', 'eu-west-1', ...files],
        {
          encoding: 'utf8',
        },
      );
    const findings = run([`${FIXTURES}/template.json`]);
    expect(findings.status).toBe(1);
    expect(findings.stdout).toContain(`${FIXTURES}/template.json:4: kms-key TextPolicyKey`);
    const bad = run([`${FIXTURES}/syntax-error.yaml`, `${FIXTURES}/template.json`]);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toContain(`error: ${FIXTURES}/syntax-error.yaml:7: $: YAML syntax error`);
  });
});
