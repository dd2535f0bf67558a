import { checkBudget } from './budget.js';
import type { CompiledCondition } from './condition-ops.js';
import {
  compileGlob,
  digitsGlob,
  type Glob,
  globMatches,
  isUniversal,
  type Observer,
  shapeGlob,
} from './glob.js';
import { cellRepresentatives, signatureOf } from './glob-cells.js';
import { ipRepresentatives } from './ip.js';
import { COMMERCIAL_REGIONS, PREFERRED_REGIONS } from './regions.js';
import {
  ALWAYS_PRESENT_BOOLEAN_KEYS,
  MULTIVALUED_KEYS,
  NETWORK_KEYS,
  PRINCIPAL_KEYS,
  RESOURCE_KEYS,
  type RequestClass,
  type Trust,
  VIA_KEYS,
} from './request-model.js';
import type { RequestPrincipal, Statement } from './types.js';

/**
 * Candidate values per dimension of the request. A dimension is a group of request attributes that
 * are coupled (who the principal is; the network path) or one free attribute (the action, the
 * resource, one other condition key). Within a dimension the candidates cover every cell of the
 * partition that the policy's patterns induce, so searching them is exact; `exact` is false where a
 * bound was hit.
 */
export interface Candidate {
  /** Context values by lower-cased key; absent keys are missing. */
  values: Record<string, string | string[]>;
  principal?: RequestPrincipal;
  principalInfo?: PrincipalInfo;
  /** Memo key of `principal` (set lazily by the analyzer). */
  principalKey?: string;
  action?: string;
  resource?: string;
  network?: 'public' | 'vpce';
}

export interface PrincipalInfo {
  kind: 'root' | 'user' | 'role' | 'session' | 'service' | 'federated';
  /** The principal's own account (IAM), or the account a service acts for. */
  account?: string;
  orgId?: string;
  external: boolean;
  /** Whether the principal counts as trusted (its account or organization is trusted). */
  trusted: boolean;
  /** Role ARN for sessions, principal ARN otherwise. */
  arn?: string;
}

export interface Dimension {
  name: string;
  candidates: Candidate[];
  exact: boolean;
  /** Why the dimension is not exact. */
  inexactReason?: string;
}

export interface DimensionInput {
  statements: Statement[];
  conditions: Map<Statement, CompiledCondition[]>;
  requestClass: RequestClass;
  trust: Trust;
}

const FRESH_ACCOUNT = '444455556666';
const SECOND_FRESH_ACCOUNT = '777788889999';
const FRESH_ORG = 'o-exampleorg1';
const FRESH_ROLE = 'example-role';
const FRESH_SERVICE = 'example-service.amazonaws.com';

// ------------------------------------------------------------------------------------- id shapes
// Witnesses name ids that can exist: endpoint and VPC ids are the prefix and 17 lowercase hex
// digits, organization ids `o-` and 10 to 32 lowercase letters or digits (Organizations API
// reference, Organization.Id), key ids UUIDs (KMS concepts, "Key ID"). The domains accept any
// value with the prefix, so a policy's own literal (even a placeholder such as vpce-0unknown) is
// still a request it may match; the values the analyzer makes up are given AWS's shapes.
const glob = (pattern: string, arn = false) =>
  compileGlob({ pattern, wildcards: true, ignoreCase: false, arn });
const VPCE_DOMAIN = shapeGlob(['vpce-', { cls: 'hex', count: 8, more: true }]);
const VPC_DOMAIN = shapeGlob(['vpc-', { cls: 'hex', count: 8, more: true }]);
const ORG_DOMAIN = shapeGlob(['o-', { cls: 'alnum', count: 10, more: true }]);
/** A key id: one or more characters, no colon (ARN semantics keep wildcards out of `:`). */
const KEY_ID_DOMAIN = glob('?*', true);
const FRESH_VPCE = 'vpce-0e5c1d2a3b4f60718';
const FRESH_VPC = 'vpc-0c4b3a29180f7e6d5';
/** The key id AWS's own documentation uses. */
const DOC_KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A key id of UUID shape in the same cell as `value`: the value written over the documentation's id. */
function keyIdVariants(value: string): string[] {
  if (UUID.test(value) || /^mrk-[0-9a-f]{32}$/.test(value)) return [];
  const over = (template: string, v: string) => v + template.slice(v.length);
  const under = (template: string, v: string) => template.slice(0, template.length - v.length) + v;
  return [over(DOC_KEY_ID, value), under(DOC_KEY_ID, value), DOC_KEY_ID].filter((v) => UUID.test(v));
}

/** An organization id shorter than 10 characters, padded. */
function orgIdVariants(value: string): string[] {
  if (/^o-[a-z0-9]{10,32}$/.test(value) || !value.startsWith('o-')) return [];
  const body = value.slice(2);
  if (!/^[a-z0-9]*$/.test(body) || body.length >= 10) return [];
  const pad = '0'.repeat(10 - body.length);
  return [`o-${body}${pad}`, `o-${pad}${body}`];
}

/** A hex id shorter than 17 digits, padded the ways that keep a pattern's prefix or suffix. */
function hexIdVariants(prefix: string): (value: string) => string[] {
  const full = new RegExp(`^${prefix}[0-9a-f]{17}$`);
  return (value) => {
    if (full.test(value) || !value.startsWith(prefix)) return [];
    const digits = value.slice(prefix.length);
    if (digits.length >= 17) return [];
    const pad = '0'.repeat(17 - digits.length);
    return [
      `${prefix}${digits}${pad}`,
      `${prefix}${pad}${digits}`,
      `${prefix}${digits.slice(0, 1)}${pad}${digits.slice(1)}`,
    ];
  };
}

function freshHexId(base: string): (taken: (v: string) => boolean) => string {
  return (taken) => {
    if (!taken(base)) return base;
    for (let i = 1; i < 64; i++) {
      const v = base.slice(0, -2) + i.toString(16).padStart(2, '0');
      if (!taken(v)) return v;
    }
    return base;
  };
}

export function dimensionOf(keyLower: string): string {
  if (PRINCIPAL_KEYS.has(keyLower)) return 'principal';
  if (NETWORK_KEYS.has(keyLower)) return 'network';
  if (RESOURCE_KEYS.has(keyLower)) return 'resource';
  if (VIA_KEYS.has(keyLower)) return 'via';
  return `key:${keyLower}`;
}

function conditionsOn(input: DimensionInput, keys: (k: string) => boolean): CompiledCondition[] {
  const out: CompiledCondition[] = [];
  for (const list of input.conditions.values()) for (const c of list) if (keys(c.entry.keyLower)) out.push(c);
  return out;
}

function unique<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}

function isWildcardFree(globs: Glob[]): boolean {
  return globs.every((g) => g.tokens.every((t) => t.t === 'c'));
}

/**
 * A readable value outside every pattern: `base`, or `base` with a suffix. Gives `base` itself
 * when wildcards cover every try; callers that need "matches none" only use it when the cell
 * enumeration says such a cell exists.
 */
function freshValue(base: string, taken: (v: string) => boolean): string {
  if (!taken(base)) return base;
  for (let i = 1; i <= 64; i++) {
    const v = `${base}${i}`;
    if (!taken(v)) return v;
  }
  return base;
}

function freshAccount(taken: (v: string) => boolean): string {
  let n = BigInt(FRESH_ACCOUNT);
  for (let i = 0; i < 64 && taken(n.toString().padStart(12, '0')); i++)
    n = (n + 1_000_001n) % 1_000_000_000_000n;
  return n.toString().padStart(12, '0');
}

interface CellSet {
  values: string[];
  exact: boolean;
}

interface CellQuery {
  /** `groupOf[i]`: the condition entry (group) of `globs[i]`; the values of an entry are ORed. */
  groupOf?: number[];
  observers?: Observer[];
  /** Values to show instead of the enumeration's own when they stand for the same cell (readable, trusted). */
  prefer?: string[];
  /**
   * Ids have AWS's shapes (vpce- and 17 hex digits, ...), the enumeration finds shortest strings:
   * `realify(v)` proposes values of the proper shape, the first in the same cell replaces `v`.
   */
  realify?: (value: string) => string[];
  /**
   * Also keep the policy's own literals that lie outside `domain` (a placeholder such as
   * vpce-0unknown99999 is the one value its condition matches; each literal is a cell of its own).
   */
  keepLiterals?: (literal: string) => boolean;
}

/**
 * Representatives for one string attribute given the globs that test it: one value per cell (per
 * combination of groups matched, and of observer states), readable where a preferred value
 * stands for the cell.
 */
function stringCells(
  globs: Glob[],
  domain: Glob | undefined,
  fresh: (taken: (v: string) => boolean) => string,
  query: CellQuery = {},
): CellSet {
  const options = {
    ...(query.groupOf ? { groupOf: query.groupOf } : {}),
    ...(query.observers ? { observers: query.observers } : {}),
  };
  const matchesAny = (v: string) => globs.some((g) => globMatches(g, v));
  const inDomain = (v: string) => !domain || globMatches(domain, v);
  const readable = fresh(matchesAny);
  const prefer = [...(query.prefer ?? []), readable].filter(inDomain);
  let values: string[];
  let exact = true;
  let sigOf = (v: string) => signatureOf(globs, v, options);
  if (isWildcardFree(globs) && globs.every((g) => !g.spec.ignoreCase) && !query.observers?.length) {
    // Literals only: each literal is a cell of its own groups, the fresh value the cell of none.
    values = [...unique(globs.map((g) => g.spec.pattern)).filter(inDomain), readable];
    const groupsOf = new Map<string, number[]>();
    globs.forEach((g, i) => {
      const list = groupsOf.get(g.spec.pattern) ?? [];
      list.push(query.groupOf ? query.groupOf[i]! : i);
      groupsOf.set(g.spec.pattern, list);
    });
    sigOf = (v) => [...new Set(groupsOf.get(v) ?? [])].sort((a, b) => a - b).join(',');
  } else {
    const cells = cellRepresentatives(globs, domain, options);
    values = cells.values.filter((v) => v !== '' || !domain);
    exact = cells.exact;
  }
  // One value per cell, preferred values first (a preferred value only stands in for a cell the
  // enumeration found), then values given AWS's shape where one in the same cell exists.
  const found = new Set(values.map(sigOf));
  const bySignature = new Map<string, string>();
  for (const v of [...prefer, ...values]) {
    checkBudget();
    const sig = sigOf(v);
    if (!found.has(sig) || bySignature.has(sig)) continue;
    const shaped = query.realify?.(v).find((r) => inDomain(r) && sigOf(r) === sig);
    bySignature.set(sig, shaped ?? v);
  }
  const out = [...bySignature.values()];
  if (query.keepLiterals) {
    for (const g of globs) {
      const l = g.literal !== undefined && !g.spec.ignoreCase ? g.literal : undefined;
      if (l !== undefined && !inDomain(l) && query.keepLiterals(l) && !out.includes(l)) out.push(l);
    }
  }
  return { values: out, exact };
}

/** The account component of an ARN-like pattern (`arn:aws:iam::<acct>:...`), if it has one. */
function arnAccountPart(pattern: string): string | undefined {
  const parts = pattern.split(':');
  return parts.length >= 6 ? parts[4] : undefined;
}

/**
 * Candidate accounts: one per class of accounts that every account test of the policy treats alike.
 * The tests are the trusted accounts, each condition entry on `keys`, each Principal element's
 * account entries, the accounts of session and federated principals, and (as observers) every
 * principal-ARN pattern read over `arn:aws:iam::<account>:` — so an ARN pattern that does not
 * start with `arn:` (`*3:role/deploy*`) still splits the accounts it depends on.
 */
function accountCells(input: DimensionInput, keys: Set<string>, arnObservers: Glob[]): CellSet {
  const globs: Glob[] = [];
  const groupOf: number[] = [];
  let group = 0;
  const literal = (value: string) =>
    compileGlob({ pattern: value, wildcards: false, ignoreCase: false, arn: false });
  const addGroup = (gs: Glob[]) => {
    if (gs.length === 0) return;
    for (const g of gs) {
      globs.push(g);
      groupOf.push(group);
    }
    group++;
  };
  addGroup(input.trust.accounts.map(literal));
  for (const c of conditionsOn(input, (k) => keys.has(k))) {
    const gs: Glob[] = [];
    for (const g of c.globs) {
      if (c.entry.keyLower.endsWith('arn')) {
        const acct = arnAccountPart(g.spec.pattern);
        if (acct !== undefined) gs.push(compileGlob({ ...g.spec, pattern: acct, arn: false }));
      } else gs.push(g);
    }
    addGroup(gs);
  }
  if (keys.has('aws:principalaccount')) {
    for (const s of input.statements) {
      const roots = s.principal.aws.flatMap((a) => {
        const m = /^arn:[^:]+:iam::(\d{12}):root$/.exec(a);
        return m ? [literal(m[1]!)] : [];
      });
      addGroup(roots);
      for (const a of s.principal.aws) {
        const m = /^arn:[^:]+:sts::(\d{12}):/.exec(a);
        if (m) addGroup([literal(m[1]!)]);
      }
      for (const f of s.principal.federated) {
        const acct = arnAccountPart(f);
        if (acct && /^\d{12}$/.test(acct)) addGroup([literal(acct)]);
      }
    }
  }
  // A literal ARN names one account: a group of its own (cheaper than an observer). A root ARN
  // needs none: the account it names is in its statement's group of roots (above) or in its
  // condition's group, so 1,600 accounts listed in a Principal stay one class, not 1,600.
  const observers: Observer[] = [];
  for (const glob of arnObservers) {
    const m =
      glob.literal !== undefined && !glob.spec.ignoreCase
        ? /^arn:[^:]+:iam::(\d{12}):(.*)$/.exec(glob.literal)
        : null;
    if (m && m[2] === 'root') continue;
    if (m) addGroup([literal(m[1]!)]);
    else observers.push({ glob, before: 'arn:aws:iam::', after: ':' });
  }
  const cells = stringCells(globs, digitsGlob(12), freshAccount, {
    groupOf,
    observers,
    prefer: [...input.trust.accounts, FRESH_ACCOUNT, SECOND_FRESH_ACCOUNT],
  });
  return cells;
}

export function buildDimensions(input: DimensionInput): Map<string, Dimension> {
  const dims = new Map<string, Dimension>();
  dims.set('principal', principalDimension(input));
  dims.set('network', networkDimension(input));
  dims.set('action', {
    name: 'action',
    exact: true,
    candidates: input.requestClass.actions.map((action) => ({ values: {}, action })),
  });
  dims.set('resource', resourceDimension(input));
  const otherKeys = new Set<string>();
  for (const list of input.conditions.values()) {
    for (const c of list)
      if (dimensionOf(c.entry.keyLower).startsWith('key:')) otherKeys.add(c.entry.keyLower);
  }
  for (const key of otherKeys) dims.set(`key:${key}`, keyDimension(input, key));
  const viaMentioned = [...input.conditions.values()].some((list) =>
    list.some((c) => VIA_KEYS.has(c.entry.keyLower)),
  );
  if (viaMentioned || input.requestClass.exempt?.awsServiceCalls) dims.set('via', viaDimension(input));
  return dims;
}

/**
 * A direct call (aws:ViaAWSService false, no kms:ViaService, no aws:CalledVia), or a call an AWS
 * service makes for the principal (true, with kms:ViaService and aws:CalledVia present), the values
 * of the present keys enumerated like any other key's.
 */
function viaDimension(input: DimensionInput): Dimension {
  let exact = true;
  const present = (key: string): (string | string[])[] => {
    const mentioned = conditionsOn(input, (k) => k === key).length > 0;
    if (!mentioned) return key === 'kms:viaservice' ? ['ec2.us-east-1.amazonaws.com'] : [];
    const d = keyDimension(input, key);
    exact &&= d.exact;
    return d.candidates.flatMap((c) => (Object.hasOwn(c.values, key) ? [c.values[key]!] : []));
  };
  const keys = ['kms:viaservice', 'aws:calledvia', 'aws:calledviafirst', 'aws:calledvialast'];
  let combos: Record<string, string | string[]>[] = [{ 'aws:viaawsservice': 'true' }];
  for (const key of keys) {
    const values = present(key);
    if (values.length === 0) continue;
    combos = combos.flatMap((combo) => values.map((v) => ({ ...combo, [key]: v })));
  }
  return {
    name: 'via',
    exact,
    candidates: [{ values: { 'aws:viaawsservice': 'false' } }, ...combos.map((values) => ({ values }))],
    ...(exact
      ? {}
      : { inexactReason: 'too many values on kms:ViaService or aws:CalledVia to enumerate exactly' }),
  };
}

function principalDimension(input: DimensionInput): Dimension {
  const { trust, statements } = input;
  const cls = input.requestClass;
  let exact = true;
  const reasons: string[] = [];
  const note = (c: CellSet, what: string) => {
    if (!c.exact) {
      exact = false;
      reasons.push(what);
    }
  };

  // Every pattern that tests a principal ARN, each compiled as its own operator reads it: a
  // Principal entry is a literal, a StringLike condition a plain wildcard pattern, an ArnLike
  // condition and the exempt ARNs of SPEC §2 match ARN part by part.
  const literalArn = (p: string) =>
    compileGlob({ pattern: p, wildcards: false, ignoreCase: false, arn: false });
  const arnGlobs: Glob[] = [
    ...statements.flatMap((s) => s.principal.aws.filter((a) => a.startsWith('arn:')).map(literalArn)),
    ...conditionsOn(input, (k) => k === 'aws:principalarn').flatMap((c) => c.globs),
    ...(cls.exempt?.principalArns ?? []).map((p) =>
      compileGlob({ pattern: p, wildcards: true, ignoreCase: false, arn: true }),
    ),
  ];
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
  note(accounts, 'account values');

  // Organizations: absent (account in no organization), trusted ones, and the policy's cells (one
  // group per condition entry, the trusted organizations one more).
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
  note(orgCells, 'organization ids');
  const orgs: (string | undefined)[] = [
    undefined,
    ...unique([...trust.organizationIds.slice(0, 1), ...orgCells.values]),
  ];

  const pathConds = conditionsOn(input, (k) => k === 'aws:principalorgpaths');
  const pathGlobs = pathConds.flatMap((c) => c.globs);
  const pathGroups = pathConds.flatMap((c, i) => c.globs.map(() => i));
  const pathsFor = (org: string): string[] => {
    if (pathGlobs.length === 0) return [`${org}/r-ab12/`];
    const c = stringCells(
      pathGlobs,
      compileGlob({ pattern: `${org}/*`, wildcards: true, ignoreCase: false, arn: false }),
      (t) => freshValue(`${org}/r-ab12/ou-ab12-examples/`, t),
      { groupOf: pathGroups },
    );
    note(c, 'organization paths');
    return c.values;
  };

  const sessionEntries = statements.flatMap((s) =>
    s.principal.aws.filter((a) => a.startsWith('arn:aws:sts::')),
  );
  const arnsFor = (acct: string): string[] => {
    const out = [`arn:aws:iam::${acct}:root`];
    for (const kind of ['role', 'user'] as const) {
      const domain = compileGlob({
        pattern: `arn:aws:iam::${acct}:${kind}/*`,
        wildcards: true,
        ignoreCase: false,
        arn: true,
      });
      const relevant = arnGlobs.filter((g) => cellsMayIntersect(g, domain));
      if (relevant.length === 0) {
        if (kind === 'role') out.push(`arn:aws:iam::${acct}:role/${FRESH_ROLE}`);
        continue;
      }
      const c = stringCells(relevant, domain, (t) =>
        freshValue(`arn:aws:iam::${acct}:${kind}/${kind === 'role' ? FRESH_ROLE : 'example-user'}`, t),
      );
      note(c, 'principal ARNs');
      out.push(...c.values);
    }
    out.push(...sessionEntries.filter((s) => s.split(':')[4] === acct));
    return unique(out);
  };

  const kinds = new Map<string, PrincipalInfo['kind']>();
  const kindOf = (arn: string) => {
    let k = kinds.get(arn);
    if (k === undefined) {
      k = principalKind(arn);
      kinds.set(arn, k);
    }
    return k;
  };
  const isTrustedAccount = (a: string) => trust.accounts.includes(a);
  // Organization ids are lower case (`^o-[a-z0-9]{10,32}$`, Organizations API reference), so a
  // candidate that differs from a trusted id only in case (from a ...IgnoreCase literal) stands for
  // no real organization but that one: it must not become an "external" witness.
  const isTrustedOrg = (o: string | undefined) =>
    o !== undefined && trust.organizationIds.includes(o.toLowerCase());
  const candidates: Candidate[] = [];
  const orgKeysMatter = orgConds.length > 0 || cls.principals !== 'any';
  for (const acct of accounts.values) {
    const arns = arnsFor(acct);
    for (const org of orgKeysMatter ? orgs : [undefined]) {
      const paths = org === undefined ? [undefined] : pathsFor(org);
      for (const path of paths) {
        for (const arn of arns) {
          checkBudget();
          const kind = kindOf(arn);
          const roleArn = kind === 'session' ? sessionRoleArn(arn) : arn;
          const trusted = isTrustedAccount(acct) || isTrustedOrg(org);
          const values: Record<string, string | string[]> = {
            'aws:principalaccount': acct,
            'kms:calleraccount': acct,
            'aws:principalarn': roleArn,
            'aws:principalisawsservice': 'false',
            'aws:principaltype': kind === 'root' ? 'Account' : kind === 'user' ? 'User' : 'AssumedRole',
          };
          if (org !== undefined) values['aws:principalorgid'] = org;
          if (path !== undefined) values['aws:principalorgpaths'] = [path];
          candidates.push({
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
          });
        }
      }
    }
  }

  // Service principals act for an account named by aws:SourceAccount/SourceArn/SourceOwner, or for
  // a trusted account when the request names none (SPEC.md §2, as IAM Access Analyzer does).
  const services = unique([...statements.flatMap((s) => s.principal.service), FRESH_SERVICE]);
  const sourceConds = conditionsOn(
    input,
    (k) => k === 'aws:sourceaccount' || k === 'aws:sourceowner' || k === 'aws:sourcearn',
  );
  const named = new Set<string>();
  const sourceAccountGlobs: Glob[] = [];
  for (const c of sourceConds) {
    for (const g of c.globs) {
      const acct = c.entry.keyLower === 'aws:sourcearn' ? arnAccountPart(g.spec.pattern) : g.spec.pattern;
      if (acct !== undefined) sourceAccountGlobs.push(compileGlob({ ...g.spec, pattern: acct, arn: false }));
    }
  }
  const widensSource = sourceConds.some((c) => c.entry.ifExists || c.entry.base.includes('Not'));
  for (const a of accounts.values) {
    if (sourceAccountGlobs.some((g) => globMatches(g, a)) || (widensSource && !isTrustedAccount(a)))
      named.add(a);
  }
  const sourceAccounts: (string | undefined)[] = [undefined, ...trust.accounts.slice(0, 1), ...named];
  const sourceArnGlobs = conditionsOn(input, (k) => k === 'aws:sourcearn').flatMap((c) => c.globs);
  for (const service of services) {
    for (const sa of unique(sourceAccounts)) {
      const arns: (string | undefined)[] = [];
      if (sa === undefined) arns.push(undefined);
      else if (sourceArnGlobs.length === 0) arns.push(`arn:aws:logs:us-east-1:${sa}:log-group:example`);
      else {
        const domain = compileGlob({
          pattern: `arn:*:*:*:${sa}:*`,
          wildcards: true,
          ignoreCase: false,
          arn: true,
        });
        const c = stringCells(sourceArnGlobs, domain, (t) =>
          freshValue(`arn:aws:logs:us-east-1:${sa}:log-group:example`, t),
        );
        note(c, 'source ARNs');
        arns.push(...c.values);
      }
      for (const sourceArn of arns) {
        const values: Record<string, string | string[]> = {
          'aws:principalisawsservice': 'true',
          'aws:principalservicename': service,
        };
        if (sa !== undefined) {
          values['aws:sourceaccount'] = sa;
          values['aws:sourceowner'] = sa;
        }
        if (sourceArn !== undefined) values['aws:sourcearn'] = sourceArn;
        const external = sa !== undefined && !isTrustedAccount(sa);
        candidates.push({
          values,
          principal: { Service: service },
          principalInfo: { kind: 'service', external, trusted: !external, ...(sa ? { account: sa } : {}) },
        });
      }
    }
  }

  for (const provider of unique(statements.flatMap((s) => s.principal.federated))) {
    const acct = arnAccountPart(provider) || freshAccount((v) => accounts.values.includes(v));
    const trusted = isTrustedAccount(acct);
    candidates.push({
      values: { 'aws:principalisawsservice': 'false' },
      principal: { Federated: provider },
      principalInfo: { kind: 'federated', account: acct, external: !trusted, trusted },
    });
  }

  return {
    name: 'principal',
    candidates,
    exact,
    ...(exact
      ? {}
      : { inexactReason: `too many wildcard patterns to enumerate ${unique(reasons).join(', ')} exactly` }),
  };
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

function networkDimension(input: DimensionInput): Dimension {
  const cls = input.requestClass;
  const conds = (k: string) => conditionsOn(input, (x) => x === k);
  const mentioned = (k: string) => conds(k).length > 0;
  let exact = true;
  const literal = (v: string) => compileGlob({ pattern: v, wildcards: false, ignoreCase: false, arn: false });

  const ipCands = (key: string) => {
    const ranges = conds(key).flatMap((c) => c.ranges);
    return ranges.length ? ipRepresentatives(ranges) : ['203.0.113.10'];
  };
  const candidates: Candidate[] = [];
  if (cls.network.kind !== 'endpoint') {
    for (const ip of ipCands('aws:sourceip'))
      candidates.push({ values: { 'aws:sourceip': ip }, network: 'public' });
  }
  const cellsFor = (
    key: string,
    idPrefix: string,
    extra: readonly string[],
    domain: Glob,
    fresh: (taken: (v: string) => boolean) => string,
    realify?: (v: string) => string[],
  ): string[] => {
    const entries = conds(key);
    const globs = [...entries.flatMap((c) => c.globs), ...extra.map(literal)];
    const groupOf = [...entries.flatMap((c, i) => c.globs.map(() => i)), ...extra.map(() => entries.length)];
    const c = stringCells(globs, domain, fresh, {
      groupOf,
      prefer: [...extra],
      ...(realify ? { realify } : {}),
      keepLiterals: (l) => l.startsWith(idPrefix),
    });
    if (!c.exact) exact = false;
    return c.values;
  };
  const net = cls.network;
  const vpces =
    net.kind === 'endpoint' && net.vpceId
      ? [net.vpceId]
      : cellsFor(
          'aws:sourcevpce',
          'vpce-',
          net.kind === 'off-network' ? net.vpceIds : [],
          VPCE_DOMAIN,
          freshHexId(FRESH_VPCE),
          hexIdVariants('vpce-'),
        );
  const vpcs =
    net.kind === 'endpoint' && net.vpcId
      ? [net.vpcId]
      : cellsFor(
          'aws:sourcevpc',
          'vpc-',
          net.kind === 'off-network' ? net.vpcIds : [],
          VPC_DOMAIN,
          freshHexId(FRESH_VPC),
          hexIdVariants('vpc-'),
        );
  const vpceAccounts = mentioned('aws:vpceaccount')
    ? accountCells(input, new Set(['aws:vpceaccount']), []).values
    : [undefined];
  const vpceOrgs = mentioned('aws:vpceorgid')
    ? cellsFor(
        'aws:vpceorgid',
        'o-',
        [...input.trust.organizationIds],
        ORG_DOMAIN,
        (t) => freshValue(FRESH_ORG, t),
        orgIdVariants,
      )
    : [undefined];
  const vpcIps = mentioned('aws:vpcsourceip') ? ipCands('aws:vpcsourceip') : [undefined];
  for (const vpce of vpces)
    for (const vpc of vpcs)
      for (const acct of vpceAccounts)
        for (const org of vpceOrgs)
          for (const ip of vpcIps) {
            const values: Record<string, string | string[]> = {
              'aws:sourcevpce': vpce,
              'aws:sourcevpc': vpc,
            };
            if (acct !== undefined) values['aws:vpceaccount'] = acct;
            if (org !== undefined) values['aws:vpceorgid'] = org;
            if (ip !== undefined) values['aws:vpcsourceip'] = ip;
            candidates.push({ values, network: 'vpce' });
          }
  return {
    name: 'network',
    candidates,
    exact,
    ...(exact
      ? {}
      : { inexactReason: 'too many wildcard patterns on VPC endpoint keys to enumerate exactly' }),
  };
}

/**
 * Candidate resources: concrete key ARNs `arn:aws:kms:<region>:<account>:key/<key id>`, one per
 * combination that the policy's Resource patterns and aws:ResourceAccount conditions tell apart,
 * enumerated part by part (a real region; an account, split by what the patterns read after the
 * region; a key id of AWS's shape), so `arn:aws:kms:*:*:key/*` covers every candidate and a witness
 * never names "*" or a prefix. aws:ResourceAccount is the ARN's account.
 */
function resourceDimension(input: DimensionInput): Dimension {
  const cls = input.requestClass;
  const arnOf = /^arn:[^:]+:kms:([^:]*):(\d{12}):key\//;
  if (cls.resource.kind === 'key' && cls.resource.arn) {
    const account = arnOf.exec(cls.resource.arn)?.[2];
    return {
      name: 'resource',
      exact: true,
      candidates: [{ values: account ? { 'aws:resourceaccount': account } : {}, resource: cls.resource.arn }],
    };
  }
  let exact = true;
  const patterns = unique(input.statements.flatMap((s) => s.resource.patterns)).map((p) =>
    compileGlob({ pattern: p, wildcards: true, ignoreCase: false, arn: false }),
  );
  const observe = (before: string, after: string): Observer[] =>
    patterns.filter((g) => !isUniversal(g)).map((glob) => ({ glob, before, after }));
  // Regions: the partition's real ones, one per class the patterns tell apart.
  const regionClasses = new Map<string, string>();
  for (const region of [...PREFERRED_REGIONS, ...COMMERCIAL_REGIONS]) {
    const sig = signatureOf([], region, { observers: observe('arn:aws:kms:', ':') });
    if (!regionClasses.has(sig)) regionClasses.set(sig, region);
  }
  const literal = (v: string) => compileGlob({ pattern: v, wildcards: false, ignoreCase: false, arn: false });
  const accountConds = conditionsOn(input, (k) => k === 'aws:resourceaccount');
  const accountGlobs = [...accountConds.flatMap((c) => c.globs), ...input.trust.accounts.map(literal)];
  const accountGroups = [
    ...accountConds.flatMap((c, i) => c.globs.map(() => i)),
    ...input.trust.accounts.map(() => accountConds.length),
  ];
  const candidates: Candidate[] = [];
  for (const region of regionClasses.values()) {
    const accounts = stringCells(accountGlobs, digitsGlob(12), freshAccount, {
      groupOf: accountGroups,
      observers: observe(`arn:aws:kms:${region}:`, ':'),
      prefer: [...input.trust.accounts, FRESH_ACCOUNT, SECOND_FRESH_ACCOUNT],
    });
    exact &&= accounts.exact;
    for (const account of accounts.values) {
      const keys = stringCells([], KEY_ID_DOMAIN, () => DOC_KEY_ID, {
        observers: observe(`arn:aws:kms:${region}:${account}:key/`, ''),
        prefer: [DOC_KEY_ID],
        realify: keyIdVariants,
      });
      exact &&= keys.exact;
      for (const key of keys.values) {
        candidates.push({
          values: { 'aws:resourceaccount': account },
          resource: `arn:aws:kms:${region}:${account}:key/${key}`,
        });
      }
    }
  }
  return {
    name: 'resource',
    exact,
    candidates,
    ...(exact ? {} : { inexactReason: 'too many wildcard Resource patterns to enumerate exactly' }),
  };
}

/**
 * aws:CurrentTime and aws:EpochTime are in every request and hold the time the request is made:
 * now or later, never the past (SPEC §2 precision), so an Allow that expired is not access. Their
 * candidates are now and every instant the policy's bounds separate after it.
 */
function timeDimension(input: DimensionInput, key: string): Dimension {
  const conds = conditionsOn(input, (k) => k === key);
  const now = Date.now();
  const bounds = unique([
    ...conds.flatMap((c) => c.dates),
    ...conds.flatMap((c) => c.numbers.map((n) => n * 1000)),
  ])
    .filter((t) => t > now)
    .sort((a, b) => a - b);
  const instants = [now];
  bounds.forEach((t, i) => {
    instants.push(t);
    instants.push(i + 1 < bounds.length ? Math.floor((t + bounds[i + 1]!) / 2) : t + 1000);
  });
  const show = (t: number) =>
    key === 'aws:epochtime' ? String(Math.floor(t / 1000)) : new Date(t).toISOString();
  return {
    name: `key:${key}`,
    exact: true,
    candidates: unique(instants.map(show)).map((v) => ({ values: { [key]: v } })),
  };
}

function keyDimension(input: DimensionInput, key: string): Dimension {
  if (key === 'aws:currenttime' || key === 'aws:epochtime') return timeDimension(input, key);
  const conds = conditionsOn(input, (k) => k === key);
  const singles: string[] = [];
  let exact = true;
  const globs = conds.flatMap((c) => c.globs);
  if (globs.length) {
    const c = stringCells(globs, undefined, (t) => freshValue('example-value', t));
    exact &&= c.exact;
    singles.push(...c.values);
  }
  const numbers = unique(conds.flatMap((c) => c.numbers)).sort((a, b) => a - b);
  if (numbers.length) {
    // Below, above and between the policy's numbers. The step grows with the magnitude: 1e21 - 1
    // is 1e21 in floating point, and a candidate equal to the bound would hide every smaller value.
    const step = (n: number) => Math.max(1, Math.abs(n) * 1e-6);
    singles.push(
      String(numbers[0]! - step(numbers[0]!)),
      String(numbers[numbers.length - 1]! + step(numbers[numbers.length - 1]!)),
    );
    numbers.forEach((n, i) => {
      singles.push(String(n));
      const next = numbers[i + 1];
      if (next !== undefined) singles.push(String((n + next) / 2));
    });
  }
  const dates = unique(conds.flatMap((c) => c.dates)).sort((a, b) => a - b);
  if (dates.length) {
    const iso = (t: number) => new Date(t).toISOString();
    singles.push(iso(dates[0]! - 1000), iso(dates[dates.length - 1]! + 1000));
    dates.forEach((d, i) => {
      singles.push(iso(d));
      const next = dates[i + 1];
      if (next !== undefined) singles.push(iso(Math.floor((d + next) / 2)));
    });
  }
  const ranges = conds.flatMap((c) => c.ranges);
  if (ranges.length) singles.push(...ipRepresentatives(ranges));
  if (conds.some((c) => c.bools) || ALWAYS_PRESENT_BOOLEAN_KEYS.has(key)) singles.push('true', 'false');
  singles.push(...conds.flatMap((c) => c.literals));
  if (singles.length === 0) singles.push('example-value');
  // A witness reads best when it needs the fewest special circumstances: for an always-present
  // boolean such as aws:ViaAWSService, try the ordinary value ("false": a direct call) first.
  const values = ALWAYS_PRESENT_BOOLEAN_KEYS.has(key) ? unique(['false', ...singles]) : unique(singles);

  const candidates: Candidate[] = [];
  if (!ALWAYS_PRESENT_BOOLEAN_KEYS.has(key)) candidates.push({ values: {} });
  if (MULTIVALUED_KEYS.has(key)) {
    // A set value matters through which value cells it contains: all subsets when few.
    if (values.length <= 5) {
      for (let mask = 1; mask < 1 << values.length; mask++) {
        candidates.push({ values: { [key]: values.filter((_, i) => mask & (1 << i)) } });
      }
    } else {
      exact = false;
      for (const v of values) candidates.push({ values: { [key]: [v] } });
      candidates.push({ values: { [key]: values } });
    }
  } else {
    for (const v of values) candidates.push({ values: { [key]: v } });
  }
  return {
    name: `key:${key}`,
    candidates,
    exact,
    ...(exact
      ? {}
      : { inexactReason: `too many distinct values or patterns on ${key} to enumerate exactly` }),
  };
}

export function isArnMatch(pattern: string, value: string): boolean {
  return globMatches(compileGlob({ pattern, wildcards: true, ignoreCase: false, arn: true }), value);
}
