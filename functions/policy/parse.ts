/**
 * Parser for KMS key policies and VPC endpoint policies (SPEC.md §2): JSON text or an object in,
 * a normalized `Policy` or every problem found (with its JSON path) out. Never throws.
 */

import { findDuplicateKeys, jsonErrorMessage, utf8ByteLength } from './json-diagnostics.js';
import { parseCondition } from './parse-condition.js';
import { parsePrincipal } from './parse-principal.js';
import {
  Collector,
  child,
  describe,
  errorMessage,
  isJsonObject,
  type JsonObject,
  oneLine,
  own,
  parseList,
  presentKeys,
  ROOT_PATH,
} from './parse-support.js';
import { unknownElement } from './suggestions.js';
import type { Effect, Issue, PatternElement, Policy, Result, Statement } from './types.js';

export { parseConditionOperator } from './condition-operator.js';

/** KMS key policy size limit: https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html */
export const DEFAULT_MAX_POLICY_BYTES = 32_768;

export interface ParseOptions {
  /** Size limit in UTF-8 bytes (default: the KMS key policy limit, 32768). */
  maxBytes?: number;
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

function fail(issues: Issue[]): Result<Policy> {
  return { ok: false, issues };
}

function internalError(err: unknown): Result<Policy> {
  return fail([
    { path: ROOT_PATH, message: `internal error while parsing the policy: ${errorMessage(err)}` },
  ]);
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
