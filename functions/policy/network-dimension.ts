import { accountCells } from './account-cells.js';
import { type Candidate, conditionsOn, type Dimension, type DimensionInput } from './candidates.js';
import { compileGlob, type Glob } from './glob.js';
import {
  FRESH_ORG,
  FRESH_VPC,
  FRESH_VPCE,
  freshHexId,
  freshValue,
  hexIdVariants,
  ORG_DOMAIN,
  orgIdVariants,
  VPC_DOMAIN,
  VPCE_DOMAIN,
} from './id-shapes.js';
import { ipRepresentatives } from './ip.js';
import { stringCells } from './string-cells.js';

export function networkDimension(input: DimensionInput): Dimension {
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
