/**
 * End-to-end benchmarks on the AWS estate simulator: the real SDK clients (serializers, signing,
 * HTTP, retries, throttling handling) against a loopback server speaking AWS's wire protocols.
 * - The sweep targets of the sweep issue, now through the real stack: one account-region of 10,000
 *   keys and 500 endpoints at 20 ms per call with AWS's quotas enforced, then with 20% throttling
 *   and 2% 5xx injected. The simulator runs in this process; the sweep in its own.
 * - Event-to-remediation latency per event at 20 ms per AWS call (p50/p99), with the sequential
 *   round trips named.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RATE_LIMITS } from '../functions/engine/rate-limit.js';
import { AwsSimulator, type FaultOptions } from '../tools/simulator/server.js';
import { AWS_QUOTAS } from './aws-quotas.js';
import { type BenchTable, bundleScript, fmt, median, percentile } from './lib.js';
import { fanOut, rateFloorSeconds } from './sweep.bench.js';

const LATENCY_MS = 20;
const OWN = '111122223333';
const REGION = 'us-east-1';
const VPCE = 'vpce-0a1b2c3d4e5f6a7b8';

/** Runs a bundled bench script without blocking this process (the simulator answers from here). */
async function runScript(name: string, args: string[], env: Record<string, string>): Promise<unknown> {
  const file = await bundleScript(fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), name);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', file, ...args], {
      env: { ...process.env, AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${name} exited with ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) as string));
    });
  });
}

interface SweepRun {
  elapsed: number;
  cpuSeconds: number;
  rssMb: number;
  rssBeforeMb: number;
  heapAfterGcMb: number;
  resources: number;
  ids: number;
  reportBytes: number;
  findings: number;
  unjudged: number;
  unjudgedReasons: string[];
  scopeErrors: string[];
  calls: Record<string, number>;
  served: number;
  simulatorCpuSeconds: number;
  throttledByQuota: number;
  injected: Record<string, number>;
  /** The bare SDK loop making the same calls (clean runs only). */
  bare?: BareRun;
  /** The bare loop making the three reads per key of the sweep before issue 15. */
  bareThree?: BareRun;
}

interface BareRun {
  elapsed: number;
  cpuSeconds: number;
  calls: Record<string, number>;
}

async function sweepThroughSimulator(
  keys: number,
  endpoints: number,
  faults?: FaultOptions,
  /**
   * The calls-per-key estate: the last `awsManaged` keys are AWS-managed (an `alias/aws/*` alias,
   * no `auto-*` policy Id), the `open` before them let an outside account decrypt, the rest are
   * compliant; `key-crypto-via-vpce` is off (it finds something on every key of this estate).
   */
  mix?: { awsManaged: number; open: number },
): Promise<SweepRun> {
  const sim = new AwsSimulator({ latencyMs: LATENCY_MS, quotas: AWS_QUOTAS, ...(faults ? { faults } : {}) });
  const url = await sim.start();
  const cpu0 = process.cpuUsage();
  try {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Root',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${OWN}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
    const open = JSON.stringify({
      ...JSON.parse(policy),
      Statement: [
        ...JSON.parse(policy).Statement,
        {
          Sid: 'Partner',
          Effect: 'Allow',
          Principal: { AWS: '444455556666' },
          Action: 'kms:Decrypt',
          Resource: '*',
        },
      ],
    });
    for (let i = 0; i < keys; i++) {
      const keyId = `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
      const fromEnd = keys - i;
      if (mix && fromEnd <= mix.awsManaged)
        sim.estate.addKey({ keyId, account: OWN, region: REGION, policy, keyManager: 'AWS' });
      else if (mix && fromEnd <= mix.awsManaged + mix.open)
        sim.estate.addKey({ keyId, account: OWN, region: REGION, policy: open });
      else sim.estate.addKey({ keyId, account: OWN, region: REGION, policy });
    }
    const endpointPolicy = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: '*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalAccount': OWN } },
        },
      ],
    });
    for (let i = 0; i < endpoints; i++) {
      const id = `vpce-${String(i).padStart(17, '0')}`;
      sim.estate.addEndpoint({
        id,
        account: OWN,
        region: REGION,
        vpcId: 'vpc-0a1b2c3d',
        policyDocument: endpointPolicy,
      });
    }
    const creds = sim.credentialsFor(OWN);
    const env = {
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_REGION: REGION,
    };
    const args = [url, OWN, REGION, VPCE, ...(mix ? ['key-crypto-via-vpce'] : [])];
    const result = (await runScript('e2e-sweep-runner', args, env)) as Omit<
      SweepRun,
      'served' | 'simulatorCpuSeconds' | 'throttledByQuota' | 'injected' | 'bare' | 'bareThree'
    >;
    // The same calls by a bare SDK loop, against the same simulator and estate, right after.
    const bare =
      faults || mix
        ? undefined
        : ((await runScript(
            'e2e-bare-runner',
            [url, REGION, JSON.stringify(result.calls), String(DEFAULT_RATE_LIMITS['kms:GetKeyPolicy'].rate)],
            env,
          )) as BareRun);
    // And the three reads per key every sweep made before issue 15 (DescribeKey, GetKeyPolicy,
    // ListResourceTags): the SDK's share of the old cost, in this run.
    const threeReads = { 'kms:DescribeKey': keys, 'kms:GetKeyPolicy': keys, 'kms:ListResourceTags': keys };
    const bareThree =
      faults || mix
        ? undefined
        : ((await runScript(
            'e2e-bare-runner',
            [url, REGION, JSON.stringify(threeReads), String(DEFAULT_RATE_LIMITS['kms:GetKeyPolicy'].rate)],
            env,
          )) as BareRun);
    return {
      ...result,
      ...(bare ? { bare } : {}),
      ...(bareThree ? { bareThree } : {}),
      served: [...sim.calls.values()].reduce((a, b) => a + b, 0),
      simulatorCpuSeconds: (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1e6,
      throttledByQuota: sim.throttledByQuota,
      injected: Object.fromEntries(sim.faultsInjected),
    };
  } finally {
    await sim.stop();
  }
}

/** KMS calls per key: every KMS call but the account-region's listings. */
const keyCalls = (calls: Record<string, number>) =>
  Object.entries(calls)
    .filter(([op]) => op.startsWith('kms:') && op !== 'kms:ListKeys' && op !== 'kms:ListAliases')
    .reduce((a, [, n]) => a + n, 0);

interface MemoryRun {
  keys: number;
  mode: 'streamed' | 'buffered';
  elapsed: number;
  findings: number;
  reportBytes: number;
  calls: number;
  peakRssMb: number;
}

/**
 * Calls per key by kind (a small mixed estate through the real SDK), and peak RSS with a finding
 * on every key through the sweep engine and the CLI's report output over in-memory ports at
 * 10,000 and 100,000 (100,000 through the SDK would take most of an hour here), and 10,000
 * buffered as the CLI was before. 10,000 findings through the real SDK: the main sweep above.
 */
async function memoryRows(quick: boolean): Promise<{ rows: BenchTable['rows']; data: unknown }> {
  const rows: BenchTable['rows'] = [];
  const keys = quick ? 2_000 : 10_000;
  const many = quick ? 10_000 : 100_000;
  // Calls per key by kind: 0 per AWS-managed key, 1 per compliant customer key, 3 per finding.
  const [awsManaged, open] = [100, 100];
  const mixed = await sweepThroughSimulator(1_200, 0, undefined, { awsManaged, open });
  const compliant = 1_200 - awsManaged - open;
  rows.push({
    name: `AWS calls per key, ${compliant.toLocaleString('en-US')} compliant + ${open} with a finding + ${awsManaged} AWS-managed keys (alias/aws/*), real SDK stack, dry run`,
    value: keyCalls(mixed.calls) / 1_200,
    unit: '',
    detail: `${Object.entries(mixed.calls)
      .map(([op, n]) => `${op} ${n}`)
      .join(
        ', ',
      )}; expected ${compliant} x 1 + ${open} x 3 + ${awsManaged} x 0 = ${compliant + open * 3}; ${1_200 - mixed.ids} missing`,
    target: `${compliant + open * 3} calls, no DescribeKey of an AWS-managed key`,
    pass:
      keyCalls(mixed.calls) === compliant + open * 3 &&
      mixed.calls['kms:DescribeKey'] === open &&
      mixed.ids === 1_200,
  });
  const runs: MemoryRun[] = [];
  for (const [n, mode] of [
    [keys, 'buffered'],
    [keys, 'streamed'],
    [many, 'streamed'],
  ] as const) {
    const r = (await runScript('sweep-memory-runner', [String(n), mode], {})) as MemoryRun;
    runs.push(r);
    const target = n >= 100_000 ? 400 : 300;
    rows.push({
      name: `peak RSS, ${n.toLocaleString('en-US')} keys with a finding each, sweep engine + CLI JSON report ${mode === 'streamed' ? 'streamed' : 'buffered (as before this change)'}, in-memory ports`,
      value: r.peakRssMb,
      unit: 'MB',
      detail: `${r.findings} findings, ${n - r.findings} missing; ${fmt(r.elapsed, 1)} s (${fmt((r.elapsed * 1000) / n, 2)} ms per key, no SDK); report ${fmt(r.reportBytes / 1024 / 1024, 1)} MB`,
      ...(mode === 'streamed'
        ? { target: `<= ${target} MB, 0 missing`, pass: r.peakRssMb <= target && r.findings === n }
        : {}),
    });
  }
  return { rows, data: { mixed, runs } };
}

interface EventRun {
  latencyMs: number;
  scenarios: {
    name: string;
    samples: number[];
    firstMs: number;
    asExpected: number;
    roundTrips: string[][];
  }[];
}

export async function run(options: { quick?: boolean } = {}): Promise<BenchTable> {
  const keys = options.quick ? 2_000 : 10_000;
  const endpoints = options.quick ? 100 : 500;
  const floor = rateFloorSeconds(keys, endpoints);
  const rows: BenchTable['rows'] = [];

  // First, so that a failure there costs minutes, not the whole run; its rows come after the sweeps'.
  const memory = await memoryRows(options.quick === true);
  const clean = await sweepThroughSimulator(keys, endpoints);
  const missing = (r: SweepRun) => keys + endpoints - r.ids;
  rows.push({
    name: `sweep ${keys.toLocaleString('en-US')} keys + ${endpoints} endpoints through the real SDK stack, 20 ms/call, AWS quotas enforced`,
    value: clean.elapsed,
    unit: 's',
    detail: `floor ${fmt(floor, 1)} s (GetKeyPolicy at ${DEFAULT_RATE_LIMITS['kms:GetKeyPolicy'].rate}/s); ratio ${fmt(clean.elapsed / floor, 2)}; CPU: sweep ${fmt(clean.cpuSeconds, 1)} s, simulator ${fmt(clean.simulatorCpuSeconds, 1)} s; ${clean.served} HTTP calls served, ${clean.throttledByQuota} over an AWS quota`,
    target: `<= 1.25x floor (${fmt(floor * 1.25, 1)} s)`,
    pass: clean.elapsed <= floor * 1.25,
  });
  const callsMade = Object.values(clean.calls).reduce((a, b) => a + b, 0);
  rows.push({
    name: 'AWS calls per key of that sweep (after the listings ListKeys and ListAliases; a key-crypto-via-vpce finding on every key)',
    value: keyCalls(clean.calls) / keys,
    unit: '',
    detail: Object.entries(clean.calls)
      .map(([op, n]) => `${op} ${n}`)
      .join(', '),
  });
  rows.push({
    name: 'CPU of the sweep process per AWS call (SDK and guard)',
    value: (clean.cpuSeconds * 1000) / callsMade,
    unit: 'ms',
    detail: `${callsMade} calls; to reach the rate floor on one core a call may cost at most ${fmt((floor * 1000) / callsMade, 2)} ms`,
  });
  rows.push({
    name: 'CPU of the sweep process per resource (SDK and guard)',
    value: (clean.cpuSeconds * 1000) / (keys + endpoints),
    unit: 'ms',
  });
  if (clean.bare) {
    const bareCalls = Object.values(clean.bare.calls).reduce((a, b) => a + b, 0);
    rows.push({
      name: 'guard sweep / bare SDK loop making the same calls, same simulator, same run: elapsed',
      value: clean.elapsed / clean.bare.elapsed,
      unit: 'x',
      detail: `guard ${fmt(clean.elapsed, 1)} s, bare loop ${fmt(clean.bare.elapsed, 1)} s (${bareCalls} calls, paced at the guard's GetKeyPolicy rate)`,
      target: '<= 1.1x',
      pass: clean.elapsed / clean.bare.elapsed <= 1.1,
    });
    rows.push({
      name: 'guard sweep / bare SDK loop: CPU',
      value: clean.cpuSeconds / clean.bare.cpuSeconds,
      unit: 'x',
      detail: `guard ${fmt(clean.cpuSeconds, 1)} s, bare loop ${fmt(clean.bare.cpuSeconds, 1)} s of CPU`,
    });
  }
  if (clean.bareThree) {
    rows.push({
      name: 'guard sweep CPU / bare SDK loop making the 3 reads per key sweeps made before (DescribeKey, GetKeyPolicy, ListResourceTags)',
      value: clean.cpuSeconds / clean.bareThree.cpuSeconds,
      unit: 'x',
      detail: `bare 3-read loop ${fmt(clean.bareThree.cpuSeconds, 1)} s of CPU, ${fmt(clean.bareThree.elapsed, 1)} s; before this change the guard took 1.41x that loop's CPU (README, 2026-11-30)`,
    });
  }
  rows.push({
    name: `peak RSS of the sweep process, --format json streamed (bundled, plain node, real SDK clients), ${clean.findings.toLocaleString('en-US')} findings`,
    value: clean.rssMb,
    unit: 'MB',
    detail: `${fmt(clean.rssBeforeMb, 0)} MB before the sweep started; heap after GC at the end ${fmt(clean.heapAfterGcMb, 0)} MB; report written as it went ${fmt(clean.reportBytes / 1024 / 1024, 1)} MB`,
    target: '<= 300 MB',
    pass: clean.rssMb <= 300,
  });
  rows.push({
    name: 'resources missing from the report (real SDK stack)',
    value: missing(clean),
    unit: '',
    detail: `${clean.unjudged} not judged; ${clean.scopeErrors.length} account-regions failed`,
    target: '0',
    pass: missing(clean) === 0 && clean.scopeErrors.length === 0,
  });
  // What that CPU cost means for the organization-wide sweep (the sweep issue's fan-out model, with
  // each account-region also bound by the measured CPU per key, on a vCPU like this machine's core).
  const cpuMsPerKey = (clean.cpuSeconds * 1000) / (keys + endpoints);
  let needed = 1;
  while (needed < 1_000 && fanOut(1_000, 17, needed, 7, cpuMsPerKey).hours >= 1) needed++;
  for (const c of [...new Set([10, needed])].sort((a, b) => a - b)) {
    const sim = fanOut(1_000, 17, c, 7, cpuMsPerKey);
    rows.push({
      name: `org sweep 1,000 accounts x 17 regions at the measured ${fmt(cpuMsPerKey, 2)} ms CPU per resource, worker concurrency ${c} (simulation)`,
      value: sim.hours,
      unit: 'h',
      detail: `mean ${fmt(sim.perScopeSeconds, 1)} s per account-region${c === needed ? '; the smallest concurrency under 1 h' : "; the rate-bound model's choice"}`,
      ...(c === needed ? { target: '< 1 h', pass: sim.hours < 1 } : {}),
    });
  }

  const stormy = await sweepThroughSimulator(keys, endpoints, {
    rates: { throttle: 0.2, 'server-error': 0.02 },
    seed: 42,
  });
  rows.push({
    name: 'same with 20% throttling + 2% 5xx injected by the simulator: missing from the report',
    value: missing(stormy),
    unit: '',
    detail: `${fmt(stormy.elapsed, 1)} s (${fmt(stormy.elapsed / floor, 2)}x floor); ${stormy.unjudged} unreadable${stormy.unjudgedReasons.length ? ` (${stormy.unjudgedReasons.join('; ')})` : ''}; injected ${stormy.injected.throttle ?? 0} throttles, ${stormy.injected['server-error'] ?? 0} 5xx; ${stormy.throttledByQuota} over a quota`,
    target: '0',
    pass: missing(stormy) === 0 && stormy.scopeErrors.length === 0,
  });

  rows.push(...memory.rows);

  const events = (await runScript('e2e-event-runner', [String(options.quick ? 10 : 50)], {})) as EventRun;
  for (const s of events.scenarios) {
    const p50 = median(s.samples);
    const p99 = percentile(s.samples, 99);
    const trips = s.roundTrips.length;
    const floorMs = trips * events.latencyMs;
    rows.push({
      name: `event to ${s.name}, ${events.latencyMs} ms per AWS call: p50`,
      value: p50,
      unit: 'ms',
      detail: `p99 ${fmt(p99, 1)} ms; first event (cold clients) ${fmt(s.firstMs, 1)} ms; ${trips} sequential round trips (floor ${floorMs} ms): ${s.roundTrips.map((t) => t.join(' + ')).join(' -> ')}; ${s.asExpected}/${s.samples.length + 1} as expected`,
      // The guard's and the SDK's own time per round trip, on top of AWS's 20 ms: at most 10 ms.
      target: `<= ${trips} x 30 ms (${trips * 30} ms)`,
      pass: p50 <= trips * 30 && s.asExpected === s.samples.length + 1,
    });
  }
  return {
    title: 'End to end (real SDK clients against the AWS estate simulator)',
    rows,
    data: { clean, stormy, floorSeconds: floor, memory: memory.data, events },
  };
}
