import { type Candidate, conditionsOn, type Dimension, type DimensionInput, unique } from './candidates.js';
import { compileGlob, digitsGlob, isUniversal, type Observer } from './glob.js';
import { signatureOf } from './glob-cells.js';
import {
  DOC_KEY_ID,
  FRESH_ACCOUNT,
  freshAccount,
  KEY_ID_DOMAIN,
  keyIdVariants,
  SECOND_FRESH_ACCOUNT,
} from './id-shapes.js';
import { COMMERCIAL_REGIONS, PREFERRED_REGIONS } from './regions.js';
import { stringCells } from './string-cells.js';

/**
 * Candidate resources: concrete key ARNs `arn:aws:kms:<region>:<account>:key/<key id>`, one per
 * combination that the policy's Resource patterns and aws:ResourceAccount conditions tell apart,
 * enumerated part by part (a real region; an account, split by what the patterns read after the
 * region; a key id of AWS's shape), so `arn:aws:kms:*:*:key/*` covers every candidate and a witness
 * never names "*" or a prefix. aws:ResourceAccount is the ARN's account.
 */
export function resourceDimension(input: DimensionInput): Dimension {
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
