import { ownGet } from './own.js';
import type { ConcreteRequest } from './types.js';

const arnAccount = (arn: string) => arn.split(':')[4] ?? '';

function ctx(w: ConcreteRequest, key: string): string | string[] | undefined {
  const k = Object.keys(w.context).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : ownGet(w.context, k);
}

/** Who made the request, in words: "principal in account 444455556666", "role arn:... (account ...)". */
function describePrincipal(w: ConcreteRequest): string {
  const p = w.principal;
  if ('Service' in p) {
    const acct = ctx(w, 'aws:SourceAccount');
    return `service ${p.Service}${acct ? ` acting for account ${acct}` : ''}`;
  }
  if ('Federated' in p) return `federated principal ${p.Federated}`;
  const arn = p.AWS;
  const acct = arnAccount(arn);
  if (/:root$/.test(arn)) return `principal in account ${acct}`;
  const kind = /:user\//.test(arn) ? 'user' : /:assumed-role\//.test(arn) ? 'role session' : 'role';
  return `${kind} ${arn} in account ${acct}`;
}

/** A request in words, without saying whether it is allowed: "principal in account ... calling kms:Decrypt on ... through VPC endpoint ...". */
export function describeRequest(w: ConcreteRequest): string {
  return describeWitness(w).replace(' can call ', ' calling ');
}

/**
 * One readable sentence for a witness request:
 * "principal in account 444455556666 can call kms:CreateGrant".
 */
export function describeWitness(w: ConcreteRequest): string {
  const parts = [`${describePrincipal(w)} can call ${w.action}`];
  if (w.resource !== '*') parts.push(`on ${w.resource}`);
  const org = ctx(w, 'aws:PrincipalOrgID');
  if (org && !('Service' in w.principal)) parts.push(`(organization ${org})`);
  const vpce = ctx(w, 'aws:SourceVpce');
  const ip = ctx(w, 'aws:SourceIp');
  if (vpce) parts.push(`through VPC endpoint ${vpce}`);
  else if (ip) parts.push(`from ${ip} without a VPC endpoint`);
  if (ctx(w, 'aws:ViaAWSService') === 'true') parts.push('via an AWS service');
  return parts.join(' ');
}
