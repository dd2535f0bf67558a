import { readFileSync } from 'node:fs';
import type * as z from 'zod/mini';
import { ConfigError } from '../errors.js';
import { type GuardConfig, guardConfigSchema } from './schema.js';

/** `trust.accounts[0]` style path of a zod issue ('$' for the root). */
function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '$' : out;
}

function describeIssue(issue: z.core.$ZodIssue): { path: string; message: string } {
  if (issue.code === 'unrecognized_keys') {
    // An unknown key is an error (SPEC §4): name each one so a typo like "dryrun" is obvious.
    const base = issuePath(issue.path);
    const keys = issue.keys.map((k) => (base === '$' ? k : `${base}.${k}`));
    return { path: keys.join(', '), message: `unknown field${issue.keys.length > 1 ? 's' : ''}` };
  }
  return { path: issuePath(issue.path), message: issue.message };
}

/** Validate an already-parsed config object; throws `ConfigError` naming every bad field. */
export function parseConfig(value: unknown, source: string): GuardConfig {
  const parsed = guardConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ConfigError(source, parsed.error.issues.map(describeIssue), { cause: parsed.error });
}

/** Parse config JSON text; a JSON syntax error is a `ConfigError` too. */
export function parseConfigText(text: string, source: string): GuardConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(source, [{ path: '$', message: `not valid JSON (${(err as Error).message})` }], {
      cause: err,
    });
  }
  return parseConfig(value, source);
}

export function loadConfigFile(file: string): GuardConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      file,
      [{ path: '$', message: `cannot read file (${(err as NodeJS.ErrnoException).code ?? err})` }],
      {
        cause: err,
      },
    );
  }
  return parseConfigText(text, file);
}

/**
 * Lambda configuration: `GUARD_CONFIG` (JSON text) or `GUARD_CONFIG_FILE` (a path in the bundle).
 * Exactly one must be set; there is no silent default, because a guard judging against the wrong
 * trust boundary would be worse than one that does not start.
 */
export function loadConfigFromEnv(env: Record<string, string | undefined> = process.env): GuardConfig {
  const inline = env.GUARD_CONFIG;
  const file = env.GUARD_CONFIG_FILE;
  if (inline !== undefined && inline !== '' && file !== undefined && file !== '') {
    throw new ConfigError('environment', [
      { path: '$', message: 'set either GUARD_CONFIG or GUARD_CONFIG_FILE, not both' },
    ]);
  }
  if (inline !== undefined && inline !== '') return parseConfigText(inline, 'GUARD_CONFIG');
  if (file !== undefined && file !== '') return loadConfigFile(file);
  throw new ConfigError('environment', [
    { path: '$', message: 'no configuration: set GUARD_CONFIG (JSON) or GUARD_CONFIG_FILE (path)' },
  ]);
}
