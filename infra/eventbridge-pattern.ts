/**
 * An EventBridge event-pattern matcher, for tests that prove the guard's rules match the events
 * they must and no others. It implements the documented pattern syntax: exact values (strings,
 * numbers, null, booleans), prefix, suffix, equals-ignore-case, wildcard, anything-but (value, list,
 * prefix, suffix, equals-ignore-case, wildcard), numeric ranges, exists, cidr, and `$or`.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 */
import { ipInRange, parseCidr } from '../functions/policy/evaluate-conditions.js';

export type PatternLeaf = string | number | boolean | null | Record<string, unknown>;
export interface EventPattern {
  [field: string]: PatternLeaf[] | EventPattern | EventPattern[];
}

export class InvalidPatternError extends Error {
  override name = 'InvalidPatternError';
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Does `event` match `pattern`? Throws InvalidPatternError for syntax EventBridge would reject. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isObject(pattern)) throw new InvalidPatternError('a pattern is a JSON object');
  return matchObject(pattern, event, '$');
}

function matchObject(pattern: Record<string, unknown>, value: unknown, path: string): boolean {
  for (const [key, p] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(p) || p.length < 2 || !p.every(isObject)) {
        throw new InvalidPatternError(`${path}.$or must be a list of at least two patterns`);
      }
      if (!p.some((alt) => matchObject(alt as Record<string, unknown>, value, path))) return false;
      continue;
    }
    const present = isObject(value) && Object.hasOwn(value, key);
    const field = present ? (value as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(p)) {
      if (!matchLeaf(p, field, present, `${path}.${key}`)) return false;
    } else if (isObject(p)) {
      // A nested pattern: the event's value is an object, or an array of objects (any may match).
      const candidates = Array.isArray(field) ? field : [field];
      if (!candidates.some((c) => matchObject(p, isObject(c) ? c : undefined, `${path}.${key}`)))
        return false;
    } else {
      throw new InvalidPatternError(
        `${path}.${key}: a pattern field must be a list of values or a nested pattern`,
      );
    }
  }
  return true;
}

function matchLeaf(matchers: unknown[], field: unknown, present: boolean, path: string): boolean {
  if (matchers.length === 0)
    throw new InvalidPatternError(`${path}: an empty list matches nothing and is rejected`);
  // An event array matches when any of its elements matches (set intersection).
  const values = !present ? [] : Array.isArray(field) ? field : [field];
  for (const m of matchers) {
    if (isObject(m) && Object.hasOwn(m, 'exists')) {
      if (typeof m.exists !== 'boolean') throw new InvalidPatternError(`${path}: exists takes true or false`);
      // "exists" works on leaves: an object or an array of objects is not a leaf value.
      const leafPresent = present && !isObject(field);
      if (m.exists === leafPresent) return true;
      continue;
    }
    if (values.some((v) => matchOne(m, v, path))) return true;
  }
  return false;
}

function stringTest(spec: unknown, path: string, op: string): (s: string) => boolean {
  if (typeof spec === 'string') {
    if (op === 'prefix') return (s) => s.startsWith(spec);
    if (op === 'suffix') return (s) => s.endsWith(spec);
  }
  if (
    isObject(spec) &&
    typeof spec['equals-ignore-case'] === 'string' &&
    (op === 'prefix' || op === 'suffix')
  ) {
    const x = (spec['equals-ignore-case'] as string).toLowerCase();
    return op === 'prefix' ? (s) => s.toLowerCase().startsWith(x) : (s) => s.toLowerCase().endsWith(x);
  }
  throw new InvalidPatternError(`${path}: ${op} takes a string or {"equals-ignore-case": string}`);
}

function wildcardTest(spec: unknown, path: string): (s: string) => boolean {
  if (typeof spec !== 'string') throw new InvalidPatternError(`${path}: wildcard takes a string`);
  // `*` matches any sequence; `\*` is a literal star.
  const body = spec
    .split(/(\\\*|\*)/)
    .map((part) =>
      part === '*' ? '.*' : part === '\\*' ? '\\*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  const re = new RegExp(`^${body}$`, 's');
  return (s) => re.test(s);
}

function numericTest(spec: unknown, path: string): (n: number) => boolean {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0 || spec.length > 4) {
    throw new InvalidPatternError(`${path}: numeric takes [op, number] or [op, number, op, number]`);
  }
  const tests: ((n: number) => boolean)[] = [];
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const x = spec[i + 1];
    if (typeof x !== 'number') throw new InvalidPatternError(`${path}: numeric bounds are numbers`);
    const t = {
      '=': (n: number) => n === x,
      '<': (n: number) => n < x,
      '<=': (n: number) => n <= x,
      '>': (n: number) => n > x,
      '>=': (n: number) => n >= x,
    }[op as string];
    if (!t) throw new InvalidPatternError(`${path}: unknown numeric operator ${JSON.stringify(op)}`);
    tests.push(t);
  }
  return (n) => tests.every((t) => t(n));
}

function matchOne(m: unknown, v: unknown, path: string): boolean {
  if (!isObject(m)) {
    // Exact match: same type and value (numbers compare numerically).
    return m === v;
  }
  const keys = Object.keys(m);
  if (keys.length !== 1)
    throw new InvalidPatternError(`${path}: one operator per matcher, got ${keys.join(', ')}`);
  const op = keys[0] as string;
  const spec = m[op];
  const str = typeof v === 'string' ? v : undefined;
  switch (op) {
    // Each operator's argument is checked even when the value's type cannot match (as EventBridge
    // validates the whole pattern when the rule is created).
    case 'prefix':
    case 'suffix': {
      const test = stringTest(spec, path, op);
      return str !== undefined && test(str);
    }
    case 'equals-ignore-case':
      if (typeof spec !== 'string')
        throw new InvalidPatternError(`${path}: equals-ignore-case takes a string`);
      return str !== undefined && str.toLowerCase() === spec.toLowerCase();
    case 'wildcard': {
      const test = wildcardTest(spec, path);
      return str !== undefined && test(str);
    }
    case 'numeric': {
      const test = numericTest(spec, path);
      return typeof v === 'number' && test(v);
    }
    case 'cidr': {
      const range = typeof spec === 'string' ? parseCidr(spec) : undefined;
      if (!range) throw new InvalidPatternError(`${path}: cidr takes a CIDR block`);
      return str !== undefined && ipInRange(str, range);
    }
    case 'anything-but': {
      if (Array.isArray(spec)) return !spec.some((x) => x === v) && v !== undefined;
      if (!isObject(spec)) return v !== spec;
      const inner = Object.keys(spec)[0];
      if (inner === 'prefix' || inner === 'suffix')
        return str !== undefined && !stringTest(spec[inner], path, inner)(str);
      if (inner === 'wildcard') return str !== undefined && !wildcardTest(spec.wildcard, path)(str);
      if (inner === 'equals-ignore-case') {
        const xs = Array.isArray(spec[inner]) ? (spec[inner] as unknown[]) : [spec[inner]];
        return (
          str !== undefined && !xs.some((x) => typeof x === 'string' && x.toLowerCase() === str.toLowerCase())
        );
      }
      throw new InvalidPatternError(
        `${path}: anything-but takes a value, a list, or prefix/suffix/equals-ignore-case/wildcard`,
      );
    }
    default:
      throw new InvalidPatternError(`${path}: unknown operator ${op}`);
  }
}
