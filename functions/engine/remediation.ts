import type { GuardConfig, RuleId } from '../config/schema.js';
import { AnalysisBudgetError } from '../errors.js';
import { expandActions, findAllowedRequest } from '../policy/analyze.js';
import { documentLayout, statementTexts } from '../policy/json-text.js';
import { KEY_ACTIONS, KMS_ACTIONS } from '../policy/kms-actions.js';
import { parsePolicy, parsePolicyText } from '../policy/parse.js';
import type { RequestClass } from '../policy/request-model.js';
import type { Policy, Statement } from '../policy/types.js';
import { effectiveEndpointPolicy } from '../rules/endpoint-no-external-principals.js';
import { GUARD_SID_PREFIX } from '../rules/guard-statements.js';
import { ruleById } from '../rules/index.js';
import { trustOf } from '../rules/semantic.js';
import type { RemediationPlan, Resource } from '../rules/types.js';
import type { Verdict } from './judge.js';

/** KMS key policy size limit: 32 KB (KMS quotas, "Key policy document size"). */
export const KEY_POLICY_MAX_BYTES = 32_768;
/** VPC endpoint policy limit: 20,480 characters (VPC quotas, "VPC endpoint policy size"). */
export const ENDPOINT_POLICY_MAX_CHARS = 20_480;

export type RemediationDecision =
  | { rule: RuleId; status: 'planned'; plan: Exclude<RemediationPlan, { kind: 'none' }>; checks: string[] }
  | { rule: RuleId; status: 'refused'; reason: string; plan?: RemediationPlan };

const BUDGET_REASON = 'analysis budget exceeded';

/**
 * Plan the remediation of every rule in `remediate` mode that has findings, and prove each plan
 * safe before returning it. Plans for one key build on each other (the second sees the first's
 * policy text), so the last plan's text applies all of them.
 */
export function planRemediations(verdict: Verdict, config: GuardConfig): RemediationDecision[] {
  const decisions: RemediationDecision[] = [];
  let current: Resource = verdict.resource;
  for (const result of verdict.results) {
    if (result.status !== 'finding' || config.rules[result.rule] !== 'remediate') continue;
    const rule = ruleById(result.rule);
    const refuse = (reason: string, plan?: RemediationPlan) =>
      decisions.push({ rule: rule.id, status: 'refused', reason, ...(plan ? { plan } : {}) });
    if (current.type === 'kms-key' && current.keyManager === 'AWS') {
      refuse('AWS-managed key policies cannot be changed');
      continue;
    }
    if (current.type === 'kms-key' && current.keyState === 'PendingDeletion') {
      refuse('the key is pending deletion: judged, not remediated');
      continue;
    }
    if (result.findings.some((f) => f.reason?.startsWith(BUDGET_REASON))) {
      // The verdict itself is not known: a change whose effect cannot be proved is never made.
      refuse(`${BUDGET_REASON} while judging: not remediated`);
      continue;
    }
    try {
      // Re-check against the policy as earlier plans left it: they may already have fixed this rule.
      const findings = rule.check(current, { config });
      if (findings.length === 0) continue;
      const plan = rule.plan(current, findings, { config });
      if (plan.kind === 'none') {
        refuse(plan.reason, plan);
        continue;
      }
      const proof = provePlanSafe(current, plan, config);
      if (!proof.ok) {
        refuse(proof.reasons.join('; '), plan);
        continue;
      }
      decisions.push({ rule: rule.id, status: 'planned', plan, checks: proof.checks });
      current = proof.after;
    } catch (err) {
      if (!(err instanceof AnalysisBudgetError)) throw err;
      refuse(`${BUDGET_REASON} while planning and proving the change: not remediated`);
    }
  }
  return decisions;
}

export type SafetyProof = { ok: true; checks: string[]; after: Resource } | { ok: false; reasons: string[] };

/**
 * Re-analyse a planned change and refuse it unless every invariant of SPEC.md §3 holds, on the
 * exact text that would be written: original statements byte-identical and in order, only
 * guard-owned Denies added (under Sids no statement uses), size within AWS's limit, the rule holds,
 * nothing newly allowed, no principal inside the perimeter loses any access the rule does not
 * remove (administration above all: no lockout), and planning again changes nothing.
 */
export function provePlanSafe(
  before: Resource,
  plan: Exclude<RemediationPlan, { kind: 'none' }>,
  config: GuardConfig,
): SafetyProof {
  const rule = ruleById(plan.rule);
  if (plan.kind === 'modify-vpc-endpoint' && plan.privateDnsEnabled !== undefined) {
    // Turning private DNS on changes no policy; the VPC DNS attributes are checked by the adapter
    // before the call (they need AWS reads).
    if (before.type !== 'vpc-endpoint')
      return { ok: false, reasons: ['private DNS applies to VPC endpoints only'] };
    return {
      ok: true,
      checks: ['no policy change'],
      after: { ...before, privateDnsEnabled: plan.privateDnsEnabled },
    };
  }
  const newText = plan.policyText;
  if (newText === undefined) return { ok: false, reasons: ['the plan carries no policy text'] };
  const oldPolicy = before.type === 'kms-key' ? before.policy : effectiveEndpointPolicy(before);
  const reasons: string[] = [];
  const checks: string[] = [];

  // Size of the bytes that will be written (KMS counts bytes; VPC endpoint policies characters).
  const limit = before.type === 'kms-key' ? KEY_POLICY_MAX_BYTES : ENDPOINT_POLICY_MAX_CHARS;
  const size = before.type === 'kms-key' ? Buffer.byteLength(newText, 'utf8') : newText.length;
  const unit = before.type === 'kms-key' ? 'byte' : 'character';
  if (size > limit) reasons.push(`the new policy would be ${size} ${unit}s, over the ${limit}-${unit} limit`);
  else checks.push(`size ${size} <= ${limit} ${unit}s`);

  const parsed = parsePolicyText(newText, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!parsed.ok)
    return {
      ok: false,
      reasons: [...reasons, `the new policy does not parse: ${parsed.issues[0]?.message}`],
    };
  const after = parsed.value;

  // Original statements byte-identical and in order; other top-level members untouched.
  const preserved = preservedVerbatim(oldPolicy.text, newText);
  if (preserved !== true) reasons.push(preserved);
  else checks.push(`${oldPolicy.statements.length} original statements kept byte for byte and in order`);

  const added = after.statements.slice(oldPolicy.statements.length);
  const originalSids = new Set(oldPolicy.statements.flatMap((s) => (s.sid === undefined ? [] : [s.sid])));
  for (const s of added) {
    if (s.effect !== 'Deny' || !s.sid?.startsWith(GUARD_SID_PREFIX) || !plan.guardSids.includes(s.sid)) {
      reasons.push(`the plan adds ${s.path}, which is not one of its guard-owned Deny statements`);
    } else if (originalSids.has(s.sid)) {
      reasons.push(`the plan adds ${s.sid}, a Sid an original statement already uses`);
    }
    if (JSON.stringify(s.raw).includes('BypassPolicyLockoutSafetyCheck'))
      reasons.push('the plan mentions BypassPolicyLockoutSafetyCheck');
  }
  const addedSids = added.map((s) => s.sid);
  if (new Set(addedSids).size !== addedSids.length) reasons.push('a guard statement would be duplicated');

  const afterResource: Resource = { ...before, policy: after } as Resource;
  // (a) the new policy satisfies the rule.
  const left = rule.check(afterResource, { config });
  if (left.length) reasons.push(`the new policy would still violate ${rule.id}: ${left[0]!.message}`);
  else checks.push(`${rule.id} holds on the new policy`);

  // (b) it allows no request the old one denied.
  const widened = allowsSomethingNew(oldPolicy, after, before, config);
  if (widened) reasons.push(`the new policy would allow a request the old one denied (${widened})`);
  else checks.push('allows nothing the old policy denied');

  // (c) nobody inside the perimeter loses access it had, key administration included.
  const lost = lostAccess(oldPolicy, after, added, before, config);
  if (lost) reasons.push(lost);
  else
    checks.push(
      before.type === 'kms-key'
        ? 'no principal inside the perimeter loses access (kms:PutKeyPolicy and every other key administration action included)'
        : 'no principal inside the perimeter loses access through the endpoint',
    );

  // Idempotent: planning again on the result changes nothing.
  if (left.length === 0) {
    const again = rule.plan(afterResource, [], { config });
    const againText = again.kind === 'none' ? undefined : again.policyText;
    if (againText !== undefined && againText !== newText)
      reasons.push('applying the plan twice would differ from applying it once');
    else checks.push('idempotent');
  }

  return reasons.length ? { ok: false, reasons } : { ok: true, checks, after: afterResource };
}

/** `true`, or why the new text does not keep the old statements (and other members) byte for byte. */
function preservedVerbatim(oldText: string, newText: string): true | string {
  let oldStatements: string[];
  let newStatements: string[];
  let oldMembers: { key: string; text: string }[];
  let newMembers: { key: string; text: string }[];
  try {
    oldStatements = statementTexts(oldText);
    newStatements = statementTexts(newText);
    const members = (text: string) =>
      documentLayout(text)
        .members.filter((m) => m.key !== 'Statement')
        .map((m) => ({ key: m.key, text: text.slice(m.value.start, m.value.end) }));
    oldMembers = members(oldText);
    newMembers = members(newText);
  } catch (err) {
    return `the policy text cannot be laid out: ${(err as Error).message}`;
  }
  if (newStatements.length < oldStatements.length) return 'an original statement would be removed';
  const changed = oldStatements.findIndex((s, i) => s !== newStatements[i]);
  if (changed >= 0) return `original statement Statement[${changed}] would be changed or moved`;
  if (JSON.stringify(oldMembers) !== JSON.stringify(newMembers))
    return 'a top-level element other than Statement would be changed';
  return true;
}

function keyResourceClass(resource: Resource): RequestClass['resource'] {
  return resource.type === 'kms-key'
    ? { kind: 'key', ...(resource.arn ? { arn: resource.arn } : {}) }
    : { kind: 'any' };
}

/** Does `after` allow a request that `before` denies? Returns a description, or undefined. */
function allowsSomethingNew(
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
    const { vpceIds, vpcIds, allowAwsServiceCalls } = config.network;
    if (vpceIds.length)
      out.push({
        cls: cryptoClass,
        restrict: [restriction({ StringEquals: { 'aws:SourceVpce': [...vpceIds] } })],
      });
    if (vpcIds.length)
      out.push({
        cls: cryptoClass,
        restrict: [restriction({ StringEquals: { 'aws:SourceVpc': [...vpcIds] } })],
      });
    if (allowAwsServiceCalls)
      out.push({ cls: cryptoClass, restrict: [restriction({ Bool: { 'aws:ViaAWSService': ['true'] } })] });
    if (vpceIds.length === 0 && vpcIds.length === 0) out.push({ cls: cryptoClass, restrict: [] });
  }
  return out;
}

/**
 * A request inside `mustKeep` that `before` allows and `after` does not: `after` denies it with an
 * added Deny, or no Allow of `after` matches it any more (an Allow removed or replaced).
 */
function lostAccess(
  before: Policy,
  after: Policy,
  added: Statement[],
  resource: Resource,
  config: GuardConfig,
): string | undefined {
  const trust = trustOf(config);
  const afterAllows = after.statements.filter((s) => s.effect === 'Allow');
  for (const { cls, restrict } of mustKeep(resource, config)) {
    const queries: { why: string; mustMatch: Statement[]; mustNotMatch?: Statement[] }[] = [
      {
        why: 'no Allow of the new policy grants it any more',
        mustMatch: restrict,
        mustNotMatch: afterAllows,
      },
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
