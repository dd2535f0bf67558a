import { arnAccountPart, isTrustedAccount } from './account-cells.js';
import { type Candidate, conditionsOn, type DimensionInput, unique } from './candidates.js';
import { compileGlob, type Glob, globMatches } from './glob.js';
import { freshValue } from './id-shapes.js';
import type { Trust } from './request-model.js';
import { type Exactness, noteExactness, stringCells } from './string-cells.js';

const FRESH_SERVICE = 'example-service.amazonaws.com';

/**
 * Service principals act for an account named by aws:SourceAccount/SourceArn/SourceOwner, or for
 * a trusted account when the request names none (SPEC.md §2, as IAM Access Analyzer does).
 */
export function servicePrincipalCandidates(
  input: DimensionInput,
  accounts: string[],
  exactness: Exactness,
): Candidate[] {
  const { trust, statements } = input;
  const services = unique([...statements.flatMap((s) => s.principal.service), FRESH_SERVICE]);
  const named = sourceAccountsNamed(input, accounts);
  const sourceAccounts: (string | undefined)[] = [undefined, ...trust.accounts.slice(0, 1), ...named];
  const sourceArnGlobs = conditionsOn(input, (k) => k === 'aws:sourcearn').flatMap((c) => c.globs);
  const candidates: Candidate[] = [];
  for (const service of services) {
    for (const sa of unique(sourceAccounts)) {
      const arns = sourceArnsFor(sa, sourceArnGlobs, exactness);
      for (const sourceArn of arns) candidates.push(servicePrincipalCandidate(trust, service, sa, sourceArn));
    }
  }
  return candidates;
}

/** The candidate accounts that the policy's source conditions name (or, widened, any untrusted one). */
function sourceAccountsNamed(input: DimensionInput, accounts: string[]): Set<string> {
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
  for (const a of accounts) {
    if (
      sourceAccountGlobs.some((g) => globMatches(g, a)) ||
      (widensSource && !isTrustedAccount(input.trust, a))
    )
      named.add(a);
  }
  return named;
}

/** The source ARNs to try for a source account: none without one, else one per cell of aws:SourceArn. */
function sourceArnsFor(
  sa: string | undefined,
  sourceArnGlobs: Glob[],
  exactness: Exactness,
): (string | undefined)[] {
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
    noteExactness(exactness, c, 'source ARNs');
    arns.push(...c.values);
  }
  return arns;
}

function servicePrincipalCandidate(
  trust: Trust,
  service: string,
  sa: string | undefined,
  sourceArn: string | undefined,
): Candidate {
  const values: Record<string, string | string[]> = {
    'aws:principalisawsservice': 'true',
    'aws:principalservicename': service,
  };
  if (sa !== undefined) {
    values['aws:sourceaccount'] = sa;
    values['aws:sourceowner'] = sa;
  }
  if (sourceArn !== undefined) values['aws:sourcearn'] = sourceArn;
  const external = sa !== undefined && !isTrustedAccount(trust, sa);
  return {
    values,
    principal: { Service: service },
    principalInfo: { kind: 'service', external, trusted: !external, ...(sa ? { account: sa } : {}) },
  };
}
