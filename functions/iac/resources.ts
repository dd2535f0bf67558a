/**
 * The resources infrastructure code declares, as the rules see them: the same `KeyResource` and
 * `EndpointResource` a sweep reads from AWS, built from what the template or plan says (and the
 * deploy tool's documented defaults for what it leaves out), with the unknowns that decide a rule.
 */
import { parsePolicy } from '../policy/parse.js';
import type { Issue, Policy, Result } from '../policy/types.js';
import { kmsServiceRegion } from '../rules/applicability.js';
import type { KeyGrant } from '../rules/reads.js';
import type { EndpointResource, KeyResource, Resource, RuleId } from '../rules/types.js';
import {
  type DeployTarget,
  defaultKeyPolicy,
  partitionOf,
  standInKeyId,
  Unknown,
  unknownsIn,
} from './values.js';

/** One problem with one resource of a template or plan, located by path (and line, when known). */
export interface IacProblem {
  path: string;
  message: string;
  line?: number;
}

export interface IacResource {
  resource: Resource;
  /** 1-based line of the resource's declaration (logical id, plan address). */
  line?: number;
  /** Only these rules are about what the resource declares (a policy attachment says nothing of private DNS). */
  rules?: RuleId[];
  /** Rules whose verdict depends on a value not known before deploy, with what it depends on. */
  unknown: Partial<Record<RuleId, string[]>>;
  /** What was taken as given to judge it (defaults, parameter defaults, the deploying account). */
  assumptions: string[];
}

export interface IacRead {
  shape: string;
  resources: IacResource[];
  problems: IacProblem[];
  notes: { id: string; note: string }[];
}

const KEY_POLICY_RULES: RuleId[] = [
  'key-no-external-principals',
  'key-crypto-via-vpce',
  'key-sourceip-ineffective',
];

/** A policy given as an object or as JSON text (both are accepted by CloudFormation and Terraform). */
function readPolicy(value: unknown): Result<Policy> {
  if (typeof value === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      return {
        ok: false,
        issues: [{ path: '$', message: `policy text is not JSON (${(err as Error).message})` }],
      };
    }
    return parsePolicy(parsed);
  }
  return parsePolicy(value);
}

const prefixed = (path: string, issues: Issue[], line: number | undefined): IacProblem[] =>
  issues.map((i) => ({
    path: i.path === '$' || i.path === '' ? path : `${path}.${i.path}`,
    message: i.message,
    ...(line !== undefined ? { line } : {}),
  }));

/** The account and region a resource is created in, or the unknowns they are. */
export function placement(target: DeployTarget): {
  account?: string;
  region?: string;
  partition: string;
  assumptions: string[];
} {
  const assumptions: string[] = [];
  const account = target.account ?? target.trustedAccount;
  if (target.account === undefined && account !== undefined)
    assumptions.push(
      `deployed by a trusted account (no --account given): AWS::AccountId taken as ${account}, the first of trust.accounts`,
    );
  return {
    ...(account !== undefined ? { account } : {}),
    ...(target.region !== undefined ? { region: target.region } : {}),
    partition: partitionOf(target.region),
    assumptions,
  };
}

interface KeyInput {
  name: string;
  /** The policy as declared: absent (the AWS default policy), an object, JSON text, or unknown. */
  policy: unknown;
  policyPath: string;
  line?: number;
  target: DeployTarget;
  assumptions: string[];
  keySpec?: unknown;
  keyUsage?: unknown;
  multiRegion?: unknown;
  tags?: Record<string, string>;
  grants?: KeyGrant[];
  rules?: RuleId[];
}

/** A key declared by a template or plan, judged like one read by DescribeKey and GetKeyPolicy. */
export function keyResource(input: KeyInput, out: IacRead): void {
  const place = placement(input.target);
  const assumptions = [...input.assumptions, ...place.assumptions];
  const unknown: IacResource['unknown'] = {};
  let policyValue = input.policy;
  if (policyValue === undefined || policyValue === null) {
    if (place.account === undefined) {
      for (const rule of KEY_POLICY_RULES)
        unknown[rule] = ['AWS::AccountId (no --account and no trust.accounts)'];
      policyValue = defaultKeyPolicy(place.partition, '111111111111');
    } else {
      policyValue = defaultKeyPolicy(place.partition, place.account);
      assumptions.push('no key policy declared: the default key policy (the account root may use the key)');
    }
  }
  const missing = unknownsIn(policyValue);
  if (missing.length > 0) {
    for (const rule of KEY_POLICY_RULES) unknown[rule] = missing;
    // The rules still run (on the default policy) so the verdict has every rule; the unknown
    // decides the policy rules, which are then unproven.
    policyValue = defaultKeyPolicy(place.partition, place.account ?? '111111111111');
  }
  const parsed = readPolicy(policyValue);
  if (!parsed.ok) {
    out.problems.push(...prefixed(input.policyPath, parsed.issues, input.line));
    return;
  }
  const r: KeyResource = { type: 'kms-key', id: input.name, policy: parsed.value, keyManager: 'CUSTOMER' };
  if (place.account !== undefined && place.region !== undefined) {
    r.arn = `arn:${place.partition}:kms:${place.region}:${place.account}:key/${standInKeyId(input.name)}`;
    assumptions.push('the key ARN is a stand-in (KMS assigns the key id at creation)');
  }
  if (place.account !== undefined) r.account = place.account;
  if (place.region !== undefined) r.region = place.region;
  if (typeof input.keySpec === 'string') r.keySpec = input.keySpec;
  if (typeof input.keyUsage === 'string') r.keyUsage = input.keyUsage;
  if (typeof input.multiRegion === 'boolean') r.multiRegion = input.multiRegion;
  if (input.tags) r.tags = input.tags;
  if (input.grants) r.grants = input.grants;
  out.resources.push({
    resource: r,
    ...(input.line !== undefined ? { line: input.line } : {}),
    ...(input.rules ? { rules: input.rules } : {}),
    unknown,
    assumptions,
  });
}

interface EndpointInput {
  name: string;
  serviceName: unknown;
  endpointType: unknown;
  privateDns: unknown;
  policy: unknown;
  policyPath: string;
  path: string;
  line?: number;
  target: DeployTarget;
  assumptions: string[];
  vpcId?: unknown;
  rules?: RuleId[];
}

/** An endpoint declared by a template or plan; `undefined` fields have already taken their defaults. */
export function endpointResource(input: EndpointInput, out: IacRead): void {
  const place = placement(input.target);
  const assumptions = [...input.assumptions, ...place.assumptions];
  const unknown: IacResource['unknown'] = {};
  const r: EndpointResource = { type: 'vpc-endpoint', id: input.name };
  const endpointRules: RuleId[] = ['endpoint-private-dns', 'endpoint-no-external-principals'];
  const bad = (field: string, message: string) =>
    out.problems.push({
      path: `${input.path}.${field}`,
      message,
      ...(input.line !== undefined ? { line: input.line } : {}),
    });

  if (input.serviceName instanceof Unknown) {
    // `com.amazonaws.${AWS::Region}.kms` without --region: a KMS endpoint, region unknown.
    const text = input.serviceName.text ?? '';
    if (!/\.kms(-fips)?$/.test(text)) {
      for (const rule of endpointRules) unknown[rule] = [`ServiceName ${input.serviceName.names.join(', ')}`];
    }
  } else if (typeof input.serviceName === 'string') r.serviceName = input.serviceName;
  else if (input.serviceName !== undefined) return void bad('ServiceName', 'must be a string');

  if (input.endpointType instanceof Unknown) {
    for (const rule of endpointRules) unknown[rule] = [...(unknown[rule] ?? []), ...input.endpointType.names];
  } else if (typeof input.endpointType === 'string') r.vpcEndpointType = input.endpointType;

  if (input.privateDns instanceof Unknown) {
    unknown['endpoint-private-dns'] = [...(unknown['endpoint-private-dns'] ?? []), ...input.privateDns.names];
    r.privateDnsEnabled = false;
  } else if (typeof input.privateDns === 'boolean') r.privateDnsEnabled = input.privateDns;
  else if (input.privateDns === 'true' || input.privateDns === 'false')
    r.privateDnsEnabled = input.privateDns === 'true';
  else if (input.privateDns !== undefined) return void bad('PrivateDnsEnabled', 'must be true or false');

  if (typeof input.vpcId === 'string') r.vpcId = input.vpcId;
  if (place.account !== undefined) r.account = place.account;
  const serviceRegion = kmsServiceRegion(r.serviceName) ?? place.region;
  if (serviceRegion !== undefined) {
    r.region = serviceRegion;
    r.serviceRegion = serviceRegion;
  }
  const policy = input.policy;
  if (policy !== undefined && policy !== null && policy !== '') {
    const missing = unknownsIn(policy);
    if (missing.length > 0) unknown['endpoint-no-external-principals'] = missing;
    else {
      const parsed = readPolicy(policy);
      if (!parsed.ok) {
        out.problems.push(...prefixed(input.policyPath, parsed.issues, input.line));
        return;
      }
      r.policy = parsed.value;
    }
  } else if (!input.rules || input.rules.includes('endpoint-no-external-principals')) {
    assumptions.push('no endpoint policy declared: AWS applies the full-access policy');
  }
  if (r.serviceName !== undefined && kmsServiceRegion(r.serviceName) === undefined)
    out.notes.push({ id: input.name, note: `not a KMS endpoint (${r.serviceName}); not judged` });
  out.resources.push({
    resource: r,
    ...(input.line !== undefined ? { line: input.line } : {}),
    ...(input.rules ? { rules: input.rules } : {}),
    unknown,
    assumptions,
  });
}
