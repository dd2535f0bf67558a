import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// `npm run demo`, as a new user runs it: the whole job on the embedded estate, exit 0.
describe('demo', () => {
  it('sweeps, remediates, replays events through the handlers, shows the alerts and converges', () => {
    const run = spawnSync(path.resolve('node_modules/.bin/tsx'), ['tools/demo/run.ts'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    expect(run.status, run.stderr).toBe(0);
    const text = run.stdout;
    for (const section of [
      '1. Sweep (dry run)',
      '2. Sweep with remediation',
      '3. Changes happen',
      '4. SNS messages',
      '5. Sweep again',
    ]) {
      expect(text).toContain(section);
    }
    // Findings with witnesses, fixes made, alerts sent by the handlers, the unfixable case named.
    expect(text).toMatch(
      /FINDING key-no-external-principals .*principal in account 999900001111 can call kms:Decrypt/,
    );
    expect(text).toMatch(/REMEDIATED key-no-external-principals/);
    expect(text).toMatch(/- \[HIGH\] key-no-external-principals: .* \(remediated\)/);
    expect(text).toMatch(/VPC vpc-07777bb has enableDnsHostnames=false/);
    // The last sweep finds nothing left to remediate.
    const last = text.slice(text.indexOf('5. Sweep again'));
    expect(last).not.toMatch(/^FINDING key-no-external-principals|^FINDING endpoint-no-external-principals/m);
  });
});
