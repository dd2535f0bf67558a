import { ownSet } from '../policy/own.js';
import { parsePolicy, parsePolicyText } from '../policy/parse.js';
import type { Issue, Policy, Result } from '../policy/types.js';
import { kmsServiceRegion } from '../rules/applicability.js';
import type { EndpointResource, KeyResource, Resource } from '../rules/types.js';
import { binaryReason, scanJson, withoutBom } from './json-text.js';

/** `--kind`: what a bare policy document is; also forces the reading of self-describing inputs. */
export const INPUT_KINDS = ['key-policy', 'endpoint-policy', 'endpoint'] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

/** A problem with one input, located by JSON path inside the file. */
export interface InputProblem {
  file: string;
  path: string;
  message: string;
  /** 1-based line, where the reader knows it (infrastructure code). */
  line?: number;
}

export interface LoadedInput {
  file: string;
  /** How the input was read, for the text report ("GetKeyPolicy response", ...). */
  shape: string;
  resources: Resource[];
  /** Problems found; resources that could be read are still judged. */
  problems: InputProblem[];
  /** Resources read but not judged, with why (AWS-managed key, non-KMS endpoint). */
  notes: { id: string; note: string }[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

// AWS-managed keys carry AWS's own default policy, whose Id is `auto-<service>[-<n>]` (aws/ebs:
// auto-ebs-2, aws/lambda: auto-awslambda). Customer key policies from the console or API use
// `key-consolepolicy-3` / `key-default-1`. Offline this is the only sign; live, DescribeKey's
// KeyManager decides. AWS-managed key policies cannot be changed, so they are never judged.
const AWS_MANAGED_POLICY_ID = /^auto-[a-z0-9]+(-\d+)?$/;

/** Join a path prefix and an issue path: `VpcEndpoints[1].PolicyDocument` + `Statement[0]`. */
function within(prefix: string, issue: Issue, textual: boolean): string {
  const inner = issue.path === '$' || issue.path === '' ? '' : issue.path;
  if (prefix === '') return inner === '' ? '$' : inner;
  // A policy held as JSON text: the inner path is inside the parsed text.
  const sep = textual ? ' → ' : '.';
  return inner === '' ? prefix : `${prefix}${sep}${inner}`;
}

function problemsOf(file: string, prefix: string, issues: Issue[], textual: boolean): InputProblem[] {
  return issues.map((i) => ({ file, path: within(prefix, i, textual), message: i.message }));
}

/**
 * A policy held as JSON text inside the input (`Policy`, `PolicyDocument`): syntax errors are
 * explained without quoting the text back (it may be anything), then the parser reads it, reporting
 * duplicate keys with their paths.
 */
function parseInnerPolicyText(text: string): Result<Policy> {
  const binary = binaryReason(text);
  if (binary) return { ok: false, issues: [{ path: '$', message: binary }] };
  const scan = scanJson(text);
  if (!scan.ok) return { ok: false, issues: [{ path: '$', message: scan.message }] };
  return parsePolicyText(text);
}

function baseName(file: string): string {
  const name = file.split(/[\\/]/).pop() ?? file;
  return name.replace(/\.json$/i, '');
}

function keyResource(file: string, policy: Policy, id?: string): KeyResource {
  const r: KeyResource = { type: 'kms-key', id: id ?? baseName(file), policy };
  if (policy.id !== undefined && AWS_MANAGED_POLICY_ID.test(policy.id)) r.keyManager = 'AWS';
  return r;
}

function tagsOf(value: unknown): Record<string, string> | undefined {
  if (!Array.isArray(value)) return undefined;
  const tags: Record<string, string> = {};
  for (const t of value) {
    if (isObject(t) && typeof t.Key === 'string' && typeof t.Value === 'string') ownSet(tags, t.Key, t.Value);
  }
  return tags;
}

/** One EC2 `VpcEndpoint` object (describe-vpc-endpoints / create-vpc-endpoint output). */
function readEndpoint(file: string, value: unknown, path: string, out: LoadedInput): void {
  const at = path === '' ? '$' : path;
  if (!isObject(value)) {
    out.problems.push({ file, path: at, message: 'a VpcEndpoint must be an object' });
    return;
  }
  const id = value.VpcEndpointId;
  if (typeof id !== 'string' || id === '') {
    out.problems.push({
      file,
      path: path === '' ? 'VpcEndpointId' : `${path}.VpcEndpointId`,
      message: 'missing VpcEndpointId',
    });
    return;
  }
  const r: EndpointResource = { type: 'vpc-endpoint', id };
  const field = (name: string) => (path === '' ? name : `${path}.${name}`);
  const str = (name: string): string | undefined => {
    const v = value[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      out.problems.push({ file, path: field(name), message: `must be a string, got ${typeof v}` });
      return undefined;
    }
    return v;
  };
  const bool = (name: string): boolean | undefined => {
    const v = value[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') {
      out.problems.push({
        file,
        path: field(name),
        message: `must be true or false, got ${JSON.stringify(v)}`,
      });
      return undefined;
    }
    return v;
  };
  const before = out.problems.length;
  const serviceName = str('ServiceName');
  const endpointType = str('VpcEndpointType');
  const vpcId = str('VpcId');
  const owner = str('OwnerId');
  const privateDns = bool('PrivateDnsEnabled');
  const requesterManaged = bool('RequesterManaged');
  if (serviceName !== undefined) r.serviceName = serviceName;
  if (endpointType !== undefined) r.vpcEndpointType = endpointType;
  if (vpcId !== undefined) r.vpcId = vpcId;
  if (owner !== undefined) r.account = owner;
  if (privateDns !== undefined) r.privateDnsEnabled = privateDns;
  if (requesterManaged !== undefined) r.requesterManaged = requesterManaged;
  // DescribeVpcEndpoints does not say the endpoint's own region; the service's is in its name (or
  // ServiceRegion, for a cross-region endpoint).
  const serviceRegion = str('ServiceRegion') ?? kmsServiceRegion(serviceName);
  if (serviceRegion !== undefined) {
    r.region = serviceRegion;
    r.serviceRegion = serviceRegion;
  }
  const tags = tagsOf(value.Tags);
  if (tags !== undefined) r.tags = tags;
  const doc = value.PolicyDocument;
  if (doc !== undefined && doc !== null && doc !== '') {
    // EC2 returns PolicyDocument as JSON text; accept an object too (hand-written inputs).
    const parsed = typeof doc === 'string' ? parseInnerPolicyText(doc) : parsePolicy(doc);
    if (!parsed.ok) {
      out.problems.push(...problemsOf(file, field('PolicyDocument'), parsed.issues, typeof doc === 'string'));
    } else {
      r.policy = parsed.value;
    }
  }
  // A malformed field means we cannot judge this endpoint: never report it as compliant.
  if (out.problems.length > before) return;
  if (serviceName !== undefined && kmsServiceRegion(serviceName) === undefined) {
    out.notes.push({ id, note: `not a KMS endpoint (${serviceName}); not judged` });
  }
  out.resources.push(r);
}

/** The text an input was parsed from, when it was: bare policies are parsed from it. */
export interface InputSource {
  text: string;
  /** Duplicate member names anywhere in the text, with their JSON paths. */
  duplicates: Issue[];
}

/**
 * Read one parsed JSON input into resources. Shapes (SPEC §5): a policy document (needs `kind`),
 * a GetKeyPolicy response `{"Policy": "<json text>"}`, an EC2 VpcEndpoint, `{"VpcEndpoint": {...}}`,
 * `{"VpcEndpoints": [...]}`. With `source`, a bare policy is parsed from its text and duplicate keys
 * in a response are problems (the part of the response they are in is not judged). Never throws.
 */
export function readInput(file: string, value: unknown, kind?: InputKind, source?: InputSource): LoadedInput {
  const out: LoadedInput = { file, shape: 'unknown', resources: [], problems: [], notes: [] };
  if (!isObject(value)) {
    out.problems.push({
      file,
      path: '$',
      message: `expected a JSON object (policy document, GetKeyPolicy response or VPC endpoint), got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`,
    });
    return out;
  }
  const looksLikeEndpoint =
    Array.isArray(value.VpcEndpoints) ||
    isObject(value.VpcEndpoint) ||
    typeof value.VpcEndpointId === 'string';
  const looksLikeGetKeyPolicy = typeof value.Policy === 'string' && !('Statement' in value);
  const looksLikePolicy = 'Statement' in value;
  // Duplicate keys in a response: JSON.parse kept the last of each, so what was read may not be
  // what the file says. Reported; the endpoint they are in (or the whole response) is not judged.
  const duplicates = source?.duplicates ?? [];
  const reportDuplicates = () =>
    out.problems.push(...duplicates.map((d) => ({ file, path: d.path, message: d.message })));

  if (kind === 'endpoint' || (kind === undefined && looksLikeEndpoint)) {
    readEndpointInput(file, value, duplicates, out);
    reportDuplicates();
    return out;
  }

  if (looksLikeGetKeyPolicy && (kind === undefined || kind === 'key-policy')) {
    out.shape = 'GetKeyPolicy response';
    if (duplicates.length > 0) {
      reportDuplicates();
      return out;
    }
    const parsed = parseInnerPolicyText(value.Policy as string);
    if (!parsed.ok) out.problems.push(...problemsOf(file, 'Policy', parsed.issues, true));
    else out.resources.push(keyResource(file, parsed.value));
    return out;
  }

  if (kind === undefined) {
    out.problems.push({
      file,
      path: '$',
      message: looksLikePolicy
        ? 'a bare policy document: say what it is with --kind key-policy or --kind endpoint-policy'
        : 'not a policy document, GetKeyPolicy response or VPC endpoint (no Statement, Policy, VpcEndpoint or VpcEndpoints field); use --kind to say what it is',
    });
    return out;
  }

  readBarePolicy(file, value, kind, source, out);
  return out;
}

/**
 * An endpoint input: a DescribeVpcEndpoints response (an endpoint with a duplicate key is not
 * judged, the others are), a CreateVpcEndpoint response or one VpcEndpoint (neither judged then).
 */
function readEndpointInput(file: string, value: Json, duplicates: Issue[], out: LoadedInput): void {
  if (Array.isArray(value.VpcEndpoints)) {
    out.shape = 'DescribeVpcEndpoints response';
    const spoilt = new Set<number>();
    let whole = false;
    for (const d of duplicates) {
      const m = /^VpcEndpoints\[(\d+)\]/.exec(d.path);
      if (m) spoilt.add(Number(m[1]));
      else whole = true;
    }
    for (const [i, e] of value.VpcEndpoints.entries()) {
      if (!whole && !spoilt.has(i)) readEndpoint(file, e, `VpcEndpoints[${i}]`, out);
    }
  } else if (isObject(value.VpcEndpoint)) {
    out.shape = 'CreateVpcEndpoint response';
    if (duplicates.length === 0) readEndpoint(file, value.VpcEndpoint, 'VpcEndpoint', out);
  } else if (typeof value.VpcEndpointId === 'string') {
    out.shape = 'VpcEndpoint';
    if (duplicates.length === 0) readEndpoint(file, value, '', out);
  } else {
    out.problems.push({
      file,
      path: '$',
      message:
        'with --kind endpoint, expected a VpcEndpoint object, {"VpcEndpoint": {...}} or {"VpcEndpoints": [...]}',
    });
  }
}

/** A bare policy document of the given kind, as one resource named after the file. */
function readBarePolicy(
  file: string,
  value: Json,
  kind: InputKind,
  source: InputSource | undefined,
  out: LoadedInput,
): void {
  // A bare policy is read from its own text when there is one: the parser then reports duplicate
  // keys with their paths, and the size is that of the text as written.
  const parsed = source ? parsePolicyText(source.text) : parsePolicy(value);
  if (!parsed.ok) {
    out.problems.push(...problemsOf(file, '', parsed.issues, false));
    return;
  }
  if (kind === 'key-policy') {
    out.shape = 'key policy';
    out.resources.push(keyResource(file, parsed.value));
  } else {
    out.shape = 'endpoint policy';
    out.resources.push({ type: 'vpc-endpoint', id: baseName(file), policy: parsed.value });
  }
}

/**
 * Read one file's text. A UTF-8 byte-order mark is skipped; binary data is named as such and never
 * echoed; syntax errors name the line and column (a trailing comma is called one); duplicate keys
 * are reported with their JSON path, in the policy and in the response around it.
 */
export function readInputText(file: string, text: string, kind?: InputKind): LoadedInput {
  const failed = (message: string): LoadedInput => ({
    file,
    shape: 'unknown',
    resources: [],
    problems: [{ file, path: '$', message }],
    notes: [],
  });
  const body = withoutBom(text);
  const binary = binaryReason(body);
  if (binary) return failed(`${binary}; nothing in it was read`);
  const scan = scanJson(body);
  if (!scan.ok) return failed(scan.message);
  return readInput(file, JSON.parse(body), kind, { text: body, duplicates: scan.duplicates });
}
