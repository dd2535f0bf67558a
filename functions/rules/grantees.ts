/**
 * Who a grant's principals are. A grantee or retiring principal is an IAM principal ARN (an
 * account's root, a user, a role, an assumed-role or federated-user session) or an AWS service
 * principal (`rds.eu-west-1.amazonaws.com`): KMS CreateGrant, "GranteePrincipal" and
 * "RetiringPrincipal" (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html).
 */
import type { Trust } from '../policy/request-model.js';
import type { KeyGrant } from './reads.js';

type GrantPrincipal =
  | { kind: 'service'; service: string }
  | { kind: 'iam'; account: string; arn: string }
  | { kind: 'unknown'; value: string };

const IAM_ARN = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):[\w+=,.@/-]+$/;
const ACCOUNT_ID = /^\d{12}$/;
/** Service principal names end in the partition's DNS suffix (`amazonaws.com`, `amazonaws.com.cn`). */
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(?:\.cn)?$/;

/** The partition of a key ARN (`aws`, `aws-cn`, ...); `aws` when the key has no ARN (offline). */
export function keyPartition(keyArn: string | undefined): string {
  return keyArn?.split(':')[1] || 'aws';
}

/** Reads a principal as a grant lists it; `partition` spells the root ARN of a bare account id. */
function grantPrincipal(value: string, partition: string): GrantPrincipal {
  const iam = IAM_ARN.exec(value);
  if (iam?.[1]) return { kind: 'iam', account: iam[1], arn: value };
  if (ACCOUNT_ID.test(value))
    return { kind: 'iam', account: value, arn: `arn:${partition}:iam::${value}:root` };
  if (SERVICE_PRINCIPAL.test(value)) return { kind: 'service', service: value };
  return { kind: 'unknown', value };
}

type GrantRole = 'grantee' | 'retiring principal';

/** One principal of one grant that is outside the trust, or that the guard cannot place. */
export interface OutsidePrincipal {
  role: GrantRole;
  principal: string;
  /** `external`: an IAM principal of an untrusted account; `unplaced`: the guard cannot say whose. */
  kind: 'external' | 'unplaced';
  account?: string;
  /** Why it is unplaced (kind `unplaced`). */
  reason?: string;
}

/**
 * The principals of `grant` outside `trust`. Service principals are not external principals
 * (SPEC.md §2, as IAM Access Analyzer treats them). An IAM principal is external when its account
 * is not trusted; a grant carries no organization, so with trusted organizations configured an
 * untrusted account is `unplaced` (it may belong to one of them: only `trust.accounts` decides).
 * A grant listing without a grantee (a grant to a service principal made with
 * `GranteeServicePrincipal`, a field the listing may carry under another name) is unplaced too:
 * never called compliant because a field was missing.
 */
export function outsidePrincipals(
  grant: KeyGrant,
  trust: Trust,
  keyArn: string | undefined,
): OutsidePrincipal[] {
  const partition = keyPartition(keyArn);
  const out: OutsidePrincipal[] = [];
  const judge = (role: GrantRole, value: string | undefined) => {
    if (value === undefined) {
      if (role === 'grantee')
        out.push({
          role,
          principal: '(none listed)',
          kind: 'unplaced',
          reason: 'ListGrants named no grantee',
        });
      return;
    }
    const p = grantPrincipal(value, partition);
    if (p.kind === 'service') return;
    if (p.kind === 'unknown') {
      out.push({
        role,
        principal: value,
        kind: 'unplaced',
        reason: 'not an IAM principal ARN or service principal',
      });
      return;
    }
    if (trust.accounts.includes(p.account)) return;
    if (trust.organizationIds.length > 0) {
      out.push({
        role,
        principal: value,
        kind: 'unplaced',
        account: p.account,
        reason: `account ${p.account} is not in trust.accounts, and a grant does not say whether it belongs to ${trust.organizationIds.join(', ')}`,
      });
      return;
    }
    out.push({ role, principal: value, kind: 'external', account: p.account });
  };
  judge('grantee', grant.granteePrincipal);
  judge('retiring principal', grant.retiringPrincipal);
  return out;
}
