/**
 * One sweep along the sweep CLI's own path (runSweep: STS, per-account-region rate limiters, the
 * pipeline, the report) through the real SDK clients to the AWS estate simulator at the URL given.
 * Bundled and run by `e2e.bench.ts` in its own process, so the memory measured is the sweep's:
 * `node e2e-sweep-runner.mjs <endpointUrl> <account> <region> <vpceId> [rule to turn off ...]`. Prints one
 * JSON line.
 */
import { runSweep } from '../functions/cli/sweep.js';
import { parseConfig } from '../functions/config/load.js';
import { nowMs, trackPeakRss } from './lib.js';

// Further arguments: rules turned off besides the grants rule.
const [endpointUrl, account, region, vpceId, ...off] = process.argv.slice(2);
if (!endpointUrl || !account || !region || !vpceId)
  throw new Error('usage: e2e-sweep-runner <endpointUrl> <account> <region> <vpceId>');

const config = parseConfig(
  {
    trust: { accounts: [account] },
    network: { vpceIds: [vpceId] },
    dryRun: true,
    // The grants rule lists every key's grants at 50/s (ListGrants' rate): a sweep of 10,000 keys
    // would take 200 s whatever the guard does. Off here, so the sweep is measured against the
    // GetKeyPolicy floor (19.9 s) the sweep targets were set on; the handlers table counts it.
    rules: { 'key-no-external-grantees': 'off', ...Object.fromEntries(off.map((rule) => [rule, 'off'])) },
    // The deployed default concurrency (32): through the real SDK the sweep is CPU-bound well below
    // it, and more in flight only holds more memory.
    sweep: { regions: [region], accounts: [account] },
  },
  'bench',
);
const rss = trackPeakRss();
const cpu0 = process.cpuUsage();
const t0 = nowMs();
// The JSON report is written as the sweep goes (to a sink that counts its bytes here) and keeps no
// resource: count what it wrote without holding it.
const ids = new Set<string>();
const notJudged: { reason?: string }[] = [];
let reportBytes = 0;
const { report } = await runSweep({
  config,
  endpointUrl,
  remediate: false,
  format: 'json',
  progress: { write: () => {}, isTTY: false },
  stdout: (chunk) => {
    reportBytes += chunk.length;
  },
  env: { AWS_REGION: region },
  onResource: (r) => {
    ids.add(r.id);
    if (r.status !== 'judged') notJudged.push({ ...(r.reason ? { reason: r.reason } : {}) });
  },
});
const elapsed = (nowMs() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const { peakMb, beforeMb } = rss.stop();
// What the sweep still holds at the end (the report): the rest of the peak is garbage not yet collected.
(globalThis as { gc?: () => void }).gc?.();
const heapAfterGcMb = process.memoryUsage().heapUsed / 1024 / 1024;
process.stdout.write(
  `${JSON.stringify({
    elapsed,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rssMb: peakMb,
    rssBeforeMb: beforeMb,
    heapAfterGcMb,
    resources: report.totals.resources,
    ids: ids.size,
    reportBytes,
    findings: Object.values(report.totals.byRule).reduce((a, c) => a + (c?.finding ?? 0), 0),
    unjudged: notJudged.length,
    unjudgedReasons: [...new Set(notJudged.map((r) => r.reason))].slice(0, 5),
    scopeErrors: report.scopes.filter((s) => s.error).map((s) => s.error),
    calls: report.apiCalls,
    rateLimitWaitsMs: report.rateLimitWaitsMs,
  })}\n`,
);
