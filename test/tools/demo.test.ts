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
      '6. Scheduled sweeps through the sweep worker and the findings ledger',
    ]) {
      expect(text).toContain(section);
    }
    // Findings with witnesses, fixes made, alerts sent by the handlers, the unfixable case named.
    expect(text).toMatch(
      /FINDING key-no-external-principals .*principal in account 999900001111 can call kms:Decrypt/,
    );
    expect(text).toMatch(/REMEDIATED key-no-external-principals/);
    expect(text).toMatch(/- \[HIGH\] key-no-external-principals: .* \(remediated\)/);
    expect(text).toMatch(/VPC vpc-05555bb has enableDnsHostnames=false/);
    // A policy the guard cannot fix: the alert says why.
    expect(text).toMatch(/Outcome: FAILED: the new policy would be \d+ bytes, over the 32768-byte limit/);
    // The whole embedded estate (3 accounts x 2 regions) is swept, every time.
    expect(text.match(/48 resources \(40 keys, 8 endpoints\), 6 skipped, 1 unreadable/g)).toHaveLength(2);
    // ... and the last sweep also the replica and the cross-region endpoint the events created.
    expect(text).toMatch(/51 resources \(42 keys, 9 endpoints\), 6 skipped, 1 unreadable/);
    // Access the key policy does not show: a grant to an outside role, from the sweep and the event.
    expect(text).toMatch(
      /FINDING key-no-external-grantees .*role arn:aws:iam::999900001111:role\/partner-etl/,
    );
    expect(text).toMatch(/\(CreateGrant\)\n {3}guard: \{[^\n]*"key-no-external-grantees":"alerted"/);
    // The replica judged in its own region; the cross-region endpoint's service region shown.
    expect(text).toMatch(
      /guard \(replica arn:aws:kms:eu-west-1:111122223333:key\/mrk-[0-9a-f]{32}\): \{"key-no-external-principals":"remediated"/,
    );
    expect(text).toMatch(/guard \(ServiceRegion us-east-1\): \{"endpoint-private-dns":"remediated"/);
    const last = text.slice(text.indexOf('5. Sweep again'), text.indexOf('6. Scheduled sweeps'));
    // A key protected only by an RCP: compliant, not changed, and the RCP named (event and sweep).
    expect(text).toMatch(
      /\(PutKeyPolicy\)\n {3}guard: \{"key-no-external-principals":"compliant"[^\n]*protected by: \[\{"rule":"key-no-external-principals","policy":"p-demoidentity1"\}\]/,
    );
    expect(last).toMatch(
      /BLOCKED-ONLY-BY-RCP key-no-external-principals kms-key \S+: blocked only by RCP p-demoidentity1 \(EnforceOrgIdentities\): role arn:aws:iam::999900001111:role\/auditor/,
    );
    // Principal "*" shows up as an outside account, not as a near-copy of a trusted one.
    expect(text).toMatch(/principal in account 444455556666 can call kms:Decrypt/);
    // Through the ledger: the first worker sweep alerts the open findings the events had not
    // recorded (one digest for the run), the second sends no finding alert.
    const worker = text.slice(text.indexOf('6. Scheduled sweeps'));
    const first = /sweep 1 \(6 account-regions\): (\d+) SNS messages, (\d+) finding alerts/.exec(worker);
    expect(Number(first?.[2])).toBeGreaterThan(0);
    // One summary for the whole run (3 accounts x 2 regions), not one per account-region.
    expect(worker.match(/\[INFO\] sweep summary: 3 accounts: /g)).toHaveLength(2);
    expect(worker).toMatch(/sweep 2 \(6 account-regions\): \d+ SNS messages, 0 finding alerts/);
    expect(worker).toMatch(/the second sweep sent no finding alert: nothing changed/);
    // Each transition also imported into its account's Security Hub and put on the default bus.
    const hub =
      /Security Hub holds (\d+) findings of the guard in (\d+) accounts \((\d+) ACTIVE\); the default bus got (\d+) transition events/.exec(
        worker,
      );
    expect(Number(hub?.[1])).toBeGreaterThan(0);
    expect(Number(hub?.[2])).toBe(3);
    expect(Number(hub?.[4])).toBeGreaterThanOrEqual(Number(hub?.[1]));
    // The last sweep finds nothing left to remediate.
    expect(last).not.toMatch(/^FINDING key-no-external-principals|^FINDING endpoint-no-external-principals/m);
  });
});
