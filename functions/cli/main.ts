import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfigFromEnv, parseConfigText } from '../config/load.js';
import type { GuardConfig } from '../config/schema.js';
import { ConfigError, UsageError } from '../errors.js';
import { exitCodeOf, runCheck } from './check.js';
import { formatJson } from './format-json.js';
import { formatSarif } from './format-sarif.js';
import { formatText } from './format-text.js';
import { INPUT_KINDS, type InputKind, type InputProblem } from './inputs.js';

/** Injected I/O so tests run the real CLI without touching the process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): string;
  env: Record<string, string | undefined>;
  /** Progress output (stderr); a TTY gets a progress bar. */
  progress?: { write(text: string): void; isTTY: boolean };
}

export const VERSION = '0.1.0';

export const USAGE = `usage: kms-perimeter-guard <command> [options]

commands:
  check [--config FILE] [--kind key-policy|endpoint-policy|endpoint] [--format text|json|sarif] FILE...
      Judge policy files offline with the guard's rules. FILE is a policy document (needs --kind),
      a GetKeyPolicy response ({"Policy": "<json text>"}), an EC2 VpcEndpoint, {"VpcEndpoint": {...}}
      or {"VpcEndpoints": [...]}. Without --config, GUARD_CONFIG or GUARD_CONFIG_FILE is read.

  sweep [--config FILE] [--regions a,b] [--profile P] [--endpoint-url URL] [--dry-run | --remediate]
        [--format text|json] [--output FILE]
      Judge every KMS interface endpoint and every customer-managed key of the configured accounts
      and regions (config "sweep"), with the standard AWS credential chain. Dry run unless
      --remediate. --output writes the JSON report to FILE as well.

  trails [--regions a,b] [--profile P] [--endpoint-url URL] [--format text|json]
      Check that each region has a logging CloudTrail trail recording write management events:
      without one, EventBridge never delivers the events the guard reacts to.
      Exit 0 all covered, 1 a region is not, 2 errors.

exit status: 0 no findings, 1 findings, 2 usage, configuration or input error (sweep: or
unreadable resources / account-regions not swept)
`;

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readFile: (p) => readFileSync(p, 'utf8'),
  env: process.env,
  progress: { write: (t) => process.stderr.write(t), isTTY: process.stderr.isTTY === true },
};

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got "${value}"`);
  }
  return value as T;
}

function loadConfig(file: string | undefined, io: CliIo): GuardConfig {
  if (file !== undefined) {
    let text: string;
    try {
      text = io.readFile(file);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new ConfigError(file, [{ path: '$', message: `cannot read file (${why})` }], { cause: err });
    }
    return parseConfigText(text, file);
  }
  if (io.env.GUARD_CONFIG || io.env.GUARD_CONFIG_FILE) return loadConfigFromEnv(io.env);
  throw new UsageError(
    'no configuration: pass --config FILE (the JSON of SPEC §4; at least trust.accounts or trust.organizationIds), or set GUARD_CONFIG / GUARD_CONFIG_FILE',
  );
}

function check(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      kind: { type: 'string', short: 'k' },
      format: { type: 'string', short: 'f' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const kind = oneOf<InputKind>(values.kind, INPUT_KINDS, '--kind');
  const format: Format = oneOf(values.format, FORMATS, '--format') ?? 'text';
  if (positionals.length === 0) throw new UsageError('check needs at least one FILE');
  const config = loadConfig(values.config, io);

  const files: { name: string; text: string }[] = [];
  const unreadable: InputProblem[] = [];
  for (const name of positionals) {
    try {
      files.push({ name, text: io.readFile(name) });
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? String(err);
      unreadable.push({ file: name, path: '$', message: `cannot read file (${why})` });
    }
  }
  const report = runCheck({ files, config, ...(kind ? { kind } : {}) });
  if (unreadable.length > 0) {
    report.problems.unshift(...unreadable);
    report.summary.inputErrors = report.problems.length;
    report.summary.files += unreadable.length;
  }

  if (format === 'json') io.stdout(formatJson(report));
  else if (format === 'sarif')
    io.stdout(formatSarif(report, new Map(files.map((f) => [f.name, f.text])), VERSION));
  else io.stdout(formatText(report));
  // Machine-readable formats keep stdout parseable; errors also go to stderr so a pipeline sees them.
  if (format !== 'text')
    for (const p of report.problems) io.stderr(`error: ${p.file}: ${p.path}: ${p.message}\n`);
  return exitCodeOf(report);
}

async function sweep(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: false,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      regions: { type: 'string' },
      profile: { type: 'string' },
      'endpoint-url': { type: 'string' },
      'dry-run': { type: 'boolean' },
      remediate: { type: 'boolean' },
      format: { type: 'string', short: 'f' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`sweep takes no FILE arguments (got ${positionals.join(' ')})`);
  if (values['dry-run'] && values.remediate)
    throw new UsageError('--dry-run and --remediate exclude each other');
  const format = oneOf(values.format, ['text', 'json'] as const, '--format') ?? 'text';
  if (values['endpoint-url'] !== undefined && !/^https?:\/\/[^\s]+$/.test(values['endpoint-url'])) {
    throw new UsageError(`--endpoint-url must be an http(s) URL, got "${values['endpoint-url']}"`);
  }
  const config = loadConfig(values.config, io);
  const { runSweep, parseRegions } = await import('./sweep.js');
  const regions = values.regions !== undefined ? parseRegions(values.regions) : undefined;
  try {
    const { code } = await runSweep({
      config,
      ...(regions ? { regions } : {}),
      ...(values.profile ? { profile: values.profile } : {}),
      ...(values['endpoint-url'] ? { endpointUrl: values['endpoint-url'] } : {}),
      remediate: values.remediate === true,
      format,
      ...(values.output ? { output: values.output } : {}),
      progress: io.progress ?? { write: io.stderr, isTTY: false },
      stdout: io.stdout,
      env: io.env,
    });
    return code;
  } catch (err) {
    // Before any resource is judged (no credentials, STS or Organizations refused): nothing to
    // report but the reason.
    const e = err as Error & { code?: string };
    io.stderr(
      `kms-perimeter-guard: sweep failed: ${e.name === 'CredentialsProviderError' || e.code === 'CredentialsProviderError' ? 'no AWS credentials found (set AWS_PROFILE, --profile or AWS_ACCESS_KEY_ID)' : e.message}\n`,
    );
    return 2;
  }
}

async function trails(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    strict: true,
    options: {
      regions: { type: 'string' },
      profile: { type: 'string' },
      'endpoint-url': { type: 'string' },
      format: { type: 'string', short: 'f' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const format = oneOf(values.format, ['text', 'json'] as const, '--format') ?? 'text';
  const { parseRegions } = await import('./sweep.js');
  const { runTrails } = await import('./trails.js');
  const regions = values.regions !== undefined ? parseRegions(values.regions) : undefined;
  try {
    return await runTrails({
      ...(regions ? { regions } : {}),
      ...(values.profile ? { profile: values.profile } : {}),
      ...(values['endpoint-url'] ? { endpointUrl: values['endpoint-url'] } : {}),
      format,
      stdout: io.stdout,
      env: io.env,
    });
  } catch (err) {
    io.stderr(`kms-perimeter-guard: trails failed: ${(err as Error).message}\n`);
    return 2;
  }
}

/** Run the CLI; returns the exit status instead of exiting (the bin sets process.exitCode). */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return check(rest, io);
      case 'sweep':
        return await sweep(rest, io);
      case 'trails':
        return await trails(rest, io);
      case '--version':
      case 'version':
        io.stdout(`kms-perimeter-guard ${VERSION}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`kms-perimeter-guard: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.stderr(`kms-perimeter-guard: ${err.message}\n`);
      return 2;
    }
    // node:util parseArgs throws TypeError with code ERR_PARSE_ARGS_* for unknown or malformed flags.
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`kms-perimeter-guard: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}
