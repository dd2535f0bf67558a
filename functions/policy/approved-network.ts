import { compileGlob, globMatches } from './glob.js';
import type { ApprovedNetworks } from './request-model.js';

/**
 * Whether a request through a VPC endpoint, given its network keys (lower-cased), comes through a
 * network the configuration approves: its endpoint, its VPC, its owner account, its owner's
 * organization, an organization path under an approved one (StringLike, as IAM reads
 * aws:VpceOrgPaths patterns) or its VPC ARN (ArnLike, part by part). Any one suffices.
 */
export function isApprovedEndpoint(
  values: Record<string, string | string[]>,
  net: ApprovedNetworks,
): boolean {
  const one = (k: string) => {
    const v = values[k];
    return typeof v === 'string' ? v : undefined;
  };
  const vpce = one('aws:sourcevpce');
  const vpc = one('aws:sourcevpc');
  const account = one('aws:vpceaccount');
  const org = one('aws:vpceorgid');
  const vpcArn = one('aws:sourcevpcarn');
  if (vpce !== undefined && net.vpceIds.includes(vpce)) return true;
  if (vpc !== undefined && net.vpcIds.includes(vpc)) return true;
  if (account !== undefined && (net.vpceAccounts ?? []).includes(account)) return true;
  // Organization ids are lower case (Organizations API reference, Organization.Id): a candidate that
  // differs only in case (a ...IgnoreCase literal) stands for that organization.
  if (org !== undefined && (net.vpceOrgIds ?? []).includes(org.toLowerCase())) return true;
  const paths = values['aws:vpceorgpaths'];
  if (Array.isArray(paths) && paths.some((p) => (net.vpceOrgPaths ?? []).some((pat) => like(pat, p, false))))
    return true;
  return vpcArn !== undefined && (net.vpcArns ?? []).some((pat) => like(pat, vpcArn, true));
}

function like(pattern: string, value: string, arn: boolean): boolean {
  return globMatches(compileGlob({ pattern, wildcards: true, ignoreCase: false, arn }), value);
}
