import type { Candidate } from './candidates.js';
import { principalKind, sessionRoleArn } from './principal-dimension.js';
import type { PrincipalElement } from './types.js';

/**
 * Principal element matching. An account entry (`arn:aws:iam::A:root`) stands for every principal
 * of account A; a role entry matches its sessions. NotPrincipal excludes a requester only when
 * every level of it is listed: account, then user or role, then session (IAM User Guide,
 * "NotPrincipal": AWS checks the account, then the role, then the assumed-role session).
 */
/**
 * Whether a statement's Principal/NotPrincipal covers a candidate depends only on the principal
 * (not on its organization or paths, which multiply the candidates): memoized per element.
 */
const principalMatchCache = new WeakMap<PrincipalElement, Map<string, boolean>>();

export function principalMatches(el: PrincipalElement, c: Candidate): boolean {
  let key = c.principalKey;
  if (key === undefined) {
    const p = c.principal!;
    key = 'Service' in p ? `S${p.Service}` : 'Federated' in p ? `F${p.Federated}` : `A${p.AWS}`;
    c.principalKey = key;
  }
  let cache = principalMatchCache.get(el);
  if (!cache) {
    cache = new Map();
    principalMatchCache.set(el, cache);
  }
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = principalMatchesUncached(el, c);
    cache.set(key, hit);
  }
  return hit;
}

function principalMatchesUncached(el: PrincipalElement, c: Candidate): boolean {
  const info = c.principalInfo!;
  const p = c.principal!;
  let listed: boolean;
  if ('Service' in p) listed = el.any || el.service.includes(p.Service);
  else if ('Federated' in p) listed = el.any || el.federated.includes(p.Federated);
  else {
    const root = `arn:aws:iam::${info.account}:root`;
    const acct = el.any || el.aws.includes(root);
    const arn = p.AWS;
    const kind = principalKind(arn);
    const roleArn = kind === 'session' ? sessionRoleArn(arn) : arn;
    const roleName = roleArn.split('/').pop();
    const selfListed =
      el.any ||
      el.aws.includes(arn) ||
      (kind === 'session' &&
        el.aws.some(
          (e) => e.startsWith(`arn:aws:iam::${info.account}:role/`) && e.split('/').pop() === roleName,
        ));
    if (!el.negated) return kind === 'root' ? acct : acct || selfListed;
    listed = kind === 'root' ? acct : acct && selfListed;
    return !listed;
  }
  return el.negated ? !listed : listed;
}
