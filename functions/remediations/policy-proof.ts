/**
 * The safety proof of a policy change (put-key-policy, modify-endpoint-policy), on the exact text
 * that would be written: original statements byte-identical and in order, only guard-owned Denies
 * added (under Sids no statement uses), size within AWS's limit, the rule holds, nothing newly
 * allowed, no principal inside the perimeter loses access (administration above all: no lockout),
 * and planning again changes nothing.
 */
import type { GuardConfig } from '../config/schema.js';
import { documentLayout, statementTexts } from '../policy/json-text.js';
import { parsePolicyText } from '../policy/parse.js';
import type { Policy, Statement } from '../policy/types.js';
import { GUARD_SID_PREFIX } from '../rules/guard-statements.js';
import { ruleById } from '../rules/index.js';
import type { ChangePlan, Resource } from '../rules/types.js';
import { allowsSomethingNew, lostAccess } from './access-proof.js';
import type { SafetyProof } from './types.js';

/** KMS key policy size limit: 32 KB (KMS quotas, "Key policy document size"). */
const KEY_POLICY_MAX_BYTES = 32_768;
/** VPC endpoint policy limit: 20,480 characters (VPC quotas, "VPC endpoint policy size"). */
const ENDPOINT_POLICY_MAX_CHARS = 20_480;

export interface PolicyChange {
  before: Resource;
  /** The policy in force now (an endpoint without a document: AWS's full-access default). */
  oldPolicy: Policy;
  plan: Extract<ChangePlan, { policyText: string }>;
  config: GuardConfig;
}

export function provePolicyChange(change: PolicyChange): SafetyProof {
  const { before, oldPolicy, plan, config } = change;
  const reasons: string[] = [];
  const checks: string[] = [];
  sizeCheck(before, plan.policyText, reasons, checks);
  const parsed = parsePolicyText(plan.policyText, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!parsed.ok) {
    return {
      ok: false,
      reasons: [...reasons, `the new policy does not parse: ${parsed.issues[0]?.message}`],
    };
  }
  const after = parsed.value;
  const preserved = preservedVerbatim(oldPolicy.text, plan.policyText);
  if (preserved !== true) reasons.push(preserved);
  else checks.push(`${oldPolicy.statements.length} original statements kept byte for byte and in order`);
  const added = after.statements.slice(oldPolicy.statements.length);
  reasons.push(...addedStatementProblems(oldPolicy, added, plan.guardSids));

  const rule = ruleById(plan.rule);
  const afterResource = { ...before, policy: after } as Resource;
  // (a) the new policy satisfies the rule.
  const left = rule.check(afterResource, { config });
  if (left.length) reasons.push(`the new policy would still violate ${rule.id}: ${left[0]!.message}`);
  else checks.push(`${rule.id} holds on the new policy`);
  // (b) it allows no request the old one denied. When the originals are kept byte for byte and only
  // Deny statements are added, that follows from the structure (a Deny only ever removes access),
  // whatever the analyzer could decide: a policy with variables it cannot resolve still gets its
  // Deny (SPEC §2: "remediation of unproven findings only adds Deny statements").
  if (preserved === true && added.every((s) => s.effect === 'Deny')) {
    checks.push('allows nothing the old policy denied (only Deny statements added)');
  } else {
    const widened = allowsSomethingNew(oldPolicy, after, before, config);
    if (widened) reasons.push(`the new policy would allow a request the old one denied (${widened})`);
    else checks.push('allows nothing the old policy denied');
  }
  // (c) nobody inside the perimeter loses access it had, key administration included.
  const lost = lostAccess(oldPolicy, after, added, before, config, preserved === true);
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
    const againText = 'policyText' in again ? again.policyText : undefined;
    if (againText !== undefined && againText !== plan.policyText)
      reasons.push('applying the plan twice would differ from applying it once');
    else checks.push('idempotent');
  }
  return reasons.length ? { ok: false, reasons } : { ok: true, checks, after: afterResource };
}

/** Size of the bytes that will be written: KMS counts bytes, VPC endpoint policies characters. */
function sizeCheck(before: Resource, text: string, reasons: string[], checks: string[]): void {
  const key = before.type === 'kms-key';
  const limit = key ? KEY_POLICY_MAX_BYTES : ENDPOINT_POLICY_MAX_CHARS;
  const size = key ? Buffer.byteLength(text, 'utf8') : text.length;
  const unit = key ? 'byte' : 'character';
  if (size > limit) reasons.push(`the new policy would be ${size} ${unit}s, over the ${limit}-${unit} limit`);
  else checks.push(`size ${size} <= ${limit} ${unit}s`);
}

/** Added statements must be the plan's own guard Denies, under Sids no original statement uses. */
function addedStatementProblems(
  oldPolicy: Policy,
  added: Statement[],
  guardSids: readonly string[],
): string[] {
  const problems: string[] = [];
  const originalSids = new Set(oldPolicy.statements.flatMap((s) => (s.sid === undefined ? [] : [s.sid])));
  for (const s of added) {
    if (s.effect !== 'Deny' || !s.sid?.startsWith(GUARD_SID_PREFIX) || !guardSids.includes(s.sid)) {
      problems.push(`the plan adds ${s.path}, which is not one of its guard-owned Deny statements`);
    } else if (originalSids.has(s.sid)) {
      problems.push(`the plan adds ${s.sid}, a Sid an original statement already uses`);
    }
    if (JSON.stringify(s.raw).includes('BypassPolicyLockoutSafetyCheck'))
      problems.push('the plan mentions BypassPolicyLockoutSafetyCheck');
  }
  const sids = added.map((s) => s.sid);
  if (new Set(sids).size !== sids.length) problems.push('a guard statement would be duplicated');
  return problems;
}

/** `true`, or why the new text does not keep the old statements (and other members) byte for byte. */
function preservedVerbatim(oldText: string, newText: string): true | string {
  let oldStatements: string[];
  let newStatements: string[];
  let oldMembers: string;
  let newMembers: string;
  try {
    oldStatements = statementTexts(oldText);
    newStatements = statementTexts(newText);
    const members = (text: string) =>
      JSON.stringify(
        documentLayout(text)
          .members.filter((m) => m.key !== 'Statement')
          .map((m) => ({ key: m.key, text: text.slice(m.value.start, m.value.end) })),
      );
    oldMembers = members(oldText);
    newMembers = members(newText);
  } catch (err) {
    return `the policy text cannot be laid out: ${(err as Error).message}`;
  }
  if (newStatements.length < oldStatements.length) return 'an original statement would be removed';
  const changed = oldStatements.findIndex((s, i) => s !== newStatements[i]);
  if (changed >= 0) return `original statement Statement[${changed}] would be changed or moved`;
  if (oldMembers !== newMembers) return 'a top-level element other than Statement would be changed';
  return true;
}
