import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { ConfigError, UsageError } from '../errors.js';
import type { Severity } from '../rules/types.js';
import { exitCodeOf, runCheck } from './check.js';
import { readCheckFiles } from './check-files.js';
import { loadConfig, readConfigFile } from './config-file.js';
import { endpointFailure, missingCredentials, NO_CREDENTIALS } from './endpoint-errors.js';
import { EXIT, SEVERITIES } from './exit-codes.js';
import { FINDING_FORMATS, formatCheckFindings, whereOf } from './format-findings.js';
import { formatJson } from './format-json.js';
import { formatSarif } from './format-sarif.js';
import { formatText } from './format-text.js';
import { INPUT_KINDS, type InputKind, type InputProblem } from './inputs.js';
import { printable } from './printable.js';
import { keyTagsOf, readRcpFiles } from './rcp-inputs.js';
import { isAwsRegion } from './regions.js';
import { COMMANDS, type Command, HELP, USAGE } from './usage.js';

/** Injected I/O so tests run the real CLI without touching the process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): string;
  /** Standard input, for `check -`. */
  readStdin?(): string;
  env: Record<string, string | undefined>;
  /** Progress output (stderr); a TTY gets a progress bar. */
  progress?: { write(text: string): void; isTTY: boolean };
}

/** The package version, taken from package.json when the CLI is bundled (never a second copy). */
export const VERSION: string = version;

export { HELP, USAGE } from './usage.js';

const FORMATS = ['text', 'json', 'sarif', ...FINDING_FORMATS] as const;
type Format = (typeof FORMATS)[number];

/** `check -` reads standard input; the report calls it this. */
const STDIN = '-';
const STDIN_NAME = '<stdin>';

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readFile: (p) => readFileSync(p, 'utf8'),
  readStdin: () => readFileSync(0, 'utf8'),
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
    throw new UsageError(`${flag} must be one of ${allowed.join('|')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

const why = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

const failOnOption = { 'fail-on': { type: 'string' } } as const;
const failOnOf = (value: string | undefined): Severity => oneOf(value, SEVERITIES, '--fail-on') ?? 'low';

function check(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      kind: { type: 'string', short: 'k' },
      format: { type: 'string', short: 'f' },
      budget: { type: 'string' },
      rcp: { type: 'string', multiple: true },
      'key-tag': { type: 'string', multiple: true },
      account: { type: 'string' },
      region: { type: 'string' },
      ...failOnOption,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(HELP.check);
    return EXIT.compliant;
  }
  const kind = oneOf<InputKind>(values.kind, INPUT_KINDS, '--kind');
  const format: Format = oneOf(values.format, FORMATS, '--format') ?? 'text';
  const failOn = failOnOf(values['fail-on']);
  let budgetMs: number | undefined;
  if (values.budget !== undefined) {
    budgetMs = Number(values.budget);
    if (!Number.isInteger(budgetMs) || budgetMs < 1) {
      throw new UsageError(
        `--budget must be a whole number of milliseconds, got ${JSON.stringify(values.budget)}`,
      );
    }
  }
  if (positionals.length === 0)
    throw new UsageError('check needs at least one FILE (or - for standard input)');
  if (positionals.filter((p) => p === STDIN).length > 1)
    throw new UsageError('- (standard input) can be given once');
  const keyTags = keyTagsOf(values['key-tag'], values.rcp !== undefined);
  const where = whereOf(values.account, values.region);
  const config = loadConfig(values.config, io);
  const rcpInput = values.rcp ? readRcpFiles(values.rcp, io.readFile) : undefined;

  const { files, unreadable } = readCheckFiles(positionals, io);
  const report = runCheck({
    files,
    config,
    ...(kind ? { kind } : {}),
    ...(budgetMs !== undefined ? { budgetMs } : {}),
    ...(rcpInput ? { rcps: rcpInput.rcps, keyTags } : {}),
    where,
  });
  if (unreadable.length > 0) {
    report.problems.unshift(...unreadable);
    report.summary.files += unreadable.length;
  }
  if (rcpInput) report.problems.unshift(...rcpInput.problems); // a bad --rcp file: exit 2 too
  report.summary.inputErrors = report.problems.length;

  if (format === 'asff' || format === 'ocsf') io.stdout(formatCheckFindings(report, format, VERSION));
  else if (format === 'json') io.stdout(formatJson(report));
  else if (format === 'sarif')
    io.stdout(formatSarif(report, new Map(files.map((f) => [f.name, f.text])), VERSION));
  else io.stdout(formatText(report, { failOn }));
  // Machine-readable formats keep stdout parseable; errors also go to stderr so a pipeline sees them.
  if (format !== 'text')
    for (const p of report.problems)
      io.stderr(
        `${printable(`error: ${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.path}: ${p.message}`)}\n`,
      );
  return exitCodeOf(report, failOn);
}

/** `--endpoint-url`: an http(s) URL (LocalStack, the local estate), checked before any call. */
function endpointUrlOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || /\s/.test(value)) {
    throw new UsageError(
      `--endpoint-url must be an http(s) URL like http://127.0.0.1:4566, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** One sentence for a run that failed before anything was judged. */
function setupFailure(command: string, err: unknown, endpointUrl: string | undefined): string {
  const sentence = missingCredentials(err)
    ? NO_CREDENTIALS
    : (endpointFailure(err, endpointUrl) ?? (err as Error).message.split('\n')[0]);
  return `kms-perimeter-guard ${command}: ${sentence}`;
}

async function sweep(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
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
      ...failOnOption,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(HELP.sweep);
    return EXIT.compliant;
  }
  if (positionals.length > 0)
    throw new UsageError(`sweep takes no FILE arguments (got ${positionals.join(' ')})`);
  if (values['dry-run'] && values.remediate)
    throw new UsageError('--dry-run and --remediate exclude each other');
  const format = oneOf(values.format, ['text', 'json', ...FINDING_FORMATS] as const, '--format') ?? 'text';
  const failOn = failOnOf(values['fail-on']);
  const endpointUrl = endpointUrlOf(values['endpoint-url']);
  const { runSweep, parseRegions, assertWritable } = await import('./sweep.js');
  const regions = values.regions !== undefined ? parseRegions(values.regions) : undefined;
  // Everything that can be wrong without AWS is checked before the first call.
  if (values.output !== undefined) assertWritable(values.output);
  const config = loadConfig(values.config, io);
  if (regions === undefined && Array.isArray(config.sweep.regions)) {
    // The schema checks the shape of a Region name; the CLI knows the list, so a typo in the
    // configuration is a configuration error here, not an unreachable endpoint per account later.
    const unknown = config.sweep.regions.flatMap((r, i) => (isAwsRegion(r) ? [] : [{ r, i }]));
    if (unknown.length > 0) {
      throw new ConfigError(
        values.config ??
          (io.env.GUARD_CONFIG ? 'GUARD_CONFIG' : (io.env.GUARD_CONFIG_FILE ?? 'GUARD_CONFIG')),
        unknown.map(({ r, i }) => ({
          path: `sweep.regions[${i}]`,
          message: `${JSON.stringify(r)} is not an AWS region`,
        })),
      );
    }
  }
  try {
    const { code } = await runSweep({
      config,
      ...(regions ? { regions } : {}),
      ...(values.profile ? { profile: values.profile } : {}),
      ...(endpointUrl ? { endpointUrl } : {}),
      remediate: values.remediate === true,
      format,
      failOn,
      ...(values.output ? { output: values.output } : {}),
      progress: io.progress ?? { write: io.stderr, isTTY: false },
      stdout: io.stdout,
      env: io.env,
    });
    return code;
  } catch (err) {
    // Before any resource is judged (no credentials, STS or Organizations refused, an endpoint that
    // is not AWS): nothing to report but the reason. Per-resource errors never get here.
    io.stderr(`${printable(setupFailure('sweep', err, endpointUrl))}\n`);
    return EXIT.error;
  }
}

async function trails(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
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
    io.stdout(HELP.trails);
    return EXIT.compliant;
  }
  if (positionals.length > 0)
    throw new UsageError(`trails takes no arguments (got ${positionals.join(' ')})`);
  const format = oneOf(values.format, ['text', 'json'] as const, '--format') ?? 'text';
  const endpointUrl = endpointUrlOf(values['endpoint-url']);
  const { parseRegions } = await import('./sweep.js');
  const { runTrails } = await import('./trails.js');
  const regions = values.regions !== undefined ? parseRegions(values.regions) : undefined;
  try {
    return await runTrails({
      ...(regions ? { regions } : {}),
      ...(values.profile ? { profile: values.profile } : {}),
      ...(endpointUrl ? { endpointUrl } : {}),
      format,
      stdout: io.stdout,
      env: io.env,
    });
  } catch (err) {
    io.stderr(`${printable(setupFailure('trails', err, endpointUrl))}\n`);
    return EXIT.error;
  }
}

/** `config validate FILE...`: every issue of every file as `FILE: path: message`. */
function config(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  const [sub, ...files] = positionals;
  if (values.help || sub === 'help') {
    io.stdout(HELP.config);
    return EXIT.compliant;
  }
  if (sub !== 'validate') {
    throw new UsageError(
      sub === undefined
        ? 'config needs a subcommand: validate'
        : `unknown config subcommand ${JSON.stringify(sub)} (there is: validate)`,
    );
  }
  if (files.length === 0) throw new UsageError('config validate needs at least one FILE');
  let invalid = false;
  for (const file of files) {
    try {
      const parsed = readConfigFile(file, io);
      io.stdout(
        `${printable(`${file}: valid${parsed.dryRun ? ' (dryRun: true, the guard changes nothing)' : ''}`)}\n`,
      );
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      invalid = true;
      for (const i of err.issues) io.stderr(`${printable(`${file}: ${i.path}: ${i.message}`)}\n`);
    }
  }
  return invalid ? EXIT.error : EXIT.compliant;
}

/** node:util parseArgs messages, as one line each. */
function parseArgsMessage(err: Error & { code?: string }): string {
  const first = err.message.split('. To specify a positional argument')[0] ?? err.message;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const m = /^Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(first);
    if (m) return `${m[1]} needs a value`;
  }
  return first
    .replace(/^Unknown option/, 'unknown option')
    .replace(/^Unexpected argument/, 'unexpected argument');
}

const isCommand = (c: string | undefined): c is Command => (COMMANDS as readonly string[]).includes(c ?? '');

/** Run the CLI; returns the exit status instead of exiting (the bin sets process.exitCode). */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  const usageError = (message: string): number => {
    const help = isCommand(command) ? `kms-perimeter-guard ${command} --help` : 'kms-perimeter-guard --help';
    io.stderr(
      `${printable(`kms-perimeter-guard${isCommand(command) ? ` ${command}` : ''}: ${message}`)}\nsee \`${help}\`\n`,
    );
    return EXIT.error;
  };
  try {
    switch (command) {
      case 'check':
        return check(rest, io);
      case 'sweep':
        return await sweep(rest, io);
      case 'trails':
        return await trails(rest, io);
      case 'config':
        return config(rest, io);
      case '--version':
      case '-V':
      case 'version':
        io.stdout(`kms-perimeter-guard ${VERSION}\n`);
        return EXIT.compliant;
      case 'help':
      case '--help':
      case '-h': {
        const topic = rest[0];
        io.stdout(isCommand(topic) ? HELP[topic] : USAGE);
        return EXIT.compliant;
      }
      case undefined:
        io.stderr(USAGE);
        return EXIT.error;
      default:
        return usageError(`unknown command ${JSON.stringify(command)} (commands: ${COMMANDS.join(', ')})`);
    }
  } catch (err) {
    if (err instanceof UsageError) return usageError(err.message);
    if (err instanceof ConfigError) {
      // `invalid configuration in FILE:` then one indented `path: message` line per issue.
      io.stderr(`kms-perimeter-guard: ${err.message.split('\n').map(printable).join('\n')}\n`);
      return EXIT.error;
    }
    // node:util parseArgs throws TypeError with code ERR_PARSE_ARGS_* for unknown or malformed flags.
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
      return usageError(parseArgsMessage(err as Error));
    throw err;
  }
}
