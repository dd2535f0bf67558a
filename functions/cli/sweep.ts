/**
 * `kms-perimeter-guard sweep`: the scheduled sweep, run from a workstation or CI with the standard
 * AWS credential chain. Dry-run unless `--remediate`. Reports; never publishes alerts.
 */
import { writeFileSync } from 'node:fs';
import { createCallCounter } from '../adapters/counter.js';
import { createEc2Client } from '../adapters/ec2-client.js';
import { createOrganizationsClient } from '../adapters/organizations-client.js';
import { activeOrganizationAccounts, callerAccount, enabledRegions } from '../adapters/scope.js';
import { createStsAdapter } from '../adapters/sts.js';
import { createStsClient } from '../adapters/sts-client.js';
import { createSweepPorts } from '../adapters/sweep-ports.js';
import type { GuardConfig } from '../config/schema.js';
import type { GuardLog, PipelineDeps } from '../engine/pipeline.js';
import { RateLimiter } from '../engine/rate-limit.js';
import {
  buildReport,
  type ScopeSweep,
  type SweepProgress,
  type SweepReport,
  sweepAccountRegion,
} from '../engine/sweep.js';
import { UsageError } from '../errors.js';
import type { ConcreteRequest } from '../policy/types.js';
import { describeWitness } from '../policy/witness-text.js';

export interface SweepCliOptions {
  config: GuardConfig;
  regions?: string[];
  profile?: string;
  endpointUrl?: string;
  /** Per-attempt timeout of every AWS call (ms); defaults to the clients' own. */
  requestTimeoutMs?: number;
  remediate: boolean;
  format: 'text' | 'json';
  output?: string;
  /** Where progress goes (stderr); `isTTY` switches between a bar and plain lines. */
  progress: { write(text: string): void; isTTY: boolean };
  stdout: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Region used for global calls (STS, Organizations, DescribeRegions). */
  homeRegion?: string;
}

const REGION = /^[a-z]{2,}(-[a-z0-9]+)+-\d+$/;

export function parseRegions(value: string): string[] {
  const regions = value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (regions.length === 0) throw new UsageError('--regions needs at least one region');
  for (const r of regions)
    if (!REGION.test(r)) throw new UsageError(`--regions: "${r}" is not an AWS region`);
  return regions;
}

/** The CLI's logger: warnings and errors to the progress stream, nothing else (the report says the rest). */
function cliLog(progress: SweepCliOptions['progress']): GuardLog {
  const line = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    progress.write(`${level}: ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`);
  return { debug: () => {}, info: () => {}, warn: line('warning'), error: line('error') };
}

class ProgressView {
  private readonly totals = new Map<string, SweepProgress>();
  private lastLine = 0;
  constructor(private readonly out: SweepCliOptions['progress']) {}
  update(p: SweepProgress): void {
    this.totals.set(`${p.account}/${p.region}`, p);
    const judged = [...this.totals.values()].reduce((s, x) => s + x.judged, 0);
    const total = [...this.totals.values()].reduce((s, x) => s + x.total, 0);
    if (this.out.isTTY) {
      const width = 30;
      const filled = total === 0 ? width : Math.round((judged / total) * width);
      const regions = [...this.totals.values()].map((x) => `${x.region} ${x.judged}/${x.total}`).join('  ');
      this.out.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${judged}/${total}  ${regions}\x1b[K`,
      );
    } else if (p.judged === p.total || p.judged - this.lastLine >= 100) {
      this.lastLine = p.judged;
      this.out.write(`${p.account}/${p.region}: ${p.judged}/${p.total} resources judged\n`);
    }
  }
  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}

export async function runSweep(options: SweepCliOptions): Promise<{ report: SweepReport; code: 0 | 1 | 2 }> {
  const { config } = options;
  if (options.profile) {
    // The SDK's default chain reads the profile from AWS_PROFILE.
    // https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html
    process.env.AWS_PROFILE = options.profile;
  }
  const home = options.homeRegion ?? options.env.AWS_REGION ?? options.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // What every client of this run shares besides its region.
  const clientOptions = {
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  };
  const counter = createCallCounter();
  const stsClient = createStsClient({ region: home, ...clientOptions });
  const sts = createStsAdapter(stsClient, { counter });
  const own = await callerAccount(stsClient, { counter });
  const regions =
    options.regions ??
    (config.sweep.regions === 'all-enabled'
      ? await enabledRegions(createEc2Client({ region: home, ...clientOptions }), { counter })
      : config.sweep.regions);
  const accounts =
    config.sweep.accounts === 'organization'
      ? await activeOrganizationAccounts(createOrganizationsClient({ region: home, ...clientOptions }), {
          counter,
        })
      : config.sweep.accounts.length > 0
        ? config.sweep.accounts
        : [own];

  const limiters = new Map<string, RateLimiter>();
  const limiterFor = (account: string, region: string) => {
    const key = `${account}:${region}`;
    let l = limiters.get(key);
    if (!l) {
      l = new RateLimiter(config.sweep.rateLimits);
      limiters.set(key, l);
    }
    return l;
  };
  const portOptions = {
    ownAccount: () => own,
    roleName: config.memberRoleName,
    sessionName: 'kms-perimeter-guard-sweep',
    sts,
    ...clientOptions,
  };
  const deps: PipelineDeps = {
    config: { ...config, dryRun: !options.remediate || config.dryRun },
    ports: createSweepPorts({ ...portOptions, counter, throttleFor: (a, r) => limiterFor(a, r).throttle }),
    // The CLI reports; alerting is the Lambdas' job.
    notify: async () => ({ failed: 0, errors: [] }),
    log: cliLog(options.progress),
    metrics: { count: () => {} },
  };

  const started = new Date();
  const view = new ProgressView(options.progress);
  const sweeps: ScopeSweep[] = [];
  for (const account of accounts) {
    for (const region of regions) {
      sweeps.push(
        await sweepAccountRegion(account, region, deps, {
          concurrency: config.sweep.concurrency,
          onProgress: (p) => view.update(p),
        }),
      );
    }
  }
  view.done();
  const waits: Record<string, number> = {};
  for (const l of limiters.values())
    for (const [api, ms] of Object.entries(l.waits())) waits[api] = (waits[api] ?? 0) + (ms ?? 0);
  const report = buildReport({
    runId: `sweep-${started.toISOString()}`,
    startedAt: started,
    finishedAt: new Date(),
    dryRun: deps.config.dryRun,
    sweeps,
    apiCalls: counter.snapshot(),
    rateLimitWaitsMs: waits,
  });
  if (options.output) writeFileSync(options.output, `${JSON.stringify(report, null, 2)}\n`);
  options.stdout(
    options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatSweepText(report),
  );
  return { report, code: sweepExitCode(report) };
}

/** 0 all compliant, 1 findings, 2 errors (unreadable resources, account-regions not swept). */
export function sweepExitCode(report: SweepReport): 0 | 1 | 2 {
  if (report.totals.unreadable > 0 || report.scopes.some((s) => s.error)) return 2;
  const open = report.resources.some((r) =>
    Object.values(r.results).some((x) => x?.status === 'finding' || x?.status === 'remediation-failed'),
  );
  return open ? 1 : 0;
}

export function formatSweepText(report: SweepReport): string {
  const lines: string[] = [];
  const header = [
    'account',
    'region',
    'keys',
    'AWS-managed',
    'endpoints',
    'compliant',
    'findings',
    'remediated',
    'failed',
    'unreadable',
    'seconds',
  ];
  const rows = report.scopes.map((s) => {
    const rs = report.resources.filter((r) => r.account === s.account && r.region === s.region);
    const count = (status: string) =>
      rs.reduce((n, r) => n + Object.values(r.results).filter((x) => x?.status === status).length, 0);
    return [
      s.account,
      s.region,
      String(s.keys.listed),
      String(s.keys.awsManaged),
      String(s.endpoints.listed),
      String(count('compliant')),
      String(count('finding')),
      String(count('remediated')),
      String(count('remediation-failed')),
      String(rs.filter((r) => r.status === 'unreadable').length),
      (s.durationMs / 1000).toFixed(1),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  lines.push(fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt));
  for (const s of report.scopes) if (s.error) lines.push(`error: ${s.account}/${s.region}: ${s.error}`);
  const findings = report.resources.flatMap((r) =>
    Object.entries(r.results)
      .filter(([, x]) => x && x.status !== 'compliant' && x.status !== 'exempt')
      .map(([rule, x]) => {
        const witness = x?.witness ? `: ${describeWitness(x.witness as ConcreteRequest)}` : '';
        const detail = x?.detail ? ` (${x.detail})` : '';
        return `${x?.status.toUpperCase()} ${rule} ${r.type} ${r.arn ?? r.id}${detail}${witness}`;
      }),
  );
  if (findings.length) lines.push('', ...findings);
  for (const r of report.resources.filter((x) => x.status === 'unreadable')) {
    lines.push(`UNREADABLE ${r.type} ${r.arn ?? r.id}: ${r.reason ?? ''}`);
  }
  lines.push(
    '',
    `${report.totals.resources} resources (${report.totals.byType['kms-key']} keys, ${report.totals.byType['vpc-endpoint']} endpoints), ` +
      `${report.totals.skipped} skipped, ${report.totals.unreadable} unreadable; ${report.dryRun ? 'dry run: nothing was changed' : 'remediation on'}; ` +
      `${Object.values(report.apiCalls).reduce((a, b) => a + b, 0)} AWS calls in ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  return `${lines.join('\n')}\n`;
}
