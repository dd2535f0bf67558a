/**
 * Parser for KMS key policies and VPC endpoint policies (SPEC.md §2): JSON text or an object in,
 * a normalized `Policy` or every problem found (with its JSON path) out. Never throws.
 */

import {
  accountIdFromNumber,
  emptyPrincipalElement,
  isPrincipalType,
  normalizeAwsPrincipal,
  PRINCIPAL_TYPES,
  type PrincipalType,
} from './principals.js';
import type {
  BaseOperator,
  ConditionEntry,
  Effect,
  Issue,
  PatternElement,
  Policy,
  PrincipalElement,
  Result,
  SetQualifier,
  Statement,
} from './types.js';

/** KMS key policy size limit: https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html */
export const DEFAULT_MAX_POLICY_BYTES = 32_768;

/** The path of the document itself in issues. */
export const ROOT_PATH = '$';

export interface ParseOptions {
  /** Size limit in UTF-8 bytes (default: the KMS key policy limit, 32768). */
  maxBytes?: number;
}

export interface ParsedOperator {
  base: BaseOperator;
  qualifier?: SetQualifier;
  ifExists: boolean;
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
const VERSIONS = ['2012-10-17', '2008-10-17'];
const TOP_LEVEL_ELEMENTS = ['Version', 'Id', 'Statement'];
const STATEMENT_ELEMENTS = [
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
];
const EFFECTS: readonly Effect[] = ['Allow', 'Deny'];

// A record, so that adding a member to BaseOperator without listing it here fails to compile.
const BASE_OPERATOR_SET: Record<BaseOperator, true> = {
  StringEquals: true,
  StringNotEquals: true,
  StringEqualsIgnoreCase: true,
  StringNotEqualsIgnoreCase: true,
  StringLike: true,
  StringNotLike: true,
  NumericEquals: true,
  NumericNotEquals: true,
  NumericLessThan: true,
  NumericLessThanEquals: true,
  NumericGreaterThan: true,
  NumericGreaterThanEquals: true,
  DateEquals: true,
  DateNotEquals: true,
  DateLessThan: true,
  DateLessThanEquals: true,
  DateGreaterThan: true,
  DateGreaterThanEquals: true,
  Bool: true,
  BinaryEquals: true,
  IpAddress: true,
  NotIpAddress: true,
  ArnEquals: true,
  ArnLike: true,
  ArnNotEquals: true,
  ArnNotLike: true,
  Null: true,
};
const BASE_OPERATORS = Object.keys(BASE_OPERATOR_SET) as BaseOperator[];
const QUALIFIERS: readonly SetQualifier[] = ['ForAllValues', 'ForAnyValue'];
const IF_EXISTS = 'IfExists';

/** Every operator spelling the parser accepts, for "did you mean" suggestions. */
const OPERATOR_SPELLINGS: readonly string[] = ['', ...QUALIFIERS.map((q) => `${q}:`)].flatMap((prefix) =>
  BASE_OPERATORS.flatMap((base) =>
    base === 'Null' ? [`${prefix}${base}`] : [`${prefix}${base}`, `${prefix}${base}${IF_EXISTS}`],
  ),
);

/**
 * Splits a condition operator into qualifier, base and `IfExists`. Operator names are case-sensitive.
 * `IfExists` is not valid on `Null` (IAM Access Analyzer check "Null with if exists":
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html).
 */
export function parseConditionOperator(operator: string): ParsedOperator | undefined {
  let rest = operator;
  let qualifier: SetQualifier | undefined;
  for (const q of QUALIFIERS) {
    if (rest.startsWith(`${q}:`)) {
      qualifier = q;
      rest = rest.slice(q.length + 1);
      break;
    }
  }
  let ifExists = false;
  if (rest.endsWith(IF_EXISTS) && rest.length > IF_EXISTS.length) {
    ifExists = true;
    rest = rest.slice(0, -IF_EXISTS.length);
  }
  if (!Object.hasOwn(BASE_OPERATOR_SET, rest)) return undefined;
  const base = rest as BaseOperator;
  if (base === 'Null' && ifExists) return undefined;
  return qualifier ? { base, qualifier, ifExists } : { base, ifExists };
}

/** Parses a policy document given as an object or as JSON text. Never throws. */
export function parsePolicy(input: unknown, options?: ParseOptions): Result<Policy> {
  try {
    if (typeof input === 'string') return parseText(input, options);
    return parseValue(input, options);
  } catch (err) {
    return internalError(err);
  }
}

/**
 * Parses policy JSON text (the `Policy` of a GetKeyPolicy response, an EC2 `PolicyDocument`).
 * Never throws.
 */
export function parsePolicyText(text: string, options?: ParseOptions): Result<Policy> {
  try {
    if (typeof text !== 'string') {
      return fail([{ path: ROOT_PATH, message: `policy text must be a string, got ${describe(text)}` }]);
    }
    return parseText(text, options);
  } catch (err) {
    return internalError(err);
  }
}

/** One line per issue: `<source>: <path>: <message>` (the `<source>: ` part only when given). */
export function formatIssues(issues: Issue[], source?: string): string {
  const prefix = source ? `${oneLine(source)}: ` : '';
  return issues.map((i) => `${prefix}${oneLine(i.path || ROOT_PATH)}: ${oneLine(i.message)}`).join('\n');
}

// ---------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

class Collector {
  readonly issues: Issue[] = [];
  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }
  get count(): number {
    return this.issues.length;
  }
}

function fail(issues: Issue[]): Result<Policy> {
  return { ok: false, issues };
}

function internalError(err: unknown): Result<Policy> {
  return fail([
    { path: ROOT_PATH, message: `internal error while parsing the policy: ${errorMessage(err)}` },
  ]);
}

function errorMessage(err: unknown): string {
  try {
    if (err instanceof Error) return err.message;
    return String(err);
  } catch {
    return 'unprintable error';
  }
}

function resolveMaxBytes(options: ParseOptions | undefined, issues: Collector): number | undefined {
  const maxBytes = options && typeof options === 'object' ? options.maxBytes : undefined;
  if (maxBytes === undefined) return DEFAULT_MAX_POLICY_BYTES;
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    issues.add(ROOT_PATH, `option maxBytes must be a positive integer, got ${describe(maxBytes)}`);
    return undefined;
  }
  return maxBytes;
}

function checkSize(sizeBytes: number, maxBytes: number | undefined, issues: Collector): void {
  if (maxBytes !== undefined && sizeBytes > maxBytes) {
    issues.add(ROOT_PATH, `policy is ${sizeBytes} bytes, over the ${maxBytes}-byte limit`);
  }
}

function parseText(text: string, options: ParseOptions | undefined): Result<Policy> {
  const issues = new Collector();
  const maxBytes = resolveMaxBytes(options, issues);
  const sizeBytes = utf8ByteLength(text);
  checkSize(sizeBytes, maxBytes, issues);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    issues.add(ROOT_PATH, `invalid JSON: ${jsonErrorMessage(err, text)}`);
    return fail(issues.issues);
  }
  for (const dup of findDuplicateKeys(text)) issues.add(dup.path, dup.message);
  return parseDocument(doc, sizeBytes, text, issues);
}

function parseValue(input: unknown, options: ParseOptions | undefined): Result<Policy> {
  const issues = new Collector();
  const maxBytes = resolveMaxBytes(options, issues);
  if (!isJsonObject(input)) {
    issues.add(ROOT_PATH, `policy document must be a JSON object, got ${describe(input)}`);
    return fail(issues.issues);
  }
  let sizeBytes = 0;
  let text = '';
  try {
    text = JSON.stringify(input);
    sizeBytes = utf8ByteLength(text);
    checkSize(sizeBytes, maxBytes, issues);
  } catch (err) {
    issues.add(ROOT_PATH, `policy document cannot be serialized as JSON: ${errorMessage(err)}`);
  }
  return parseDocument(input, sizeBytes, text, issues);
}

function parseDocument(doc: unknown, sizeBytes: number, text: string, issues: Collector): Result<Policy> {
  if (!isJsonObject(doc)) {
    issues.add(ROOT_PATH, `policy document must be a JSON object, got ${describe(doc)}`);
    return fail(issues.issues);
  }
  for (const key of presentKeys(doc)) {
    if (TOP_LEVEL_ELEMENTS.includes(key)) continue;
    let message = unknownElement(key, TOP_LEVEL_ELEMENTS, 'policy element');
    if (key === 'Policy' || key === 'PolicyDocument') {
      message += ` (a GetKeyPolicy or DescribeVpcEndpoints response? parse its ${key} text instead)`;
    }
    issues.add(child(ROOT_PATH, key), message);
  }

  const version = own(doc, 'Version');
  if (version !== undefined) {
    if (typeof version !== 'string') {
      issues.add('Version', `Version must be a string, got ${describe(version)}`);
    } else if (!VERSIONS.includes(version)) {
      issues.add('Version', `Version must be "2012-10-17" or "2008-10-17", got ${JSON.stringify(version)}`);
    }
  }
  const id = own(doc, 'Id');
  if (id !== undefined && typeof id !== 'string') {
    issues.add('Id', `Id must be a string, got ${describe(id)}`);
  }

  const statements: Statement[] = [];
  const body = own(doc, 'Statement');
  if (body === undefined) {
    issues.add(ROOT_PATH, 'missing Statement');
  } else if (Array.isArray(body)) {
    // An empty list is legal: the policy allows nothing.
    body.forEach((raw, index) => {
      const statement = parseStatement(raw, index, `Statement[${index}]`, issues);
      if (statement) statements.push(statement);
    });
  } else if (isJsonObject(body)) {
    const statement = parseStatement(body, 0, 'Statement', issues);
    if (statement) statements.push(statement);
  } else {
    issues.add('Statement', `Statement must be an object or a list of objects, got ${describe(body)}`);
  }

  if (issues.count > 0) return fail(issues.issues);
  const policy: Policy = { statements, raw: doc, sizeBytes, text };
  if (typeof version === 'string') policy.version = version;
  if (typeof id === 'string') policy.id = id;
  return { ok: true, value: policy };
}

function parseStatement(raw: unknown, index: number, path: string, issues: Collector): Statement | undefined {
  if (!isJsonObject(raw)) {
    issues.add(path, `statement must be an object, got ${describe(raw)}`);
    return undefined;
  }
  const before = issues.count;
  for (const key of presentKeys(raw)) {
    if (!STATEMENT_ELEMENTS.includes(key)) {
      issues.add(child(path, key), unknownElement(key, STATEMENT_ELEMENTS, 'statement element'));
    }
  }

  const sid = own(raw, 'Sid');
  if (sid !== undefined && typeof sid !== 'string') {
    issues.add(child(path, 'Sid'), `Sid must be a string, got ${describe(sid)}`);
  }

  const effect = parseEffect(raw, path, issues);

  const principal = pair(raw, path, 'Principal', 'NotPrincipal', issues, (value, elementPath, negated) =>
    parsePrincipal(value, elementPath, negated, issues),
  );
  const action = pair(raw, path, 'Action', 'NotAction', issues, (value, elementPath, negated) =>
    parsePatterns(value, elementPath, negated, issues),
  );
  const resource = pair(raw, path, 'Resource', 'NotResource', issues, (value, elementPath, negated) =>
    parsePatterns(value, elementPath, negated, issues),
  );

  const condition = own(raw, 'Condition');
  const conditions =
    condition === undefined ? [] : parseCondition(condition, child(path, 'Condition'), issues);

  if (issues.count > before || !effect || !principal || !action || !resource || !conditions) {
    return undefined;
  }
  const statement: Statement = {
    index,
    effect,
    principal,
    action,
    resource,
    conditions,
    path,
    raw,
  };
  if (typeof sid === 'string') statement.sid = sid;
  return statement;
}

function parseEffect(raw: JsonObject, path: string, issues: Collector): Effect | undefined {
  const effect = own(raw, 'Effect');
  if (effect === undefined) {
    issues.add(path, 'missing Effect ("Allow" or "Deny")');
    return undefined;
  }
  if (typeof effect === 'string' && (EFFECTS as readonly string[]).includes(effect)) {
    return effect as Effect;
  }
  const hint =
    typeof effect === 'string' && EFFECTS.some((e) => e.toLowerCase() === effect.toLowerCase())
      ? ' (the value is case-sensitive)'
      : '';
  issues.add(child(path, 'Effect'), `Effect must be "Allow" or "Deny"${hint}, got ${describe(effect)}`);
  return undefined;
}

/** An element that must appear in exactly one of its two forms (`Action`/`NotAction`, ...). */
function pair<T>(
  raw: JsonObject,
  path: string,
  positive: string,
  negative: string,
  issues: Collector,
  parse: (value: unknown, elementPath: string, negated: boolean) => T | undefined,
): T | undefined {
  const pos = own(raw, positive);
  const neg = own(raw, negative);
  if (pos !== undefined && neg !== undefined) {
    issues.add(path, `has both ${positive} and ${negative}; a statement takes exactly one of them`);
    return undefined;
  }
  if (pos === undefined && neg === undefined) {
    issues.add(path, missingPairMessage(positive, negative));
    return undefined;
  }
  return pos !== undefined
    ? parse(pos, child(path, positive), false)
    : parse(neg, child(path, negative), true);
}

function missingPairMessage(positive: string, negative: string): string {
  if (positive === 'Principal') {
    // Resource-based policies must name a principal; SCPs and identity policies have none.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    return (
      'missing Principal (or NotPrincipal): key policies and endpoint policies are resource policies and ' +
      'must name who each statement applies to (an SCP or identity policy, which has none, is not one)'
    );
  }
  return `missing ${positive} (or ${negative})`;
}

function parsePatterns(
  value: unknown,
  path: string,
  negated: boolean,
  issues: Collector,
): PatternElement | undefined {
  const patterns = parseList(value, path, issues, (item, itemPath) => {
    if (typeof item === 'string') return item;
    issues.add(itemPath, `must be a string, got ${describe(item)}`);
    return undefined;
  });
  return patterns ? { negated, patterns } : undefined;
}

function parsePrincipal(
  value: unknown,
  path: string,
  negated: boolean,
  issues: Collector,
): PrincipalElement | undefined {
  const element = emptyPrincipalElement(negated);
  // "*" and {"AWS": "*"} are the same principal ("everyone"):
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous
  if (value === '*') return { ...element, any: true };
  if (typeof value === 'string') {
    issues.add(
      path,
      `a principal string must be "*"; name principals as {"AWS": ...}, {"Service": ...}, ` +
        `{"Federated": ...} or {"CanonicalUser": ...}, got ${describe(value)}`,
    );
    return undefined;
  }
  if (!isJsonObject(value)) {
    issues.add(path, `must be "*" or an object of principal types, got ${describe(value)}`);
    return undefined;
  }
  const types = presentKeys(value);
  if (types.length === 0) {
    issues.add(path, 'names no principal');
    return undefined;
  }
  const before = issues.count;
  for (const type of types) {
    const typePath = child(path, type);
    if (!isPrincipalType(type)) {
      issues.add(typePath, unknownElement(type, PRINCIPAL_TYPES, 'principal type'));
      continue;
    }
    const entries = parseList(value[type], typePath, issues, (item, itemPath) =>
      principalEntry(type, item, itemPath, issues),
    );
    if (!entries) continue;
    switch (type) {
      case 'AWS':
        for (const entry of entries) {
          if (entry === '*') element.any = true;
          else element.aws.push(normalizeAwsPrincipal(entry));
        }
        break;
      case 'Service':
        element.service.push(...entries);
        break;
      case 'Federated':
        element.federated.push(...entries);
        break;
      case 'CanonicalUser':
        element.canonicalUser.push(...entries);
        break;
    }
  }
  return issues.count > before ? undefined : element;
}

function principalEntry(
  type: PrincipalType,
  item: unknown,
  path: string,
  issues: Collector,
): string | undefined {
  if (typeof item === 'string') {
    // "You cannot use a wildcard to match part of a principal name or ARN" (IAM User Guide, "AWS
    // JSON policy elements: Principal"): KMS refuses such a key policy, so it has no meaning to judge.
    if (type === 'AWS' && item !== '*' && /[*?]/.test(item)) {
      issues.add(
        path,
        `${describe(item)} uses a wildcard inside a principal; IAM accepts only a whole "*" (use Principal "*" with an aws:PrincipalArn or aws:PrincipalAccount condition to match a pattern)`,
      );
      return undefined;
    }
    if (type === 'CanonicalUser') {
      // Canonical user ids name Amazon S3 users; the principals a key policy may name are accounts,
      // IAM users and roles, role and federated sessions, and AWS services (KMS Developer Guide,
      // "Permissions in key policies: Principal"), and interface endpoint policies follow IAM's.
      issues.add(
        path,
        'CanonicalUser principals are Amazon S3 principals; key policies and VPC endpoint policies cannot name them',
      );
      return undefined;
    }
    return item;
  }
  if (type === 'AWS' && typeof item === 'number') {
    const account = accountIdFromNumber(item);
    if (account) return account;
    issues.add(path, `a number here must be a 12-digit account id, got ${describe(item)}`);
    return undefined;
  }
  issues.add(path, `must be a string, got ${describe(item)}`);
  return undefined;
}

function parseCondition(value: unknown, path: string, issues: Collector): ConditionEntry[] | undefined {
  if (!isJsonObject(value)) {
    issues.add(path, `Condition must be an object of operators, got ${describe(value)}`);
    return undefined;
  }
  const before = issues.count;
  const entries: ConditionEntry[] = [];
  for (const operator of presentKeys(value)) {
    const operatorPath = child(path, operator);
    const parsed = parseConditionOperator(operator);
    if (!parsed) {
      issues.add(operatorPath, unknownOperatorMessage(operator));
      continue;
    }
    const block = value[operator];
    if (!isJsonObject(block)) {
      issues.add(operatorPath, `must be an object of condition keys, got ${describe(block)}`);
      continue;
    }
    const keys = presentKeys(block);
    if (keys.length === 0) {
      issues.add(operatorPath, 'has no condition keys');
      continue;
    }
    // Condition key names are case-insensitive:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    const seen = new Map<string, string>();
    for (const key of keys) {
      const keyPath = child(operatorPath, key);
      const keyLower = key.toLowerCase();
      if (key === '') {
        issues.add(keyPath, 'condition key name is empty');
        continue;
      }
      const first = seen.get(keyLower);
      if (first !== undefined) {
        // IAM Access Analyzer rejects these ("Duplicate keys with different case"); which one
        // AWS applies is not documented, so the policy has no single meaning to judge.
        issues.add(
          keyPath,
          `condition key ${JSON.stringify(key)} repeats ${JSON.stringify(first)} in the same operator ` +
            '(condition key names are case-insensitive)',
        );
        continue;
      }
      seen.set(keyLower, key);
      const values = parseList(block[key], keyPath, issues, (item, itemPath) =>
        conditionValue(item, itemPath, parsed.base, issues),
      );
      if (!values) continue;
      const entry: ConditionEntry = {
        operator,
        base: parsed.base,
        ifExists: parsed.ifExists,
        key,
        keyLower,
        values,
        path: keyPath,
      };
      if (parsed.qualifier) entry.qualifier = parsed.qualifier;
      entries.push(entry);
    }
  }
  return issues.count > before ? undefined : entries;
}

/** Condition values are compared as strings; AWS reads JSON numbers and booleans as their text. */
function conditionValue(
  item: unknown,
  path: string,
  base: BaseOperator,
  issues: Collector,
): string | undefined {
  if (typeof item === 'string') return item;
  if (typeof item === 'boolean') return String(item);
  if (typeof item === 'number' && Number.isFinite(item)) {
    const text = String(item);
    // JavaScript spells 1e21 as "1e+21" and 1e-7 as "1e-7". Numeric operators read that as the
    // number it is (condition-ops.ts and the evaluator accept exponents); any other operator would
    // compare a text AWS never wrote, so the value must be written as a string.
    if (/e/i.test(text) && !base.startsWith('Numeric')) {
      issues.add(
        path,
        `the number ${text} has no plain decimal form here; write the value as a decimal string (e.g. "${BigInt(Math.trunc(item)).toString()}")`,
      );
      return undefined;
    }
    return text;
  }
  issues.add(path, `condition value must be a string, number or boolean, got ${describe(item)}`);
  return undefined;
}

/** A single value or a non-empty list of them; every bad item is reported. */
function parseList(
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

function unknownOperatorMessage(operator: string): string {
  const base = `unknown condition operator ${JSON.stringify(operator)}`;
  const withoutIfExists = operator.endsWith(IF_EXISTS) ? operator.slice(0, -IF_EXISTS.length) : '';
  if (withoutIfExists && parseConditionOperator(withoutIfExists)?.base === 'Null') {
    return `${base}: IfExists cannot be used with Null (Null itself tests whether the key is present)`;
  }
  const suggestion = closest(operator, OPERATOR_SPELLINGS);
  if (!suggestion) return base;
  const caseOnly = suggestion.toLowerCase() === operator.toLowerCase();
  return `${base}${caseOnly ? ' (operator names are case-sensitive)' : ''}; did you mean ${JSON.stringify(suggestion)}?`;
}

function unknownElement(name: string, allowed: readonly string[], what: string): string {
  const suggestion = closest(name, allowed);
  const hint = suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : '';
  return `unknown ${what} ${JSON.stringify(truncate(name))} (allowed: ${allowed.join(', ')})${hint}`;
}

/** The candidate nearest to `word` by edit distance, when near enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  if (word.length === 0 || word.length > 64) return undefined;
  const lower = word.toLowerCase();
  const caseOnly = candidates.find((c) => c.toLowerCase() === lower);
  if (caseOnly) return caseOnly;
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 4)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// ---------------------------------------------------------------------------------------------
// JSON helpers

function isJsonObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Own keys whose value is not `undefined`: an object given in code is read as its JSON
 * serialization would be, and `JSON.stringify` drops undefined members.
 */
function presentKeys(obj: JsonObject): string[] {
  return Object.keys(obj).filter((k) => obj[k] !== undefined);
}

function own(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function child(parent: string, key: string): string {
  return parent === ROOT_PATH ? key : `${parent}.${key}`;
}

function describe(value: unknown): string {
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

function truncate(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function oneLine(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** Bytes of the UTF-8 encoding (a lone surrogate encodes as U+FFFD, 3 bytes). */
function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * JSON.parse's reason, with the line and column (1-based) of the offending character: taken from the
 * position JSON.parse reports, or found by `firstSyntaxError` when the reason names none.
 */
function jsonErrorMessage(err: unknown, text: string): string {
  const reason = errorMessage(err)
    .replace(/\s+/g, ' ')
    .replace(/ \(line \d+ column \d+\)$/, '')
    .trim();
  const match = /at position (\d+)/.exec(reason);
  const position = match ? Number(match[1]) : firstSyntaxError(text);
  const bom = text.charCodeAt(0) === 0xfeff ? ' (the text starts with a byte-order mark)' : '';
  if (position === undefined) return reason + bom;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${reason} (line ${line}, column ${position - lineStart + 1})${bom}`;
}

class SyntaxErrorAt {
  constructor(readonly offset: number) {}
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const JSON_ESCAPE = /["\\/bfnrt]|u[0-9a-fA-F]{4}/y;
const MAX_SCAN_DEPTH = 1000;

/** Offset of the first character that breaks the JSON grammar (RFC 8259), or undefined. */
function firstSyntaxError(text: string): number | undefined {
  let i = 0;
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const expect = (c: string): void => {
    if (text.charAt(i) !== c) throw new SyntaxErrorAt(i);
    i++;
  };
  const jsonString = (): void => {
    expect('"');
    for (;;) {
      if (i >= text.length) throw new SyntaxErrorAt(i);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) throw new SyntaxErrorAt(i);
      if (c === 0x5c) {
        JSON_ESCAPE.lastIndex = i + 1;
        const escaped = JSON_ESCAPE.exec(text);
        if (!escaped) throw new SyntaxErrorAt(i + 1);
        i += 1 + escaped[0].length;
      } else i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > MAX_SCAN_DEPTH) throw new RangeError('too deep');
    space();
    const c = text.charAt(i);
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text.charAt(i) === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          space();
          jsonString();
          space();
          expect(':');
        }
        value(depth + 1);
        space();
        if (text.charAt(i) !== ',') {
          expect(close);
          return;
        }
        i++;
      }
    }
    if (c === '"') {
      jsonString();
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    JSON_NUMBER.lastIndex = i;
    const number = JSON_NUMBER.exec(text);
    if (!number) throw new SyntaxErrorAt(i);
    i += number[0].length;
  };
  try {
    value(0);
    space();
    return i < text.length ? i : undefined;
  } catch (err) {
    return err instanceof SyntaxErrorAt ? err.offset : undefined;
  }
}

type Frame =
  | { kind: 'object'; path: string; keys: Set<string>; expectKey: boolean; key: string }
  | { kind: 'array'; path: string; index: number };

/**
 * Duplicate member names in valid JSON text. JSON.parse silently keeps the last one, so a
 * document with duplicates may mean something else to AWS than to us: report, never guess.
 */
function findDuplicateKeys(text: string): Issue[] {
  const issues: Issue[] = [];
  const stack: Frame[] = [];
  const valuePath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return ROOT_PATH;
    return top.kind === 'object' ? child(top.path, top.key) : `${top.path}[${top.index}]`;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = endOfString(text, i);
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectKey) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) {
          issues.push({
            path: child(top.path, key),
            message: `duplicate key ${JSON.stringify(truncate(key))}: the document has no single meaning (JSON.parse keeps the last one)`,
          });
        }
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === '{')
      stack.push({ kind: 'object', path: valuePath(), keys: new Set(), expectKey: true, key: '' });
    else if (c === '[') stack.push({ kind: 'array', path: valuePath(), index: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'array') top.index++;
      else if (top?.kind === 'object') top.expectKey = true;
    }
    i++;
  }
  return issues;
}

/** Index just past the closing quote of the JSON string starting at `start`. */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return text.length;
}
