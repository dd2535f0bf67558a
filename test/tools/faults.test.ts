/**
 * Fault runs: the demo estate swept with remediation through the real SDK clients while the
 * simulator injects throttling, 5xx answers, timeouts, dropped connections and policies changed
 * between the guard's read and its write. Under each, every resource must end judged or reported
 * (and judged as in a run without faults), and no statement may be lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSweep } from '../../functions/cli/sweep.js';
import type { ReportResource, SweepReport } from '../../functions/engine/sweep-report.js';
import { DEFAULT_ENDPOINT_POLICY, GUARD_SID_PREFIX } from '../../functions/rules/guard-statements.js';
import { demoConfig, OWN, seedDemoEstate } from '../../tools/demo/estate.js';
import {
  AwsSimulator,
  concurrentEditSid,
  type FaultKind,
  type SimulatorOptions,
} from '../../tools/simulator/server.js';

type Statements = Record<string, unknown>[];

const statementsOf = (text: string | undefined): Statements => {
  if (text === undefined) return DEFAULT_ENDPOINT_POLICY.Statement;
  const s = (JSON.parse(text) as { Statement: unknown }).Statement;
  return (Array.isArray(s) ? s : [s]) as Statements;
};
const isGuard = (s: Record<string, unknown>) =>
  typeof s.Sid === 'string' && s.Sid.startsWith(GUARD_SID_PREFIX);

interface Run {
  sim: AwsSimulator;
  report: SweepReport;
  /** Statements of every customer key and endpoint policy before the sweep. */
  before: Map<string, Statements>;
}

async function sweepDemoEstate(options: SimulatorOptions): Promise<Run> {
  const sim = new AwsSimulator(options);
  const endpointUrl = await sim.start();
  try {
    seedDemoEstate(sim);
    const before = new Map<string, Statements>();
    for (const k of sim.estate.keys.values())
      if (k.keyManager === 'CUSTOMER') before.set(k.keyId, statementsOf(k.policy));
    for (const e of sim.estate.endpoints.values()) before.set(e.id, statementsOf(e.policyDocument));
    const creds = sim.credentialsFor(OWN);
    process.env.AWS_ACCESS_KEY_ID = creds.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = creds.secretAccessKey;
    const config = demoConfig([...sim.estate.endpoints.keys()]);
    // The default ModifyVpcEndpoint bucket (0.3/s, half of EC2's mutating rate) would only make the
    // runs slower here; the simulator enforces no quota in these runs.
    config.sweep.rateLimits = { 'ec2:ModifyVpcEndpoint': { rate: 50, burst: 5 } };
    const resources: ReportResource[] = [];
    const { report: streamed } = await runSweep({
      config,
      endpointUrl,
      requestTimeoutMs: 300,
      remediate: true,
      format: 'json',
      progress: { write: () => {}, isTTY: false },
      stdout: () => {},
      env: { AWS_REGION: 'us-east-1' },
      onResource: (r) => resources.push(r),
    });
    // The JSON report keeps no resource (it was written as it went): these are the ones it wrote.
    const report = { ...streamed, resources };
    return { sim, report, before };
  } finally {
    await sim.stop();
  }
}

/** What a run concluded per resource: status, and per rule its status. */
const outcome = (r: ReportResource) => ({
  status: r.status,
  rules: Object.fromEntries(Object.entries(r.results).map(([rule, res]) => [rule, res?.status])),
});
const outcomes = (report: SweepReport) =>
  Object.fromEntries(report.resources.map((r) => [`${r.type} ${r.id}`, outcome(r)]));

/** Every statement there before (and every concurrent edit) is still there, verbatim and in order. */
function expectNoStatementLost(run: Run): void {
  const added = new Map(run.sim.concurrentEdits.map((e) => [e.id, e.statement]));
  const after = new Map<string, Statements>();
  for (const k of run.sim.estate.keys.values())
    if (k.keyManager === 'CUSTOMER') after.set(k.keyId, statementsOf(k.policy));
  for (const e of run.sim.estate.endpoints.values()) after.set(e.id, statementsOf(e.policyDocument));
  for (const [id, statements] of run.before) {
    const expected = added.has(id) ? [...statements, added.get(id)] : statements;
    expect(
      (after.get(id) ?? []).filter((s) => !isGuard(s)),
      id,
    ).toEqual(expected);
  }
}

const ENV_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
let baseline: Run;

beforeAll(async () => {
  baseline = await sweepDemoEstate({});
});
afterAll(() => {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

describe('the demo estate swept with remediation, without faults (the baseline)', () => {
  it('judges or reports all 48 resources, remediates, and loses no statement', () => {
    const { report } = baseline;
    expect(report.resources).toHaveLength(48);
    expect(report.scopes.filter((s) => s.error)).toEqual([]);
    expect(report.totals).toMatchObject({ judged: 41, skipped: 6, unreadable: 1 });
    expect(report.totals.byRule['key-no-external-principals']?.remediated).toBe(5);
    expectNoStatementLost(baseline);
  });
});

const FAULTS: { kind: FaultKind; rate: number }[] = [
  { kind: 'throttle', rate: 0.25 },
  { kind: 'server-error', rate: 0.15 },
  { kind: 'timeout', rate: 0.1 },
  { kind: 'drop', rate: 0.15 },
];

describe.each(FAULTS)('under injected $kind faults ($rate of calls)', ({ kind, rate }) => {
  it('every resource ends judged or reported as without faults, and no statement is lost', async () => {
    const run = await sweepDemoEstate({ faults: { rates: { [kind]: rate }, seed: 7, holdMs: 5_000 } });
    // The faults happened (otherwise this test proves nothing).
    expect(run.sim.faultsInjected.get(kind) ?? 0).toBeGreaterThanOrEqual(5);
    expect(run.report.scopes.filter((s) => s.error)).toEqual([]);
    expect(outcomes(run.report)).toEqual(outcomes(baseline.report));
    expectNoStatementLost(run);
  });
});

describe('a policy changed between the read and the write', () => {
  it('is judged again from the changed policy; the change is kept and the fix still applied', async () => {
    const run = await sweepDemoEstate({ faults: { concurrentEdits: true } });
    const edited = run.sim.concurrentEdits;
    // Every customer key the guard could read (34 less the unreadable one) and every endpoint once
    // it had a policy (the one created without gets its first from the guard) was changed once.
    expect(edited.filter((e) => e.kind === 'key')).toHaveLength(33);
    expect(edited.filter((e) => e.kind === 'endpoint')).toHaveLength(8);
    expect(outcomes(run.report)).toEqual(outcomes(baseline.report));
    expectNoStatementLost(run);
    // The remediated keys carry both the owner's change and the guard's statement.
    const remediated = run.report.resources.filter((r) =>
      Object.values(r.results).some((x) => x?.status === 'remediated'),
    );
    expect(remediated.length).toBeGreaterThanOrEqual(8);
    for (const r of remediated) {
      const text =
        r.type === 'kms-key'
          ? run.sim.estate.keys.get(r.id)?.policy
          : run.sim.estate.endpoints.get(r.id)?.policyDocument;
      const sids = statementsOf(text).map((s) => s.Sid);
      if (r.type === 'kms-key' || run.before.get(r.id) !== DEFAULT_ENDPOINT_POLICY.Statement)
        expect(sids, r.id).toContain(concurrentEditSid(r.id));
    }
  });
});

describe('all faults at once', () => {
  it('still ends with every resource judged or reported and no statement lost', async () => {
    const run = await sweepDemoEstate({
      faults: {
        rates: { throttle: 0.1, 'server-error': 0.05, timeout: 0.05, drop: 0.05 },
        seed: 11,
        concurrentEdits: true,
        holdMs: 5_000,
      },
    });
    expect([...run.sim.faultsInjected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10);
    expect(outcomes(run.report)).toEqual(outcomes(baseline.report));
    expectNoStatementLost(run);
  });
});
