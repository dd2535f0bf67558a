import { compileGlob, foldCase, type Glob, globMatches } from './glob.js';
import { type IpRange, parseCidr, parseIp } from './ip.js';
import type { BaseOperator, ConditionEntry } from './types.js';

/**
 * The analyzer's compiled form of one condition entry: a test of one request value (absent,
 * one string, or a set) with the semantics of SPEC.md §2. Deliberately separate from the concrete
 * evaluator, which is the independent referee in the differential tests.
 */
export type Truth = 'true' | 'false' | 'unknown';

export interface CompiledCondition {
  entry: ConditionEntry;
  /** Values contain policy variables (`${aws:username}`): the test is not decidable statically. */
  usesVariables: boolean;
  test(value: string | string[] | undefined): Truth;
  /** Literals and patterns the operator compares against, for building candidate values. */
  globs: Glob[];
  numbers: number[];
  dates: number[];
  ranges: IpRange[];
  bools: boolean;
  /** Values to try as-is (BinaryEquals). */
  literals: string[];
}

const NEGATED = new Set<BaseOperator>([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
  'ArnNotEquals',
  'ArnNotLike',
]);

function isNegated(op: BaseOperator): boolean {
  return NEGATED.has(op);
}

function parseNumber(s: string): number | undefined {
  // Integer or decimal, as IAM documents; an exponent is accepted because a JSON number such as
  // 1e21 reaches the policy as that number (JavaScript spells it "1e+21").
  return /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s.trim()) ? Number(s) : undefined;
}

/** ISO 8601 date/time or epoch seconds, as AWS accepts for Date operators. */
function parseDate(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!m) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  // Reject calendar overflow (2020-02-30) that Date.parse would roll into the next month.
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? t : undefined;
}

function decodeBase64(s: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  return Buffer.from(s, 'base64').toString('hex');
}

/** A test of one single request value against one policy value (positive form). */
type ValueTest = (requestValue: string) => boolean;

function compileValue(
  base: BaseOperator,
  policyValue: string,
  variables: boolean,
): { test: ValueTest; glob?: Glob } {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
    case 'StringLike':
    case 'StringNotLike':
    case 'ArnEquals':
    case 'ArnNotEquals':
    case 'ArnLike':
    case 'ArnNotLike': {
      const arn = base.startsWith('Arn');
      const glob = compileGlob({
        pattern: policyValue,
        wildcards: arn || base === 'StringLike' || base === 'StringNotLike',
        ignoreCase: base.includes('IgnoreCase'),
        arn,
        escapes: variables,
      });
      // ArnLike compares the six colon-separated parts; a value that is not an ARN never matches.
      const test: ValueTest = arn
        ? (v) => v.split(':').length >= 6 && globMatches(glob, v)
        : (v) => globMatches(glob, v);
      return { test, glob };
    }
    case 'NumericEquals':
    case 'NumericNotEquals':
    case 'NumericLessThan':
    case 'NumericLessThanEquals':
    case 'NumericGreaterThan':
    case 'NumericGreaterThanEquals': {
      const p = parseNumber(policyValue);
      const cmp = numericCmp(base);
      return {
        test: (v) => {
          const n = parseNumber(v);
          return p !== undefined && n !== undefined && cmp(n, p);
        },
      };
    }
    case 'DateEquals':
    case 'DateNotEquals':
    case 'DateLessThan':
    case 'DateLessThanEquals':
    case 'DateGreaterThan':
    case 'DateGreaterThanEquals': {
      const p = parseDate(policyValue);
      const cmp = numericCmp(base.replace('Date', 'Numeric') as BaseOperator);
      return {
        test: (v) => {
          const n = parseDate(v);
          return p !== undefined && n !== undefined && cmp(n, p);
        },
      };
    }
    case 'Bool': {
      const want = policyValue.toLowerCase();
      return { test: (v) => (want === 'true' || want === 'false') && v.toLowerCase() === want };
    }
    case 'BinaryEquals': {
      const want = decodeBase64(policyValue);
      return { test: (v) => want !== undefined && decodeBase64(v) === want };
    }
    case 'IpAddress':
    case 'NotIpAddress': {
      const range = parseCidr(policyValue);
      return {
        test: (v) => {
          const ip = parseIp(v);
          return (
            !!range && !!ip && ip.family === range.family && ip.value >= range.start && ip.value <= range.end
          );
        },
      };
    }
    case 'Null':
      return { test: () => false };
  }
}

function numericCmp(base: BaseOperator): (a: number, b: number) => boolean {
  switch (base) {
    case 'NumericLessThan':
      return (a, b) => a < b;
    case 'NumericLessThanEquals':
      return (a, b) => a <= b;
    case 'NumericGreaterThan':
      return (a, b) => a > b;
    case 'NumericGreaterThanEquals':
      return (a, b) => a >= b;
    default:
      return (a, b) => a === b;
  }
}

/** Operators whose values are compared for equality (exact, or with case folded). */
const EQUALITY_OPERATORS = new Map<BaseOperator, 'exact' | 'fold'>([
  ['StringEquals', 'exact'],
  ['StringNotEquals', 'exact'],
  ['StringEqualsIgnoreCase', 'fold'],
  ['StringNotEqualsIgnoreCase', 'fold'],
]);

const VARIABLE = /\$\{(?!\*\}|\?\}|\$\})[^}]*\}/;

/**
 * `variables`: whether `${...}` is a policy variable, as in a Version 2012-10-17 policy; under
 * Version 2008-10-17 or none it is literal text (IAM User Guide, "Variables and tags").
 */
export function compileCondition(entry: ConditionEntry, variables = true): CompiledCondition {
  const usesVariables = variables && entry.values.some((v) => VARIABLE.test(v));
  const negated = isNegated(entry.base);
  const compiled = entry.values.map((v) => compileValue(entry.base, v, variables));
  // Positive per-value test: the request value matches some policy value. Equality operators test
  // membership in a set: a list of 1,600 account ids costs one lookup, not 1,600 comparisons.
  const equality =
    variables && entry.values.some((v) => v.includes('${')) ? undefined : EQUALITY_OPERATORS.get(entry.base);
  let matchesAny: (v: string) => boolean;
  if (equality) {
    const set = new Set(equality === 'fold' ? entry.values.map(foldCase) : entry.values);
    matchesAny = equality === 'fold' ? (v) => set.has(foldCase(v)) : (v) => set.has(v);
  } else matchesAny = (v: string) => compiled.some((c) => c.test(v));
  // Per-value outcome of the operator (negated operators: matches none of the policy values).
  const single = (v: string) => (negated ? !matchesAny(v) : matchesAny(v));

  const test = (value: string | string[] | undefined): Truth => {
    if (usesVariables) return 'unknown';
    if (entry.base === 'Null') {
      const absent = value === undefined || (Array.isArray(value) && value.length === 0);
      const want = entry.values.some((v) => v.toLowerCase() === 'true');
      const wantFalse = entry.values.some((v) => v.toLowerCase() === 'false');
      return (absent && want) || (!absent && wantFalse) ? 'true' : 'false';
    }
    const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
    // IfExists wins on an absent key, whatever the qualifier.
    if (values.length === 0 && entry.ifExists) return 'true';
    if (entry.qualifier === 'ForAllValues') return values.every(single) ? 'true' : 'false';
    if (entry.qualifier === 'ForAnyValue') return values.some(single) ? 'true' : 'false';
    if (values.length === 0) {
      // Absent key: IfExists → true; negated operators → true; positive → false (SPEC §2).
      return entry.ifExists || negated ? 'true' : 'false';
    }
    return (negated ? values.every(single) : values.some(single)) ? 'true' : 'false';
  };

  const family = entry.base;
  return {
    entry,
    usesVariables,
    test,
    globs: compiled.flatMap((c) => (c.glob ? [c.glob] : [])),
    numbers: family.startsWith('Numeric')
      ? entry.values.map(parseNumber).filter((n): n is number => n !== undefined)
      : [],
    dates: family.startsWith('Date')
      ? entry.values.map(parseDate).filter((n): n is number => n !== undefined)
      : [],
    ranges:
      family === 'IpAddress' || family === 'NotIpAddress'
        ? entry.values.map(parseCidr).filter((r): r is IpRange => r !== undefined)
        : [],
    bools: family === 'Bool',
    literals: family === 'BinaryEquals' ? [...entry.values] : [],
  };
}
