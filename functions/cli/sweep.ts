/**
 * `kms-perimeter-guard sweep`: the scheduled sweep, run from a workstation or CI with the standard
 * AWS credential chain. Dry-run unless `--remediate`. Reports; never publishes alerts.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { version as VERSION } from '../../package.json';
import { createCallCounter } from '../adapters/counter.js';
import { createEc2Client } from '../adapters/ec2-client.js';
import { createOrganizationsClient } from '../adapters/organizations-client.js';
import { profileCredentials } from '../adapters/profile-credentials.js';
import { createRcpReader } from '../adapters/rcps.js';
import { activeOrganizationAccounts, callerAccount, enabledRegions } from '../adapters/scope.js';
import { createStsAdapter } from '../adapters/sts.js';
import { createStsClient } from '../adapters/sts-client.js';
import { createSweepPorts } from '../adapters/sweep-ports.js';
import type { GuardConfig } from '../config/schema.js';
import type { GuardLog, PipelineDeps } from '../engine/pipeline.js';
import { RateLimiter } from '../engine/rate-limit.js';
import { type SweepProgress, sweepAccountRegion } from '../engine/sweep.js';
import type { ReportResource, ScopeSweep, SweepReport } from '../engine/sweep-report.js';
import { UsageError } from '../errors.js';
import type { Severity } from '../rules/types.js';
import type { ExitCode } from './exit-codes.js';
import { type FindingFormat, formatSweepFindings } from './format-findings.js';
import { AWS_REGIONS, isAwsRegion } from './regions.js';
import { openReportOutputs } from './sweep-output.js';
import { asReported, sweepExitCode } from './sweep-results.js';
import { formatSweepText } from './sweep-text.js';

export interface SweepCliOptions {
  config: GuardConfig;
  regions?: string[];
  profile?: string;
  endpointUrl?: string;
  /** Per-attempt timeout of every AWS call (ms); defaults to the clients' own. */
  requestTimeoutMs?: number;
  remediate: boolean;
  /** `asff`/`ocsf`: one entry per open finding (format-findings.ts); `--output` still gets the report. */
  format: 'text' | 'json' | FindingFormat;
  output?: string;
  /** Lowest severity that makes the exit status 1 (default low). */
  failOn?: Severity;
  /** Where progress goes (stderr); `isTTY` switches between a bar and plain lines. */
  progress: { write(text: string): void; isTTY: boolean };
  stdout: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Region used for global calls (STS, Organizations, DescribeRegions). */
  homeRegion?: string;
  /** Called with each resource as reported, as it settles (the report written keeps none in JSON). */
  onResource?: (r: ReportResource) => void;
}

/** Edit distance, for "did you mean" on a mistyped Region. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** `--regions a,b`: every name must be an AWS Region (regions.ts), else it is a usage error. */
export function parseRegions(value: string): string[] {
  const regions = value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (regions.length === 0) throw new UsageError('--regions needs at least one region');
  for (const r of regions) {
    if (isAwsRegion(r)) continue;
    const best = Math.min(...AWS_REGIONS.map((known) => distance(r, known)));
    const near = best <= 2 ? AWS_REGIONS.filter((known) => distance(r, known) === best) : [];
    throw new UsageError(
      `--regions: ${JSON.stringify(r)} is not an AWS region${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ' (names like us-east-1, eu-west-1)'}`,
    );
  }
  return [...new Set(regions)];
}

/**
 * `--output FILE` must be writable before the sweep starts: finding out after an hour of AWS calls
 * would lose the report. Checks access only; the file is written as the sweep goes.
 */
export function assertWritable(file: string): void {
  const path = resolve(file);
  const why = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);
  let exists = true;
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`--output ${file}: is a directory`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UsageError(`--output ${file}: cannot be written (${why(err)})`);
    }
    exists = false;
  }
  try {
    if (exists) accessSync(path, constants.W_OK);
    else {
      const dir = dirname(path);
      if (!statSync(dir).isDirectory()) throw new UsageError(`--output ${file}: ${dir} is not a directory`);
      accessSync(dir, constants.W_OK);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = why(err);
    throw new UsageError(
      `--output ${file}: cannot be written (${code === 'ENOENT' ? `no directory ${dirname(path)}` : code})`,
    );
  }
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

/**
 * organization.rcps "read": each account's effective RCPs, read once per run with the run's own
 * credentials (the management or a delegated administrator account).
 */
function rcpDeps(
  config: SweepCliOptions['config'],
  client: () => ReturnType<typeof createOrganizationsClient>,
  counter: ReturnType<typeof createCallCounter>,
): Pick<PipelineDeps, 'rcpsFor'> {
  return config.organization.rcps === 'read' ? { rcpsFor: createRcpReader(client(), { counter }) } : {};
}

/**
 * Runs the sweep, writing its report as it goes (sweep-output.ts). The report returned has the
 * totals and scopes; its `resources` are only those the format kept (none for JSON).
 */
export async function runSweep(options: SweepCliOptions): Promise<{ report: SweepReport; code: ExitCode }> {
  const { config } = options;
  if (options.remediate && config.dryRun) {
    options.progress.write('warning: the configuration sets dryRun: true, so --remediate changes nothing\n');
  }
  const home = options.homeRegion ?? options.env.AWS_REGION ?? options.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // What every client of this run shares besides its region. Member accounts' clients take the
  // role's credentials; the profile's reach them through the STS client.
  const clientOptions = {
    ...(options.profile ? { credentials: profileCredentials(options.profile) } : {}),
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
    renderAlerts: false,
    log: cliLog(options.progress),
    metrics: { count: () => {} },
    ...rcpDeps(config, () => createOrganizationsClient({ region: home, ...clientOptions }), counter),
  };

  const started = new Date();
  const view = new ProgressView(options.progress);
  const out = openReportOutputs(options, {
    runId: `sweep-${started.toISOString()}`,
    startedAt: started,
    dryRun: deps.config.dryRun,
  });
  const scopes: ScopeSweep['scope'][] = [];
  try {
    for (const account of accounts) {
      for (const region of regions) {
        const sweep = await sweepAccountRegion(account, region, deps, {
          concurrency: config.sweep.concurrency,
          onProgress: (p) => view.update(p),
          onResource: (r) => out.add(asReported(r, deps.config.dryRun)),
        });
        scopes.push(sweep.scope);
      }
    }
  } finally {
    view.done();
  }
  const waits: Record<string, number> = {};
  for (const l of limiters.values())
    for (const [api, ms] of Object.entries(l.waits())) waits[api] = (waits[api] ?? 0) + (ms ?? 0);
  const report = out.finish({
    finishedAt: new Date(),
    scopes,
    apiCalls: counter.snapshot(),
    rateLimitWaitsMs: waits,
  });
  if (options.format === 'text') options.stdout(formatSweepText(report, out.table));
  else if (options.format !== 'json') options.stdout(formatSweepFindings(report, options.format, VERSION));
  return { report, code: sweepExitCode(report, options.failOn, out.failing()) };
}
