import { checkBudget } from './budget.js';
import { type Candidate, conditionsOn, type Dimension, type DimensionInput, unique } from './candidates.js';
import { endpointOwners, vpcIdGlobsFromArns } from './endpoint-owner.js';
import { compileGlob, type Glob } from './glob.js';
import { FRESH_VPC, FRESH_VPCE, freshHexId, hexIdVariants, VPC_DOMAIN, VPCE_DOMAIN } from './id-shapes.js';
import { ipRepresentatives } from './ip.js';
import { type Exactness, noteExactness, stringCells } from './string-cells.js';

export function networkDimension(input: DimensionInput): Dimension {
  const cls = input.requestClass;
  const conds = (k: string) => conditionsOn(input, (x) => x === k);
  const mentioned = (k: string) => conds(k).length > 0;
  const exactness: Exactness = { exact: true, reasons: [] };
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
    realify: (v: string) => string[],
    extraGlobs: Glob[] = [],
  ): string[] => {
    const entries = conds(key);
    const globs = [...entries.flatMap((c) => c.globs), ...extra.map(literal), ...extraGlobs];
    const groupOf = [
      ...entries.flatMap((c, i) => c.globs.map(() => i)),
      ...extra.map(() => entries.length),
      ...extraGlobs.map((_, i) => entries.length + 1 + i),
    ];
    const c = stringCells(globs, domain, fresh, {
      groupOf,
      prefer: [...extra],
      realify,
      keepLiterals: (l) => l.startsWith(idPrefix),
    });
    noteExactness(exactness, c, 'VPC endpoint keys');
    return c.values;
  };
  const net = cls.network;
  const approved = net.kind === 'off-network' ? net : undefined;
  const vpces =
    net.kind === 'endpoint' && net.vpceId
      ? [net.vpceId]
      : cellsFor(
          'aws:sourcevpce',
          'vpce-',
          approved?.vpceIds ?? [],
          VPCE_DOMAIN,
          freshHexId(FRESH_VPCE),
          hexIdVariants('vpce-'),
        );
  // The VPC ARN names the VPC of aws:SourceVpc, so the VPC ids its patterns name split the VPCs too.
  const vpcs =
    net.kind === 'endpoint' && net.vpcId
      ? [net.vpcId]
      : cellsFor(
          'aws:sourcevpc',
          'vpc-',
          approved?.vpcIds ?? [],
          VPC_DOMAIN,
          freshHexId(FRESH_VPC),
          hexIdVariants('vpc-'),
          vpcIdGlobsFromArns(input, approved),
        );
  const ownersIn = endpointOwners(input, approved, exactness);
  const vpcIps = mentioned('aws:vpcsourceip') ? ipCands('aws:vpcsourceip') : [undefined];
  // Through an endpoint every Vpc* key is present and aws:SourceIp absent (IAM global condition
  // keys, "Properties of the network"); the owner keys come with the endpoint (endpoint-owner.ts).
  for (const vpce of vpces)
    for (const vpc of vpcs) {
      const owners = ownersIn(vpc);
      for (const owner of owners)
        for (const ip of vpcIps) {
          checkBudget();
          const values: Record<string, string | string[]> = {
            'aws:sourcevpce': vpce,
            'aws:sourcevpc': vpc,
            ...owner,
          };
          if (ip !== undefined) values['aws:vpcsourceip'] = ip;
          candidates.push({ values, network: 'vpce' });
        }
    }
  const { exact } = exactness;
  return {
    name: 'network',
    candidates,
    exact,
    ...(exact
      ? {}
      : {
          inexactReason: `too many wildcard patterns to enumerate ${unique(exactness.reasons).join(', ')} exactly`,
        }),
  };
}
