/**
 * What the policy parser's modules share: the issue collector, JSON-path building, own-property
 * reads and how values are described in messages.
 */
import type { Issue } from './types.js';

/** The path of the document itself in issues. */
export const ROOT_PATH = '$';

export type JsonObject = Record<string, unknown>;

export class Collector {
  readonly issues: Issue[] = [];
  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }
  get count(): number {
    return this.issues.length;
  }
}

export function errorMessage(err: unknown): string {
  try {
    if (err instanceof Error) return err.message;
    return String(err);
  } catch {
    return 'unprintable error';
  }
}

/** A single value or a non-empty list of them; every bad item is reported. */
export function parseList(
  value: unknown,
  path: string,
  issues: Collector,
  item: (value: unknown, path: string) => string | undefined,
): string[] | undefined {
  if (!Array.isArray(value)) {
    const one = item(value, path);
    return one === undefined ? undefined : [one];
  }
  if (value.length === 0) {
    issues.add(path, 'is an empty list');
    return undefined;
  }
  const out: string[] = [];
  let bad = false;
  value.forEach((v, i) => {
    const one = item(v, `${path}[${i}]`);
    if (one === undefined) bad = true;
    else out.push(one);
  });
  return bad ? undefined : out;
}

export function isJsonObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Own keys whose value is not `undefined`: an object given in code is read as its JSON
 * serialization would be, and `JSON.stringify` drops undefined members.
 */
export function presentKeys(obj: JsonObject): string[] {
  return Object.keys(obj).filter((k) => obj[k] !== undefined);
}

export function own(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function child(parent: string, key: string): string {
  return parent === ROOT_PATH ? key : `${parent}.${key}`;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(truncate(value))}`;
    case 'number':
      return `the number ${String(value)}`;
    case 'boolean':
      return `the boolean ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

export function truncate(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

export function oneLine(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}
