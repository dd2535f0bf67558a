import { conditionsOn, type DimensionInput } from './candidates.js';
import { compileGlob, digitsGlob, type Glob, type Observer } from './glob.js';
import { FRESH_ACCOUNT, freshAccount, SECOND_FRESH_ACCOUNT } from './id-shapes.js';
import type { Trust } from './request-model.js';
import { type CellSet, stringCells } from './string-cells.js';

export function isTrustedAccount(trust: Trust, a: string): boolean {
  return trust.accounts.includes(a);
}

/** The account component of an ARN-like pattern (`arn:aws:iam::<acct>:...`), if it has one. */
export function arnAccountPart(pattern: string): string | undefined {
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
export function accountCells(
  input: DimensionInput,
  keys: Set<string>,
  arnObservers: Glob[],
  /** Accounts the configuration names for these keys (network.vpceAccounts): one group more. */
  extra: readonly string[] = [],
): CellSet {
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
  addGroup(extra.map(literal));
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
    prefer: [...input.trust.accounts, ...extra, FRESH_ACCOUNT, SECOND_FRESH_ACCOUNT],
  });
  return cells;
}
