/**
 * The guard's configuration as the CLI reads it: a file named by `--config`, or the environment
 * (`GUARD_CONFIG`, `GUARD_CONFIG_FILE`) as the Lambdas read it.
 */
import { loadConfigFromEnv, parseConfig } from '../config/load.js';
import type { GuardConfig } from '../config/schema.js';
import { ConfigError, UsageError } from '../errors.js';
import { binaryReason, scanJson, withoutBom } from './json-text.js';

/** What reading a configuration needs of the CLI's I/O. */
interface ConfigIo {
  readFile(path: string): string;
  env: Record<string, string | undefined>;
}

const why = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

/**
 * A configuration file's text: a byte-order mark is skipped, binary data and JSON syntax errors
 * (a trailing comma, with its line and column) and duplicate keys are configuration errors, then
 * the schema decides.
 */
export function readConfigText(text: string, source: string): GuardConfig {
  const body = withoutBom(text);
  const binary = binaryReason(body);
  if (binary) throw new ConfigError(source, [{ path: '$', message: binary }]);
  const scan = scanJson(body);
  if (!scan.ok) throw new ConfigError(source, [{ path: '$', message: scan.message }]);
  if (scan.duplicates.length > 0) throw new ConfigError(source, scan.duplicates);
  return parseConfig(JSON.parse(body), source);
}

export function readConfigFile(file: string, io: ConfigIo): GuardConfig {
  let text: string;
  try {
    text = io.readFile(file);
  } catch (err) {
    throw new ConfigError(file, [{ path: '$', message: `cannot read file (${why(err)})` }], { cause: err });
  }
  return readConfigText(text, file);
}

export function loadConfig(file: string | undefined, io: ConfigIo): GuardConfig {
  if (file !== undefined) return readConfigFile(file, io);
  if (io.env.GUARD_CONFIG || io.env.GUARD_CONFIG_FILE) return loadConfigFromEnv(io.env);
  throw new UsageError(
    'no configuration: pass --config FILE (at least trust.accounts or trust.organizationIds), or set GUARD_CONFIG / GUARD_CONFIG_FILE',
  );
}
