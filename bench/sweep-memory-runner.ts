/**
 * Peak memory of a sweep with a finding on every key, through the sweep engine and the CLI's report
 * output (sweep-output.ts) over in-memory ports: no SDK and no HTTP, so 100,000 findings take
 * minutes, not the hour a sweep through the real SDK would. Bundled and run by `e2e.bench.ts` in its
 * own process: `node sweep-memory-runner.mjs <keys> <streamed|buffered>`. `buffered` keeps every
 * resource and prints the report at the end, as the CLI did before it streamed (for comparison).
 * Prints one JSON line.
 */
import { openReportOutputs } from '../functions/cli/sweep-output.js';
import { asReported } from '../functions/cli/sweep-results.js';
import { parseConfig } from '../functions/config/load.js';
import type { KmsPort } from '../functions/engine/ports.js';
import { sweepAccountRegion } from '../functions/engine/sweep.js';
import { buildReport, type ReportResource } from '../functions/engine/sweep-report.js';
import { nowMs } from './lib.js';

const [keysArg, mode] = process.argv.slice(2);
const keys = Number(keysArg);
if (!Number.isInteger(keys) || (mode !== 'streamed' && mode !== 'buffered'))
  throw new Error('usage: sweep-memory-runner <keys> <streamed|buffered>');

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const keyId = (i: number) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
const keyArn = (id: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
// Every key lets an outside account decrypt: one finding per key, with its proof and witness.
const policy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'Partner',
      Effect: 'Allow',
      Principal: { AWS: '444455556666' },
      Action: 'kms:Decrypt',
      Resource: '*',
    },
  ],
});

let calls = 0;
/** Lets timers and GC run between calls, as network I/O would. */
const tick = () => {
  calls++;
  return calls % 64 === 0 ? new Promise<void>((r) => setImmediate(r)) : Promise.resolve();
};
const kms: KmsPort = {
  async *listKeys() {
    for (let i = 0; i < keys; i++) yield { keyId: keyId(i), keyArn: keyArn(keyId(i)) };
  },
  async *listAliases() {},
  getKeyPolicy: async () => (await tick(), policy),
  describeKey: async (id) => (
    await tick(),
    {
      keyId: id,
      arn: keyArn(id),
      account: ACCOUNT,
      region: REGION,
      keyManager: 'CUSTOMER',
      keyState: 'Enabled',
    }
  ),
  listResourceTags: async () => (await tick(), {}),
  readKeyState: async (read) => (await tick(), (read === 'grants' ? [] : { enabled: true }) as never),
  revokeGrant: async () => {
    throw new Error('a dry run writes nothing');
  },
  putKeyPolicy: async () => {
    throw new Error('a dry run writes nothing');
  },
};

const config = parseConfig(
  { trust: { accounts: [ACCOUNT] }, dryRun: true, sweep: { regions: [REGION], accounts: [ACCOUNT] } },
  'bench',
);
const deps = {
  config,
  ports: { kms: async () => kms },
  notify: async () => ({ failed: 0, errors: [] }),
  renderAlerts: false as const,
  log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  metrics: { count: () => {} },
};

let reportBytes = 0;
const stdout = (chunk: string) => {
  reportBytes += chunk.length;
};
const t0 = nowMs();
const startedAt = new Date();
const head = { runId: 'bench', startedAt, dryRun: true };
let findings = 0;
if (mode === 'streamed') {
  const out = openReportOutputs({ format: 'json', stdout }, head);
  const sweep = await sweepAccountRegion(ACCOUNT, REGION, deps, {
    concurrency: config.sweep.concurrency,
    onResource: (r) => out.add(asReported(r, true)),
  });
  const report = out.finish({ finishedAt: new Date(), scopes: [sweep.scope], apiCalls: {} });
  findings = report.totals.byRule['key-no-external-principals']?.finding ?? 0;
} else {
  const sweep = await sweepAccountRegion(ACCOUNT, REGION, deps, { concurrency: config.sweep.concurrency });
  const resources: ReportResource[] = sweep.resources.map((r) => asReported(r, true));
  const report = buildReport({
    ...head,
    finishedAt: new Date(),
    sweeps: [{ ...sweep, resources }],
    apiCalls: {},
  });
  stdout(`${JSON.stringify(report, null, 2)}\n`);
  findings = report.totals.byRule['key-no-external-principals']?.finding ?? 0;
}
const elapsed = (nowMs() - t0) / 1000;
// maxRSS: the process's peak resident set (KiB on Linux), sampled by the kernel, not by a timer.
process.stdout.write(
  `${JSON.stringify({ keys, mode, elapsed, findings, reportBytes, calls, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
