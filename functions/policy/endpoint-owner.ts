/**
 * The owner of the VPC endpoint a request comes through, as IAM describes it: aws:VpceAccount (the
 * account that owns the endpoint), aws:VpceOrgID and aws:VpceOrgPaths (that account's organization
 * and path; both absent when it is in no organization) and aws:SourceVpcArn (the VPC the endpoint
 * is attached to). KMS populates all four on requests through an endpoint
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-vpceaccount,
 * #condition-keys-vpceorgid, #condition-keys-vpceorgpaths, #condition-keys-sourcevpcarn: each lists
 * AWS Key Management Service among the services that support it).
 */
import { accountCells, arnAccountPart } from './account-cells.js';
import { conditionsOn, type DimensionInput, unique } from './candidates.js';
import { compileGlob, type Glob } from './glob.js';
import { FRESH_ORG, freshValue, ORG_DOMAIN, orgIdVariants } from './id-shapes.js';
import { COMMERCIAL_REGIONS, PREFERRED_REGIONS } from './regions.js';
import type { ApprovedNetworks } from './request-model.js';
import { type Exactness, noteExactness, stringCells } from './string-cells.js';

type Values = Record<string, string | string[]>;

const ARN_KEY = 'aws:sourcevpcarn';

/** Every ARN pattern that tests aws:SourceVpcArn: the policy's conditions and the approved VPC ARNs. */
function vpcArnGlobs(input: DimensionInput, approved: ApprovedNetworks | undefined): Glob[] {
  return [
    ...conditionsOn(input, (k) => k === ARN_KEY).flatMap((c) => c.globs),
    ...(approved?.vpcArns ?? []).map((p) =>
      compileGlob({ pattern: p, wildcards: true, ignoreCase: false, arn: true }),
    ),
  ];
}

interface ArnParts {
  region: Glob;
  account: Glob;
  vpcId: Glob;
}

/**
 * An ARN pattern read part by part (IAM's ARN operators match each of the six parts separately), or
 * undefined when it cannot be. A candidate VPC ARN has exactly five colons, so a StringLike
 * pattern with five colons matches it exactly when each part does (a `*` cannot swallow a colon the
 * pattern's own colons need); one with fewer colons needs a `*` across parts and is not read here.
 */
function arnPartGlobs(g: Glob): ArnParts | 'matches-none' | undefined {
  if (g.spec.pattern === '*' && g.spec.wildcards) return universal(g);
  const parts = g.spec.pattern.split(':');
  if (parts.length < 6) return g.literal === undefined ? undefined : 'matches-none';
  const resource = parts.slice(5).join(':');
  const id =
    resource === '*' && g.spec.wildcards ? '*' : resource.startsWith('vpc/') ? resource.slice(4) : undefined;
  if (id === undefined) return g.literal === undefined ? undefined : 'matches-none';
  const part = (p: string) => compileGlob({ ...g.spec, pattern: p, arn: false });
  return { region: part(parts[3]!), account: part(parts[4]!), vpcId: part(id) };
}

function universal(g: Glob): ArnParts {
  const any = compileGlob({ ...g.spec, pattern: '*', wildcards: true, arn: false });
  return { region: any, account: any, vpcId: any };
}

/** Patterns for aws:SourceVpc's cells: the VPC id part of every VPC ARN pattern (the ARN names the same VPC). */
export function vpcIdGlobsFromArns(input: DimensionInput, approved: ApprovedNetworks | undefined): Glob[] {
  return vpcArnGlobs(input, approved).flatMap((g) => {
    const parts = arnPartGlobs(g);
    return typeof parts === 'object' ? [parts.vpcId] : [];
  });
}

/**
 * The owners to try for a request through an endpoint in VPC `vpc`: one value set per combination
 * of owner account, organization (or none), organization path and VPC ARN that the policy's
 * conditions and the approved networks tell apart. A key is set only when something tests it.
 * The VPC ARN names `vpc` in the key's partition; its account is the endpoint owner's first (the
 * usual case) and then the others (a shared VPC: the endpoint owner is a participant, the VPC
 * belongs to another account).
 */
export function endpointOwners(
  input: DimensionInput,
  approved: ApprovedNetworks | undefined,
  exactness: Exactness,
): (vpc: string) => Values[] {
  const tested = (k: string, list: readonly string[] | undefined) =>
    conditionsOn(input, (x) => x === k).length > 0 || (list?.length ?? 0) > 0;
  const accountTested = tested('aws:vpceaccount', approved?.vpceAccounts);
  const arnTested = tested(ARN_KEY, approved?.vpcArns);
  const pathsTested = tested('aws:vpceorgpaths', approved?.vpceOrgPaths);
  const orgTested = tested('aws:vpceorgid', approved?.vpceOrgIds) || pathsTested;
  const arnGlobs = arnTested ? vpcArnGlobs(input, approved) : [];
  const split = arnGlobs.map(arnPartGlobs);
  if (split.some((p) => p === undefined)) {
    exactness.exact = false;
    exactness.reasons.push('VPC ARNs (a StringLike pattern on aws:SourceVpcArn whose * spans parts)');
  }
  let accounts: string[] = [];
  if (accountTested || arnTested) {
    const cells = accountCells(
      input,
      new Set(['aws:vpceaccount', ARN_KEY]),
      [],
      [...(approved?.vpceAccounts ?? []), ...(approved?.vpcArns ?? []).flatMap((a) => literalAccount(a))],
    );
    noteExactness(exactness, cells, 'VPC endpoint owner accounts');
    accounts = cells.values;
  }
  const owners = accountTested ? accounts : [undefined];
  const orgs = orgTested ? [undefined, ...organizations(input, approved, exactness)] : [undefined];
  const pathsOf: (org: string) => (string | undefined)[] = pathsTested
    ? organizationPaths(input, approved, exactness)
    : () => [undefined];
  const regions = arnTested ? vpcRegions(input, split, exactness) : [];
  const partition = /^arn:([^:]+):/.exec(keyArn(input) ?? '')?.[1] ?? 'aws';
  return (vpc) => {
    const out: Values[] = [];
    for (const account of owners) {
      const arnAccounts = arnTested ? unique([...(account ? [account] : []), ...accounts]) : [undefined];
      for (const org of orgs)
        for (const path of org === undefined ? [undefined] : pathsOf(org))
          for (const arnAccount of arnAccounts)
            for (const region of arnAccount === undefined ? [undefined] : regions) {
              const values: Values = {};
              if (account !== undefined) values['aws:vpceaccount'] = account;
              if (org !== undefined) values['aws:vpceorgid'] = org;
              if (path !== undefined) values['aws:vpceorgpaths'] = [path];
              if (arnAccount !== undefined && region !== undefined)
                values[ARN_KEY] = `arn:${partition}:ec2:${region}:${arnAccount}:vpc/${vpc}`;
              out.push(values);
            }
    }
    return out;
  };
}

function literalAccount(arn: string): string[] {
  const a = arnAccountPart(arn);
  return a && /^\d{12}$/.test(a) ? [a] : [];
}

function keyArn(input: DimensionInput): string | undefined {
  const r = input.requestClass.resource;
  return r.kind === 'key' ? r.arn : undefined;
}

/** Regions for the VPC ARN: one per cell of the patterns' region parts, the key's own Region first. */
function vpcRegions(
  input: DimensionInput,
  split: (ArnParts | 'matches-none' | undefined)[],
  exactness: Exactness,
): string[] {
  const own = /^arn:[^:]+:kms:([^:]+):/.exec(keyArn(input) ?? '')?.[1];
  const prefer = unique([...(own ? [own] : []), ...PREFERRED_REGIONS, ...COMMERCIAL_REGIONS]);
  const globs = split.flatMap((p) => (typeof p === 'object' ? [p.region] : []));
  const c = stringCells(globs, undefined, (t) => prefer.find((r) => !t(r)) ?? 'eu-west-1', { prefer });
  noteExactness(exactness, c, 'VPC ARN regions');
  return c.values;
}

/** Organizations: the cells of aws:VpceOrgID, of the first part of aws:VpceOrgPaths and of the approved ones. */
function organizations(
  input: DimensionInput,
  approved: ApprovedNetworks | undefined,
  exactness: Exactness,
): string[] {
  const conds = conditionsOn(input, (k) => k === 'aws:vpceorgid' || k === 'aws:vpceorgpaths');
  const globs: Glob[] = [];
  const groupOf: number[] = [];
  const firstPart = (g: Glob) => compileGlob({ ...g.spec, pattern: g.spec.pattern.split('/')[0] ?? '' });
  conds.forEach((c, i) => {
    for (const g of c.globs) {
      globs.push(c.entry.keyLower === 'aws:vpceorgpaths' ? firstPart(g) : g);
      groupOf.push(i);
    }
  });
  const configured = unique([
    ...(approved?.vpceOrgIds ?? []),
    ...(approved?.vpceOrgPaths ?? []).map((p) => p.split('/')[0]!),
  ]);
  for (const o of configured) {
    globs.push(compileGlob({ pattern: o, wildcards: false, ignoreCase: false, arn: false }));
    groupOf.push(conds.length);
  }
  const c = stringCells(globs, ORG_DOMAIN, (t) => freshValue(FRESH_ORG, t), {
    groupOf,
    prefer: configured,
    realify: orgIdVariants,
    keepLiterals: (l) => l.startsWith('o-'),
  });
  noteExactness(exactness, c, 'VPC endpoint owner organizations');
  return c.values;
}

/** Paths to try in an organization: one per cell of the aws:VpceOrgPaths patterns and the approved paths. */
function organizationPaths(
  input: DimensionInput,
  approved: ApprovedNetworks | undefined,
  exactness: Exactness,
): (org: string) => string[] {
  const conds = conditionsOn(input, (k) => k === 'aws:vpceorgpaths');
  const configured = (approved?.vpceOrgPaths ?? []).map((p) =>
    compileGlob({ pattern: p, wildcards: true, ignoreCase: false, arn: false }),
  );
  const globs = [...conds.flatMap((c) => c.globs), ...configured];
  const groupOf = [...conds.flatMap((c, i) => c.globs.map(() => i)), ...configured.map(() => conds.length)];
  const memo = new Map<string, string[]>();
  return (org) => {
    const known = memo.get(org);
    if (known) return known;
    const c = stringCells(
      globs,
      compileGlob({ pattern: `${org}/*`, wildcards: true, ignoreCase: false, arn: false }),
      (t) => freshValue(`${org}/r-ab12/ou-ab12-examples/`, t),
      { groupOf },
    );
    noteExactness(exactness, c, 'VPC endpoint owner organization paths');
    memo.set(org, c.values);
    return c.values;
  };
}
