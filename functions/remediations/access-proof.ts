/**
 * The access half of the safety proof (SPEC.md §3 (b) and (c)): a change allows nothing the old
 * policy denied, and no principal inside the perimeter loses access the rule does not exist to remove.
 * Both are questions to the analyzer about the old policy with the new one's statements as extra
 * constraints, so each is exact where the analyzer is, and "unproven" refuses the change.
 */
import type { GuardConfig } from '../config/schema.js';
import { expandActions, findAllowedRequest } from '../policy/analyze.js';
import { KEY_ACTIONS, KMS_ACTIONS } from '../policy/kms-actions.js';
import { parsePolicy } from '../policy/parse.js';
import type { RequestClass } from '../policy/request-model.js';
import type { Policy, Statement } from '../policy/types.js';
import { hasApprovedNetwork } from '../rules/guard-statements.js';
import { trustOf } from '../rules/semantic.js';
import type { Resource } from '../rules/types.js';

function keyResourceClass(resource: Resource): RequestClass['resource'] {
  return resource.type === 'kms-key'
    ? { kind: 'key', ...(resource.arn ? { arn: resource.arn } : {}) }
    : { kind: 'any' };
}

/** Does `after` allow a request that `before` denies? Returns a description, or undefined. */
export function allowsSomethingNew(
  before: Policy,
  after: Policy,
  resource: Resource,
  config: GuardConfig,
): string | undefined {
  const anyRequest: RequestClass = {
    principals: 'any',
    actions: KMS_ACTIONS,
    resource: keyResourceClass(resource),
    network: { kind: 'any' },
  };
  const trust = trustOf(config);
  const oldAllows = before.statements.filter((s) => s.effect === 'Allow');
  const queries: { mustMatch?: Statement[]; mustNotMatch?: Statement[] }[] = [
    { mustNotMatch: oldAllows },
    ...before.statements.filter((s) => s.effect === 'Deny').map((d) => ({ mustMatch: [d] })),
  ];
  for (const q of queries) {
    const a = findAllowedRequest({ policy: after, requestClass: anyRequest, trust, ...q });
    if (a.kind === 'witness') return `${a.witness.action} by ${JSON.stringify(a.witness.principal)}`;
    if (a.kind === 'unproven') return `not provable: ${a.reason}`;
  }
  return undefined;
}

/** A statement that only restricts the request space of a query (matched, never part of a policy). */
function restriction(condition: Record<string, Record<string, string[]>>): Statement {
  const parsed = parsePolicy({
    Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: condition }],
  });
  if (!parsed.ok) throw new Error('internal: restriction statement does not parse');
  return parsed.value.statements[0]!;
}

/**
 * Requests that must keep working after any guard change: every request of a principal inside the
 * perimeter, except the off-network crypto calls `key-crypto-via-vpce` exists to stop. For keys that
 * is every key action but the configured crypto actions (administration: kms:PutKeyPolicy,
 * ScheduleKeyDeletion, ...), plus the crypto actions through an approved endpoint or VPC and, when
 * AWS service calls are allowed, through AWS services. For endpoints, every KMS request through it.
 */
function mustKeep(resource: Resource, config: GuardConfig): { cls: RequestClass; restrict: Statement[] }[] {
  if (resource.type !== 'kms-key') {
    return [
      {
        // AWS service principals never call through a customer's interface endpoint (they use the
        // service's own network path): only IAM principals inside the perimeter.
        cls: {
          principals: 'trusted',
          actions: KMS_ACTIONS,
          resource: { kind: 'any' },
          network: {
            kind: 'endpoint',
            ...(resource.id.startsWith('vpce-') ? { vpceId: resource.id } : {}),
            ...(resource.vpcId ? { vpcId: resource.vpcId } : {}),
          },
        },
        restrict: [],
      },
    ];
  }
  const crypto = expandActions(config.network.cryptoActions, KEY_ACTIONS);
  const admin = KEY_ACTIONS.filter((a) => !crypto.includes(a));
  const res = keyResourceClass(resource);
  const out: { cls: RequestClass; restrict: Statement[] }[] = [
    {
      cls: { principals: 'internal', actions: admin, resource: res, network: { kind: 'any' } },
      restrict: [],
    },
  ];
  const cryptoClass: RequestClass = {
    principals: 'internal',
    actions: crypto,
    resource: res,
    network: { kind: 'any' },
  };
  if (crypto.length > 0) {
    for (const restrict of approvedNetworkRestrictions(config))
      out.push({ cls: cryptoClass, restrict: [restriction(restrict)] });
    if (config.network.allowAwsServiceCalls)
      out.push({ cls: cryptoClass, restrict: [restriction({ Bool: { 'aws:ViaAWSService': ['true'] } })] });
    if (!hasApprovedNetwork(config)) out.push({ cls: cryptoClass, restrict: [] });
  }
  return out;
}

/**
 * One condition per approval of the configuration, each read as AWS reads the key: crypto calls that
 * meet any one of them are the traffic the guard Deny must keep letting through.
 */
function approvedNetworkRestrictions(config: GuardConfig): Record<string, Record<string, string[]>>[] {
  const n = config.network;
  const out: Record<string, Record<string, string[]>>[] = [];
  if (n.vpceIds.length) out.push({ StringEquals: { 'aws:SourceVpce': [...n.vpceIds] } });
  if (n.vpcIds.length) out.push({ StringEquals: { 'aws:SourceVpc': [...n.vpcIds] } });
  if (n.vpceAccounts.length) out.push({ StringEquals: { 'aws:VpceAccount': [...n.vpceAccounts] } });
  if (n.vpceOrgIds.length) out.push({ StringEquals: { 'aws:VpceOrgID': [...n.vpceOrgIds] } });
  if (n.vpceOrgPaths.length)
    out.push({ 'ForAnyValue:StringLike': { 'aws:VpceOrgPaths': [...n.vpceOrgPaths] } });
  if (n.vpcArns.length) out.push({ ArnLike: { 'aws:SourceVpcArn': [...n.vpcArns] } });
  return out;
}

/**
 * A request inside `mustKeep` that `before` allows and `after` does not: `after` denies it with an
 * added Deny, or no Allow of `after` matches it any more (an Allow removed or replaced).
 */
export function lostAccess(
  before: Policy,
  after: Policy,
  added: Statement[],
  resource: Resource,
  config: GuardConfig,
  originalsKept = false,
): string | undefined {
  const trust = trustOf(config);
  const afterAllows = after.statements.filter((s) => s.effect === 'Allow');
  for (const { cls, restrict } of mustKeep(resource, config)) {
    const queries: { why: string; mustMatch: Statement[]; mustNotMatch?: Statement[] }[] = [
      // With every original statement kept byte for byte, no Allow is gone: nothing to ask.
      ...(originalsKept
        ? []
        : [
            {
              why: 'no Allow of the new policy grants it any more',
              mustMatch: restrict,
              mustNotMatch: afterAllows,
            },
          ]),
      ...added
        .filter((d) => d.effect === 'Deny')
        .map((d) => ({ why: `${d.sid ?? d.path} would deny it`, mustMatch: [d, ...restrict] })),
    ];
    for (const q of queries) {
      const a = findAllowedRequest({ policy: before, requestClass: cls, trust, ...q });
      if (a.kind === 'none') continue;
      if (a.kind === 'unproven')
        return `cannot prove that principals inside the perimeter keep their access (${a.reason})`;
      const who =
        'AWS' in a.witness.principal ? a.witness.principal.AWS : JSON.stringify(a.witness.principal);
      return `${who} would lose ${a.witness.action}, which the current policy allows (${q.why})`;
    }
  }
  return undefined;
}
