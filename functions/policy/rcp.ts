/**
 * Judging a key policy together with the RCPs that apply to its key. Pure: no AWS SDK.
 *
 * RCP evaluation (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html):
 * a request must be allowed by the RCPs at every level (root, each OU, the account) and denied by
 * none. RCPFullAWSAccess is attached at every level and cannot be detached, and it is the only RCP
 * that may Allow, so every level allows everything: what is left is "no RCP statement denies it".
 * A Deny anywhere denies, so the key policy judged with the RCPs is the key policy with the RCPs'
 * Deny statements added — except what RCPs never restrict
 * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#actions-not-restricted-by-rcps):
 * calls made by service-linked roles, the `kms:RetireGrant` permission, resources in the management
 * account, and AWS managed keys (https://docs.aws.amazon.com/kms/latest/developerguide/resource-control-policies.html).
 * The last two are decided by the caller (which key, which account); the first two are modelled
 * here, exactly: the added statements leave out `kms:RetireGrant` and exempt service-linked roles.
 *
 * `aws:ResourceTag/<key>` is a property of the key, not something the caller picks: the added
 * statements have those conditions decided with the key's tags (absent tags are absent keys).
 */
import { expandActions } from './analyze.js';
import { evaluate } from './evaluate.js';
import { conditionMatches } from './evaluate-conditions.js';
import { KMS_ACTIONS } from './kms-actions.js';
import { parsePolicy } from './parse.js';
import type { Rcp } from './rcp-parse.js';
import type { ConcreteRequest, Statement } from './types.js';

export type { Rcp } from './rcp-parse.js';

/** A statement added to the analysis, with the RCP and statement it stands for. */
export interface RcpDeny {
  statement: Statement;
  rcp: string;
  /** The RCP statement's Sid, else its path (`Statement[1]`). */
  label: string;
}

// Service-linked roles live under the path /aws-service-role/ (IAM User Guide, "Using
// service-linked roles"); RCPs do not apply to calls they make.
const SERVICE_LINKED_ROLE_ARN = 'arn:aws:iam::*:role/aws-service-role/*';
const SERVICE_LINKED_ROLE = /^arn:aws[a-z-]*:iam::\d{12}:role\/aws-service-role\//;
const RETIRE_GRANT = 'kms:retiregrant';
const RESOURCE_TAG = 'aws:resourcetag/';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const labelOf = (s: Statement) => (s.sid !== undefined && s.sid !== '' ? s.sid : s.path);

/** The key's tag for `aws:ResourceTag/<k>`: the exact key first, else one differing only in case. */
function tagValue(tags: Record<string, string> | undefined, key: string): string | undefined {
  if (!tags) return undefined;
  const name = key.slice(RESOURCE_TAG.length);
  if (Object.hasOwn(tags, name)) return tags[name];
  const match = Object.keys(tags).find((k) => k.toLowerCase() === name.toLowerCase());
  return match === undefined ? undefined : tags[match];
}

/** The request context the key's tags fix: every `aws:ResourceTag/*` key, and only those. */
function withKeyTags(context: ConcreteRequest['context'], tags: Record<string, string> | undefined) {
  const out: ConcreteRequest['context'] = {};
  for (const [k, v] of Object.entries(context)) if (!k.toLowerCase().startsWith(RESOURCE_TAG)) out[k] = v;
  for (const [k, v] of Object.entries(tags ?? {})) out[`aws:ResourceTag/${k}`] = v;
  return out;
}

/**
 * The Condition block with its `aws:ResourceTag/*` entries decided by the key's tags: `undefined`
 * when one is false (the statement can never match this key), else the block without them.
 * An entry whose values hold a policy variable depends on the request and is kept.
 */
function decideResourceTags(s: Statement, tags: Record<string, string> | undefined): Json | undefined {
  const condition = isObject(s.raw.Condition) ? s.raw.Condition : {};
  const out: Json = {};
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) continue;
    const kept: Json = {};
    for (const [key, values] of Object.entries(block)) {
      const entry = s.conditions.find((c) => c.operator === operator && c.key === key);
      const fixed =
        key.toLowerCase().startsWith(RESOURCE_TAG) && !entry?.values.some((v) => v.includes('${'));
      if (!fixed || !entry) {
        kept[key] = values;
        continue;
      }
      const value = tagValue(tags, key);
      const context = value === undefined ? {} : { [key]: value };
      if (!conditionMatches(entry, context, { policyVariables: true })) return undefined;
    }
    if (Object.keys(kept).length > 0) out[operator] = kept;
  }
  return out;
}

/** An operator not yet in the block, to add the service-linked-role exemption without merging. */
function freeOperator(condition: Json): string | undefined {
  return ['ArnNotLike', 'ArnNotLikeIfExists', 'StringNotLike', 'StringNotLikeIfExists'].find(
    (op) => !Object.hasOwn(condition, op),
  );
}

/** One RCP Deny as the analysis adds it, or undefined when it cannot match a request on this key. */
function analysisStatement(s: Statement, tags: Record<string, string> | undefined): Json | undefined {
  if (s.effect !== 'Deny') return undefined;
  const actions = expandActions(s.action.patterns, KMS_ACTIONS).filter(
    (a) => a.toLowerCase() !== RETIRE_GRANT,
  );
  if (actions.length === 0) return undefined;
  const condition = decideResourceTags(s, tags);
  if (condition === undefined) return undefined;
  const op = freeOperator(condition);
  // Four negated operators on aws:PrincipalArn already in one statement: never written by hand;
  // refusing is better than a wrong merge.
  if (op === undefined)
    throw new Error(
      `${s.path}: too many negated ARN/string operators to add the service-linked-role exemption`,
    );
  condition[op] = { 'aws:PrincipalArn': SERVICE_LINKED_ROLE_ARN };
  const out: Json = { Effect: 'Deny', Principal: '*', Action: actions, Condition: condition };
  if (s.resource.negated) out.NotResource = s.raw.NotResource;
  else out.Resource = s.raw.Resource;
  return out;
}

/** The Deny statements the RCPs add to the analysis of one key policy (none for full access). */
export function rcpDenies(rcps: readonly Rcp[], tags?: Record<string, string>): RcpDeny[] {
  const sources: { rcp: string; label: string }[] = [];
  const raws: Json[] = [];
  for (const rcp of rcps) {
    if (rcp.fullAccess) continue;
    for (const s of rcp.policy.statements) {
      const raw = analysisStatement(s, tags);
      if (!raw) continue;
      raws.push(raw);
      sources.push({ rcp: rcp.name, label: labelOf(s) });
    }
  }
  if (raws.length === 0) return [];
  const parsed = parsePolicy(
    { Version: '2012-10-17', Statement: raws },
    { maxBytes: Number.MAX_SAFE_INTEGER },
  );
  if (!parsed.ok) throw new Error(`RCP statements could not be prepared: ${parsed.issues[0]?.message}`);
  return parsed.value.statements.map((statement, i) => ({
    statement,
    ...(sources[i] as { rcp: string; label: string }),
  }));
}

/**
 * The concrete side, independent of `rcpDenies`: the first RCP statement that denies this request
 * on a key with these tags, evaluated on the RCP as written, or undefined when none does (or the
 * request is one RCPs never restrict).
 */
export function rcpDenial(
  rcps: readonly Rcp[],
  request: ConcreteRequest,
  tags?: Record<string, string>,
): { rcp: string; statement: string } | undefined {
  if (request.action.toLowerCase() === RETIRE_GRANT) return undefined;
  const principalArn = request.context['aws:PrincipalArn'];
  const arns = [
    typeof principalArn === 'string' ? principalArn : '',
    'AWS' in request.principal ? request.principal.AWS : '',
  ];
  if (arns.some((a) => SERVICE_LINKED_ROLE.test(a))) return undefined;
  const onKey: ConcreteRequest = { ...request, context: withKeyTags(request.context, tags) };
  for (const rcp of rcps) {
    const e = evaluate(rcp.policy, onKey);
    const index = e.deniedBy[0];
    if (index === undefined) continue;
    const s = rcp.policy.statements.find((x) => x.index === index);
    return { rcp: rcp.name, statement: s ? labelOf(s) : `Statement[${index}]` };
  }
  return undefined;
}
