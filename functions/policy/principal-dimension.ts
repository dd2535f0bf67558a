import { accountCells, arnAccountPart, isTrustedAccount } from './account-cells.js';
import { checkBudget } from './budget.js';
import {
  type Candidate,
  conditionsOn,
  type Dimension,
  type DimensionInput,
  type PrincipalInfo,
  unique,
} from './candidates.js';
import { closeStates, compileGlob, type Glob, globMatches, readInto } from './glob.js';
import { FRESH_ORG, freshAccount, freshValue, ORG_DOMAIN, orgIdVariants } from './id-shapes.js';
import { servicePrincipalCandidates } from './service-principals.js';
import { type Exactness, noteExactness, stringCells } from './string-cells.js';

const FRESH_ROLE = 'example-role';

export function principalDimension(input: DimensionInput): Dimension {
  const exactness: Exactness = { exact: true, reasons: [] };
  const arnGlobs = principalArnGlobs(input);
  const accounts = accountCells(
    input,
    // The accounts a service principal may act for are principal candidates too.
    new Set([
      'aws:principalaccount',
      'kms:calleraccount',
      'aws:principalarn',
      'aws:sourceaccount',
      'aws:sourceowner',
      'aws:sourcearn',
    ]),
    arnGlobs,
  );
  noteExactness(exactness, accounts, 'account values');
  const orgs = organizationCandidates(input, exactness);
  const candidates: Candidate[] = iamPrincipalCandidates(
    input,
    accounts.values,
    orgs,
    organizationPaths(input, exactness),
    principalArns(input, arnGlobs, exactness),
  );
  candidates.push(...servicePrincipalCandidates(input, accounts.values, exactness));
  candidates.push(...federatedPrincipalCandidates(input, accounts.values));

  const { exact, reasons } = exactness;
  return {
    name: 'principal',
    candidates,
    exact,
    ...(exact
      ? {}
      : { inexactReason: `too many wildcard patterns to enumerate ${unique(reasons).join(', ')} exactly` }),
  };
}

/**
 * Every pattern that tests a principal ARN, each compiled as its own operator reads it: a
 * Principal entry is a literal, a StringLike condition a plain wildcard pattern, an ArnLike
 * condition and the exempt ARNs of SPEC §2 match ARN part by part.
 */
function principalArnGlobs(input: DimensionInput): Glob[] {
  const literalArn = (p: string) =>
    compileGlob({ pattern: p, wildcards: false, ignoreCase: false, arn: false });
  return [
    ...input.statements.flatMap((s) => s.principal.aws.filter((a) => a.startsWith('arn:')).map(literalArn)),
    ...conditionsOn(input, (k) => k === 'aws:principalarn').flatMap((c) => c.globs),
    ...(input.requestClass.exempt?.principalArns ?? []).map((p) =>
      compileGlob({ pattern: p, wildcards: true, ignoreCase: false, arn: true }),
    ),
  ];
}

interface OrganizationCandidates {
  /** Absent (undefined) first, then the organizations to try. */
  values: (string | undefined)[];
  /** Whether a condition tests organizations. */
  mentioned: boolean;
}

/**
 * Organizations: absent (account in no organization), trusted ones, and the policy's cells (one
 * group per condition entry, the trusted organizations one more).
 */
function organizationCandidates(input: DimensionInput, exactness: Exactness): OrganizationCandidates {
  const { trust } = input;
  const orgConds = conditionsOn(input, (k) => k === 'aws:principalorgid' || k === 'aws:principalorgpaths');
  const orgGlobs: Glob[] = [];
  const orgGroups: number[] = [];
  orgConds.forEach((c, i) => {
    for (const g of c.globs) {
      orgGroups.push(i);
      if (c.entry.keyLower === 'aws:principalorgpaths') {
        const first = g.spec.pattern.split('/')[0] ?? '';
        orgGlobs.push(compileGlob({ ...g.spec, pattern: first }));
      } else orgGlobs.push(g);
    }
  });
  for (const o of trust.organizationIds) {
    orgGlobs.push(compileGlob({ pattern: o, wildcards: false, ignoreCase: false, arn: false }));
    orgGroups.push(orgConds.length);
  }
  const orgCells = orgConds.length
    ? stringCells(orgGlobs, ORG_DOMAIN, (t) => freshValue(FRESH_ORG, t), {
        groupOf: orgGroups,
        prefer: [...trust.organizationIds],
        realify: orgIdVariants,
        keepLiterals: (l) => l.startsWith('o-'),
      })
    : { values: [...trust.organizationIds.slice(0, 1), FRESH_ORG], exact: true };
  noteExactness(exactness, orgCells, 'organization ids');
  return {
    values: [undefined, ...unique([...trust.organizationIds.slice(0, 1), ...orgCells.values])],
    mentioned: orgConds.length > 0,
  };
}

/** The organization paths to try for an organization: one per cell of the aws:PrincipalOrgPaths patterns. */
function organizationPaths(input: DimensionInput, exactness: Exactness): (org: string) => string[] {
  const pathConds = conditionsOn(input, (k) => k === 'aws:principalorgpaths');
  const pathGlobs = pathConds.flatMap((c) => c.globs);
  const pathGroups = pathConds.flatMap((c, i) => c.globs.map(() => i));
  return (org: string): string[] => {
    if (pathGlobs.length === 0) return [`${org}/r-ab12/`];
    const c = stringCells(
      pathGlobs,
      compileGlob({ pattern: `${org}/*`, wildcards: true, ignoreCase: false, arn: false }),
      (t) => freshValue(`${org}/r-ab12/ou-ab12-examples/`, t),
      { groupOf: pathGroups },
    );
    noteExactness(exactness, c, 'organization paths');
    return c.values;
  };
}

/** The principal ARNs to try in an account: its root, a cell of roles and users each, its listed sessions. */
function principalArns(
  input: DimensionInput,
  arnGlobs: Glob[],
  exactness: Exactness,
): (acct: string) => string[] {
  const sessionEntries = input.statements.flatMap((s) =>
    s.principal.aws.filter((a) => a.startsWith('arn:aws:sts::')),
  );
  // Accounts the patterns cannot tell apart share their cells: two accounts whose relevant
  // patterns are the same and stand in the same automaton states after `arn:aws:iam::<acct>:<kind>/`
  // cut the rest of the ARN alike, so one account's representatives, re-prefixed, are the other's.
  // (Hundreds of account cells with the same `arn:aws:iam::*:role/...` patterns enumerated once.)
  const shared = new Map<string, { values: string[]; exact: boolean; prefix: string }>();
  return (acct: string): string[] => {
    const out = [`arn:aws:iam::${acct}:root`];
    for (const kind of ['role', 'user'] as const) {
      const prefix = `arn:aws:iam::${acct}:${kind}/`;
      const domain = compileGlob({ pattern: `${prefix}*`, wildcards: true, ignoreCase: false, arn: true });
      const relevant = arnGlobs.filter((g) => cellsMayIntersect(g, domain));
      if (relevant.length === 0) {
        if (kind === 'role') out.push(`arn:aws:iam::${acct}:role/${FRESH_ROLE}`);
        continue;
      }
      const classKey = `${kind}\u0000${relevant.map((g) => `${g.key}\u0001${readInto(g, closeStates(g, [0]), prefix).join(',')}`).join('\u0000')}`;
      let c = shared.get(classKey);
      if (c) {
        const from = c.prefix;
        c = { ...c, values: c.values.map((v) => prefix + v.slice(from.length)), prefix };
      } else {
        const cells = stringCells(relevant, domain, (t) =>
          freshValue(`arn:aws:iam::${acct}:${kind}/${kind === 'role' ? FRESH_ROLE : 'example-user'}`, t),
        );
        c = { values: cells.values.map((v) => named(v, relevant)), exact: cells.exact, prefix };
        shared.set(classKey, c);
      }
      noteExactness(exactness, c, 'principal ARNs');
      out.push(...c.values);
    }
    out.push(...sessionEntries.filter((s) => s.split(':')[4] === acct));
    return unique(out);
  };
}

/**
 * A cell's shortest member can end in a path with no name (`role/aws-service-role/` for
 * `role/aws-service-role/*`), which no principal has: name it when the named ARN is in exactly the
 * same patterns (the same cell), so the witness is a principal that can exist.
 */
function named(arn: string, globs: readonly Glob[]): string {
  if (!arn.endsWith('/')) return arn;
  const candidate = `${arn}${FRESH_ROLE}`;
  return globs.every((g) => globMatches(g, arn) === globMatches(g, candidate)) ? candidate : arn;
}

/** IAM principals: every account crossed with its organizations, their paths and the account's ARNs. */
function iamPrincipalCandidates(
  input: DimensionInput,
  accounts: string[],
  orgs: OrganizationCandidates,
  pathsFor: (org: string) => string[],
  arnsFor: (acct: string) => string[],
): Candidate[] {
  const { trust } = input;
  const kinds = new Map<string, PrincipalInfo['kind']>();
  const kindOf = (arn: string) => {
    let k = kinds.get(arn);
    if (k === undefined) {
      k = principalKind(arn);
      kinds.set(arn, k);
    }
    return k;
  };
  // Organization ids are lower case (`^o-[a-z0-9]{10,32}$`, Organizations API reference), so a
  // candidate that differs from a trusted id only in case (from a ...IgnoreCase literal) stands for
  // no real organization but that one: it must not become an "external" witness.
  const isTrustedOrg = (o: string | undefined) =>
    o !== undefined && trust.organizationIds.includes(o.toLowerCase());
  const candidates: Candidate[] = [];
  const orgKeysMatter = orgs.mentioned || input.requestClass.principals !== 'any';
  for (const acct of accounts) {
    const arns = arnsFor(acct);
    for (const org of orgKeysMatter ? orgs.values : [undefined]) {
      const paths = org === undefined ? [undefined] : pathsFor(org);
      for (const path of paths) {
        for (const arn of arns) {
          checkBudget();
          const kind = kindOf(arn);
          const trusted = isTrustedAccount(trust, acct) || isTrustedOrg(org);
          candidates.push(iamPrincipalCandidate(acct, org, path, arn, kind, trusted));
        }
      }
    }
  }
  return candidates;
}

function iamPrincipalCandidate(
  acct: string,
  org: string | undefined,
  path: string | undefined,
  arn: string,
  kind: PrincipalInfo['kind'],
  trusted: boolean,
): Candidate {
  const roleArn = kind === 'session' ? sessionRoleArn(arn) : arn;
  const values: Record<string, string | string[]> = {
    'aws:principalaccount': acct,
    'kms:calleraccount': acct,
    'aws:principalarn': roleArn,
    'aws:principalisawsservice': 'false',
    'aws:principaltype': kind === 'root' ? 'Account' : kind === 'user' ? 'User' : 'AssumedRole',
  };
  if (org !== undefined) values['aws:principalorgid'] = org;
  if (path !== undefined) values['aws:principalorgpaths'] = [path];
  return {
    values,
    principal: { AWS: arn },
    principalInfo: {
      kind,
      account: acct,
      external: !trusted,
      trusted,
      arn: roleArn,
      ...(org ? { orgId: org } : {}),
    },
  };
}

function federatedPrincipalCandidates(input: DimensionInput, accounts: string[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const provider of unique(input.statements.flatMap((s) => s.principal.federated))) {
    const acct = arnAccountPart(provider) || freshAccount((v) => accounts.includes(v));
    const trusted = isTrustedAccount(input.trust, acct);
    candidates.push({
      values: { 'aws:principalisawsservice': 'false' },
      principal: { Federated: provider },
      principalInfo: { kind: 'federated', account: acct, external: !trusted, trusted },
    });
  }
  return candidates;
}

/** Cheap over-approximation: could the two patterns share a string? (Literal prefixes agree.) */
function cellsMayIntersect(a: Glob, b: Glob): boolean {
  for (let i = 0; ; i++) {
    const x = a.tokens[i];
    const y = b.tokens[i];
    if (!x || !y) return !x === !y || x?.t === 'star' || y?.t === 'star';
    if (x.t !== 'c' || y.t !== 'c') return true;
    if (x.ch.toLowerCase() !== y.ch.toLowerCase()) return false;
  }
}

export function principalKind(arn: string): PrincipalInfo['kind'] {
  if (/^arn:[^:]+:sts::\d{12}:assumed-role\//.test(arn)) return 'session';
  if (/^arn:[^:]+:iam::\d{12}:root$/.test(arn)) return 'root';
  if (/^arn:[^:]+:iam::\d{12}:user\//.test(arn)) return 'user';
  return 'role';
}

/** `arn:aws:sts::A:assumed-role/R/s` → `arn:aws:iam::A:role/R` (aws:PrincipalArn of a session). */
export function sessionRoleArn(arn: string): string {
  const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : arn;
}
