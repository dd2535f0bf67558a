import {
  lookupContext,
  type PatternChar,
  type RequestContext,
  resolvePolicyValue,
  wildcardMatch,
} from './evaluate-patterns.js';
import type { BaseOperator, ConditionEntry } from './types.js';

/**
 * Condition evaluation for the concrete evaluator: one request, one condition entry, true or false.
 * Written from the IAM User Guide, deliberately without sharing code with the symbolic analyzer
 * (condition-ops.ts, glob.ts, ip.ts) so that differential tests compare two independent readings.
 */

export interface EvaluationOptions {
  /**
   * Substitute policy variables. AWS does so only for `"Version": "2012-10-17"`; under an older or
   * missing Version `${aws:username}` is literal text (IAM User Guide, "Variables and tags").
   */
  policyVariables: boolean;
}

function plainText(pattern: PatternChar[]): string {
  return pattern.map((c) => c.ch).join('');
}

// ---------------------------------------------------------------------------------------------
// Value tests. Each compares ONE request value with ONE policy value for the positive operator;
// negated operators reuse the positive test (IAM User Guide, "Condition operators").

type ValueTest = (requestValue: string, policyValue: PatternChar[]) => boolean;

const stringEquals: ValueTest = (v, p) => v === plainText(p);
const stringEqualsIgnoreCase: ValueTest = (v, p) => v.toLowerCase() === plainText(p).toLowerCase();
const stringLike: ValueTest = (v, p) => wildcardMatch(p, v, false);

// "an integer or decimal value" (IAM User Guide, "Numeric condition operators").
// A JSON number in exponent form (1e21, which JavaScript spells "1e+21") is that number.
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseNumber(text: string): number | undefined {
  return NUMBER.test(text) ? Number(text) : undefined;
}

function numeric(compare: (request: number, policy: number) => boolean): ValueTest {
  return (v, p) => {
    const request = parseNumber(v);
    const policy = parseNumber(plainText(p));
    return request !== undefined && policy !== undefined && compare(request, policy);
  };
}

const EPOCH_SECONDS = /^[+-]?\d+(?:\.\d+)?$/;
// W3C profile of ISO 8601 (the format the IAM User Guide names for Date operators); a time without a
// zone designator is read as UTC.
const W3C_DATETIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Milliseconds since the epoch; an all-digit value is epoch seconds (aws:EpochTime). */
export function parseDate(text: string): number | undefined {
  if (EPOCH_SECONDS.test(text)) return Number(text) * 1000;
  const m = W3C_DATETIME.exec(text);
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const daysInMonth = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (daysInMonth === undefined || day < 1 || day > daysInMonth) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  let ms = date.getTime() + (frac ? Number(`0.${frac}`) * 1000 : 0);
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 23 || zm > 59) return undefined;
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  return ms;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function date(compare: (request: number, policy: number) => boolean): ValueTest {
  return (v, p) => {
    const request = parseDate(v);
    const policy = parseDate(plainText(p));
    return request !== undefined && policy !== undefined && compare(request, policy);
  };
}

function parseBool(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

const bool: ValueTest = (v, p) => {
  const request = parseBool(v);
  return request !== undefined && request === parseBool(plainText(p));
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// "compares the value of the specified key byte for byte against a base-64 encoded representation"
// (IAM User Guide, "Binary condition operators"); the request value is given base64-encoded too.
const binaryEquals: ValueTest = (v, p) => {
  const policy = plainText(p);
  if (!BASE64.test(v) || !BASE64.test(policy)) return false;
  return Buffer.from(v, 'base64').equals(Buffer.from(policy, 'base64'));
};

export interface IpRange {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

function parseIpv4(text: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  let value = 0n;
  for (const octet of m.slice(1)) {
    const n = Number(octet);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let hex = text;
  // An embedded dotted quad (`::ffff:192.0.2.1`) stands for the last two 16-bit groups.
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    const v4 = lastColon < 0 ? undefined : parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    hex = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const tail = groupsOf(halves[1] ?? '');
  let groups = head;
  if (halves.length === 2) {
    // `::` stands for one or more zero groups.
    if (head.length + tail.length > 7) return undefined;
    groups = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  }
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(`0x${group}`);
  }
  return value;
}

function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = text.includes(':') ? parseIpv6(text) : undefined;
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

/** CIDR, or a bare address as /32 or /128 ("IAM uses the default prefix value of /32"). */
export function parseCidr(text: string): IpRange | undefined {
  const [address = '', length, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIp(address);
  if (!ip) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  if (length !== undefined && !/^\d{1,3}$/.test(length)) return undefined;
  const prefix = length === undefined ? bits : Number(length);
  if (prefix > bits) return undefined;
  return { family: ip.family, network: ip.value, prefix };
}

/** Whether a request address lies in a range; an address of the other family never does. */
export function ipInRange(address: string, range: IpRange): boolean {
  const ip = parseIp(address);
  if (!ip || ip.family !== range.family) return false;
  const hostBits = BigInt((range.family === 4 ? 32 : 128) - range.prefix);
  return ip.value >> hostBits === range.network >> hostBits;
}

const ipAddress: ValueTest = (v, p) => {
  const range = parseCidr(plainText(p));
  return range !== undefined && ipInRange(v, range);
};

/**
 * Split into the six ARN components `arn:partition:service:region:account:resource`; the resource
 * component is the rest of the value, colons included. Fewer than six components: not an ARN.
 */
function splitArn<T>(items: T[], isColon: (item: T) => boolean): T[][] | undefined {
  const parts: T[][] = [[]];
  for (const item of items) {
    if (parts.length < 6 && isColon(item)) parts.push([]);
    else parts[parts.length - 1]?.push(item);
  }
  return parts.length === 6 ? parts : undefined;
}

// "Each of the six colon-delimited components of the ARN is checked separately and each can include
// multi-character match wildcards (*) or single-character match wildcards (?). The ArnEquals and
// ArnLike condition operators behave identically." (IAM User Guide, "ARN condition operators")
const arnLike: ValueTest = (v, p) => {
  const request = splitArn(Array.from(v), (ch) => ch === ':');
  const policy = splitArn(p, (c) => c.ch === ':');
  if (!request || !policy) return false;
  return policy.every((component, i) => wildcardMatch(component, (request[i] ?? []).join(''), false));
};

interface OperatorSemantics {
  /** Negated operators are true for a request value that matches none of the policy values. */
  negated: boolean;
  /** Policy variables are substituted for String, Bool and ARN operators only. */
  variables: boolean;
  /** The positive test of one request value against one policy value. */
  test: ValueTest;
}

const numericEquals = numeric((a, b) => a === b);
const dateEquals = date((a, b) => a === b);

const positive = (test: ValueTest, variables = false): OperatorSemantics => ({
  test,
  negated: false,
  variables,
});
const negated = (test: ValueTest, variables = false): OperatorSemantics => ({
  test,
  negated: true,
  variables,
});

/** Every operator but Null, which tests presence and is handled on its own. */
export const OPERATORS: Record<Exclude<BaseOperator, 'Null'>, OperatorSemantics> = {
  StringEquals: positive(stringEquals, true),
  StringNotEquals: negated(stringEquals, true),
  StringEqualsIgnoreCase: positive(stringEqualsIgnoreCase, true),
  StringNotEqualsIgnoreCase: negated(stringEqualsIgnoreCase, true),
  StringLike: positive(stringLike, true),
  StringNotLike: negated(stringLike, true),
  NumericEquals: positive(numericEquals),
  NumericNotEquals: negated(numericEquals),
  NumericLessThan: positive(numeric((a, b) => a < b)),
  NumericLessThanEquals: positive(numeric((a, b) => a <= b)),
  NumericGreaterThan: positive(numeric((a, b) => a > b)),
  NumericGreaterThanEquals: positive(numeric((a, b) => a >= b)),
  DateEquals: positive(dateEquals),
  DateNotEquals: negated(dateEquals),
  DateLessThan: positive(date((a, b) => a < b)),
  DateLessThanEquals: positive(date((a, b) => a <= b)),
  DateGreaterThan: positive(date((a, b) => a > b)),
  DateGreaterThanEquals: positive(date((a, b) => a >= b)),
  // "You can use a policy variable with the Boolean condition operator" (Condition operators page;
  // the Variables page says otherwise: we follow the operator's own page).
  Bool: positive(bool, true),
  BinaryEquals: positive(binaryEquals),
  IpAddress: positive(ipAddress),
  NotIpAddress: negated(ipAddress),
  ArnEquals: positive(arnLike, true),
  ArnLike: positive(arnLike, true),
  ArnNotEquals: negated(arnLike, true),
  ArnNotLike: negated(arnLike, true),
};

/**
 * `Null`: "true" means the key must be absent, "false" that it must be present; several values are
 * ORed like any positive operator. Qualifiers do not change a presence test.
 */
function nullMatches(values: string[], absent: boolean): boolean {
  return values.some((value) => {
    const wanted = parseBool(value);
    return wanted !== undefined && wanted === absent;
  });
}

/**
 * One condition entry against the request context (IAM User Guide, "Condition operators",
 * "...IfExists", and "Single-valued vs. multivalued context keys"):
 * - absent key: `...IfExists` true; `ForAllValues:` true; `ForAnyValue:` false; otherwise a
 *   negated operator is true and a positive one false;
 * - present key: a request value satisfies a positive operator when it matches some policy value,
 *   a negated one when it matches none; `ForAllValues:` needs every request value to satisfy it,
 *   `ForAnyValue:` some. Without a qualifier a list of request values is read as "some value
 *   matches" for positive operators and "no value matches" for negated ones (AWS leaves a
 *   multivalued key without a set operator undocumented).
 */
export function conditionMatches(
  entry: ConditionEntry,
  context: RequestContext,
  options: EvaluationOptions,
): boolean {
  const requestValues = lookupContext(context, entry.key);
  if (entry.base === 'Null') return nullMatches(entry.values, requestValues === undefined);
  const semantics = OPERATORS[entry.base];
  if (requestValues === undefined) {
    if (entry.ifExists) return true;
    if (entry.qualifier === 'ForAllValues') return true;
    if (entry.qualifier === 'ForAnyValue') return false;
    return semantics.negated;
  }
  const substitute = options.policyVariables && semantics.variables;
  const policyValues = entry.values.map((value) => resolvePolicyValue(value, context, substitute));
  const matchesSomeValue = (requestValue: string): boolean =>
    policyValues.some(
      (policyValue) => policyValue !== undefined && semantics.test(requestValue, policyValue),
    );
  const satisfies = (requestValue: string): boolean =>
    semantics.negated ? !matchesSomeValue(requestValue) : matchesSomeValue(requestValue);
  if (entry.qualifier === 'ForAllValues') return requestValues.every(satisfies);
  if (entry.qualifier === 'ForAnyValue') return requestValues.some(satisfies);
  return semantics.negated ? requestValues.every(satisfies) : requestValues.some(satisfies);
}
