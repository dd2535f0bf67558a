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
}

export const VERSION = '0.1.0';

export const USAGE = `usage: kms-perimeter-guard <command> [options]

commands:
  check [--config FILE] [--kind key-policy|endpoint-policy|endpoint] [--format text|json|sarif] FILE...
      Judge policy files offline with the guard's rules. FILE is a policy document (needs --kind),
      a GetKeyPolicy response ({"Policy": "<json text>"}), an EC2 VpcEndpoint, {"VpcEndpoint": {...}}
      or {"VpcEndpoints": [...]}. Without --config, GUARD_CONFIG or GUARD_CONFIG_FILE is read.

exit status: 0 no findings, 1 findings, 2 usage, configuration or input error
`;

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readFile: (p) => readFileSync(p, 'utf8'),
  env: process.env,
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

/** Run the CLI; returns the exit status instead of exiting (the bin sets process.exitCode). */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return check(rest, io);
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
