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

/** The value at a zod issue's path in the input, if there is one. */
function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let v = root;
  for (const part of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part as string)) return { found: false };
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return { found: true, value: v };
}

/** A value as a message shows it: short, and never raw control characters (JSON escapes them). */
function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const TYPE_WORDS: Record<string, string> = {
  array: 'a list',
  object: 'an object',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  int: 'an integer',
};

interface SchemaNode {
  _zod: {
    def: {
      type: string;
      innerType?: SchemaNode;
      shape?: Record<string, SchemaNode>;
      keyType?: SchemaNode;
      valueType?: SchemaNode;
      entries?: Record<string, string>;
    };
  };
}

/** The schema under `path` (through defaults, optionals and records), to list the keys it allows. */
function schemaAt(schema: SchemaNode, path: readonly PropertyKey[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = schema;
  const unwrap = () => {
    while (node?._zod.def.innerType) node = node._zod.def.innerType;
  };
  unwrap();
  for (const part of path) {
    const def: SchemaNode['_zod']['def'] | undefined = node?._zod.def;
    node = def?.shape ? def.shape[String(part)] : def?.type === 'record' ? def.valueType : undefined;
    unwrap();
  }
  return node;
}

function allowedKeys(path: readonly PropertyKey[]): string[] {
  try {
    const def = schemaAt(guardConfigSchema as unknown as SchemaNode, path)?._zod.def;
    if (def?.shape) return Object.keys(def.shape);
    const keys = def?.type === 'record' ? def.keyType?._zod.def.entries : undefined;
    return keys ? Object.values(keys) : [];
  } catch {
    return [];
  }
}

/** The issue's own words when the schema gave some, else words made from its code. */
function messageOf(issue: z.core.$ZodIssue, input: unknown): string {
  const at = valueAt(input, issue.path);
  const got = at.found ? `, got ${shown(at.value)}` : '';
  const custom = issue.message !== 'Invalid input' ? issue.message : undefined;
  switch (issue.code) {
    case 'invalid_value':
      // Enums list every value they allow: `must be one of off|alert|remediate, got "alrt"`.
      return issue.values.length === 1
        ? `must be ${shown(issue.values[0])}${got}`
        : `must be one of ${issue.values.map(String).join('|')}${got}`;
    case 'invalid_type':
      if (!at.found) return 'is required';
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}${got}`;
    case 'invalid_union': {
      const options = issue.errors.flatMap((branch) => {
        const first = branch[0];
        if (!first) return [];
        if (first.code === 'invalid_value') return first.values.map((v) => shown(v));
        if (first.code === 'invalid_type') return [TYPE_WORDS[first.expected] ?? first.expected];
        return [];
      });
      return options.length > 0 ? `must be ${options.join(' or ')}${got}` : (custom ?? `is not valid${got}`);
    }
    case 'too_small': {
      if (custom) return custom;
      const bound = `${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}`;
      if (issue.origin === 'array') return `needs ${bound} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      if (issue.origin === 'string')
        return `needs ${bound} character${Number(issue.minimum) === 1 ? '' : 's'}`;
      return `must be ${bound}${got}`;
    }
    case 'too_big': {
      if (custom) return custom;
      const bound = `${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}`;
      if (issue.origin === 'array') return `may have ${bound} items`;
      if (issue.origin === 'string') return `may have ${bound} characters`;
      return `must be ${bound}${got}`;
    }
    default:
      return custom ?? `is not valid${got}`;
  }
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): { path: string; message: string } {
  if (issue.code === 'unrecognized_keys') {
    // An unknown key is an error (SPEC §4): name each one so a typo like "dryrun" is obvious, and
    // say which keys are allowed there.
    const base = issuePath(issue.path);
    const keys = issue.keys.map((k) => (base === '$' ? k : `${base}.${k}`));
    const allowed = allowedKeys(issue.path);
    return {
      path: keys.join(', '),
      message: `unknown field${issue.keys.length > 1 ? 's' : ''}${allowed.length > 0 ? ` (allowed here: ${allowed.join(', ')})` : ''}`,
    };
  }
  return { path: issuePath(issue.path), message: messageOf(issue, input) };
}

/** Validate an already-parsed config object; throws `ConfigError` naming every bad field. */
export function parseConfig(value: unknown, source: string): GuardConfig {
  const parsed = guardConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    source,
    parsed.error.issues.map((i) => describeIssue(i, value)),
    { cause: parsed.error },
  );
}

/** Parse config JSON text; a JSON syntax error is a `ConfigError` too. */
export function parseConfigText(text: string, source: string): GuardConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // Node quotes the text around the error; the text may be anything (a secret, binary data), so
    // only the reason and position are kept.
    const reason = (err as Error).message
      .replace(/, ".*" is not valid JSON$/s, '')
      .replace(/[^\x20-\x7e]/g, '?');
    throw new ConfigError(source, [{ path: '$', message: `not valid JSON (${reason})` }], {
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
