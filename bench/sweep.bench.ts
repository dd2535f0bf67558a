/**
 * Sweep benchmark (sweep issue): one account-region with 10,000 keys and 500 KMS endpoints against
 * mocked AWS at 20 ms per call with the real quotas enforced (see sweep-runner.ts, run bundled in a
 * child process), then the same with 20% throttling and 2% 5xx injected, and a simulation of the
 * SQS fan-out over accounts x regions.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RATE_LIMITS } from '../functions/engine/rate-limit.js';
import { type BenchTable, bundleScript, fmt, prng } from './lib.js';

const LATENCY_MS = 20;

type RunResult = {
  elapsed: number;
  rssMb: number;
  rssBeforeMb: number;
  missing: number;
  unjudged: number;
  unjudgedReasons: string[];
  calls: Record<string, number>;
  served: { throttled: number; serverErrors: number };
};

let runner: string | undefined;
async function bundleRunner(): Promise<string> {
  runner ??= await bundleScript(fileURLToPath(new URL('./sweep-runner.ts', import.meta.url)), 'sweep-runner');
  return runner;
}

async function runOnce(
  keys: number,
  endpoints: number,
  faults: { throttle: number; serverError: number },
  concurrency: number,
): Promise<RunResult> {
  const file = await bundleRunner();
  const child = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      file,
      String(keys),
      String(endpoints),
      String(faults.throttle),
      String(faults.serverError),
      String(concurrency),
    ],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'AKIDBENCH',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
      },
    },
  );
  if (child.status !== 0) throw new Error(`sweep runner failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as RunResult;
}

/** The floor the configured client-side rates set: the slowest API's calls over its rate. */
function rateFloorSeconds(keys: number, endpoints: number): number {
  const r = DEFAULT_RATE_LIMITS;
  const need = (calls: number, api: keyof typeof r) => Math.max(0, calls - r[api].burst) / r[api].rate;
  return Math.max(
    need(keys, 'kms:DescribeKey'),
    need(keys, 'kms:GetKeyPolicy'),
    need(keys, 'kms:ListResourceTags'),
    need(Math.ceil(keys / 1000), 'kms:ListKeys'),
    need(Math.ceil(endpoints / 1000), 'ec2:Describe'),
  );
}

/**
 * SQS fan-out simulation: N account-regions, worker reserved concurrency C, each message taking the
 * time its estate needs at the configured rates (+ latency-bound listing, and CPU-bound when a CPU
 * cost per key is given); greedy queue order.
 */
function fanOut(
  accounts: number,
  regions: number,
  concurrency: number,
  seed = 7,
  cpuMsPerKey = 0,
): { hours: number; perScopeSeconds: number } {
  const rand = prng(seed);
  const durations: number[] = [];
  for (let i = 0; i < accounts * regions; i++) {
    // Estates are skewed: most account-regions hold a few keys, a few hold thousands.
    const keys = Math.round(Math.exp(rand() * Math.log(2_000)));
    const endpoints = Math.round(rand() * 4);
    durations.push(
      Math.max(
        rateFloorSeconds(keys, endpoints),
        (keys / 32) * 3 * (LATENCY_MS / 1000),
        (keys * cpuMsPerKey) / 1000,
      ) + 1.5,
    );
  }
  const workers = new Array<number>(concurrency).fill(0);
  for (const d of durations) {
    let min = 0;
    for (let w = 1; w < workers.length; w++) if ((workers[w] as number) < (workers[min] as number)) min = w;
    workers[min] = (workers[min] as number) + d;
  }
  return {
    hours: Math.max(...workers) / 3600,
    perScopeSeconds: durations.reduce((a, b) => a + b, 0) / durations.length,
  };
}

export async function run(options: { quick?: boolean } = {}): Promise<BenchTable> {
  const keys = options.quick ? 2_000 : 10_000;
  const endpoints = options.quick ? 100 : 500;
  const concurrency = 64;
  const floor = rateFloorSeconds(keys, endpoints);
  const rows: BenchTable['rows'] = [];
  const clean = await runOnce(keys, endpoints, { throttle: 0, serverError: 0 }, concurrency);
  rows.push({
    name: `sweep ${keys.toLocaleString('en-US')} keys + ${endpoints} endpoints, 20 ms/call, AWS quotas enforced`,
    value: clean.elapsed,
    unit: 's',
    detail: `floor ${fmt(floor, 1)} s (GetKeyPolicy at ${DEFAULT_RATE_LIMITS['kms:GetKeyPolicy'].rate}/s); ratio ${fmt(clean.elapsed / floor, 2)}; ${Object.values(clean.calls).reduce((a, b) => a + b, 0)} calls; server throttled ${clean.served.throttled}`,
    target: `<= 1.25x floor (${fmt(floor * 1.25, 1)} s)`,
    pass: clean.elapsed <= floor * 1.25,
  });
  rows.push({
    name: 'peak RSS of the sweep process (bundled, plain node)',
    value: clean.rssMb,
    unit: 'MB',
    detail: `${fmt(clean.rssBeforeMb, 0)} MB before the sweep started`,
    target: '<= 300 MB',
    pass: clean.rssMb <= 300,
  });
  rows.push({
    name: 'resources missing from the report',
    value: clean.missing,
    unit: '',
    detail: `${clean.unjudged} not judged${clean.unjudgedReasons.length ? `: ${clean.unjudgedReasons.join('; ')}` : ''}`,
    target: '0',
    pass: clean.missing === 0,
  });
  const stormy = await runOnce(keys, endpoints, { throttle: 0.2, serverError: 0.02 }, concurrency);
  rows.push({
    name: 'same with 20% throttling + 2% 5xx injected: missing from the report',
    value: stormy.missing,
    unit: '',
    detail: `${fmt(stormy.elapsed, 1)} s (${fmt(stormy.elapsed / floor, 2)}x floor); ${stormy.unjudged} unreadable; injected ${stormy.served.throttled} throttles, ${stormy.served.serverErrors} 5xx`,
    target: '0',
    pass: stormy.missing === 0,
  });
  // The smallest worker concurrency that finishes 1,000 accounts x 17 regions within the hour.
  let needed = 1;
  while (needed < 1_000 && fanOut(1_000, 17, needed).hours >= 1) needed++;
  for (const c of [...new Set([5, needed, 25, 50, 100])].sort((a, b) => a - b)) {
    const sim = fanOut(1_000, 17, c);
    rows.push({
      name: `org sweep 1,000 accounts x 17 regions, worker concurrency ${c} (simulation)`,
      value: sim.hours,
      unit: 'h',
      detail: `mean ${fmt(sim.perScopeSeconds, 1)} s per account-region${c === needed ? '; the smallest concurrency under 1 h' : ''}`,
      ...(c === needed ? { target: '< 1 h', pass: sim.hours < 1 } : {}),
    });
  }
  return {
    title: 'Sweep (one account-region, mocked AWS)',
    rows,
    data: { clean, stormy, floorSeconds: floor },
  };
}

export { fanOut, rateFloorSeconds };
