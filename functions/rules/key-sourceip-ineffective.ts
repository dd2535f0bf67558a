import { AnalysisBudgetError } from '../errors.js';
import { findAllowedRequest } from '../policy/analyze.js';
import { compileCondition } from '../policy/condition-ops.js';
import { evaluate } from '../policy/evaluate.js';
import { ipRepresentatives } from '../policy/ip.js';
import { KEY_ACTIONS } from '../policy/kms-actions.js';
import type { Policy, Statement } from '../policy/types.js';
import { describeRequest } from '../policy/witness-text.js';
import { isCustomerManagedKey } from './applicability.js';
import { budgetFinding, trustOf } from './semantic.js';
import { statementLabel } from './statements.js';
import { defineRule, type Finding, type Rule } from './types.js';

/**
 * aws:SourceIp is absent from requests that arrive through a VPC endpoint (IAM global condition
 * keys, aws:SourceIp: "If the request comes from a host that uses an Amazon VPC endpoint, then the
 * aws:SourceIp key is not present"), so a statement that restricts access by source IP does not do
 * what it says for those requests.
 */
function sourceIpFinding(
  s: Statement,
  policy: Policy,
  config: Parameters<Rule['check']>[1]['config'],
): Finding | undefined {
  const ipConds = s.conditions.filter((c) => c.keyLower === 'aws:sourceip').map((c) => compileCondition(c));
  if (ipConds.length === 0) return undefined;
  const conj = (v: string | undefined) => ipConds.every((c) => c.test(v) === 'true');
  const outcomes = new Set(ipRepresentatives(ipConds.flatMap((c) => c.ranges)).map(conj));
  if (outcomes.size < 2) return undefined; // it does not distinguish source IPs: nothing relies on it
  const rest: Statement = {
    ...s,
    effect: 'Allow',
    conditions: s.conditions.filter((c) => c.keyLower !== 'aws:sourceip'),
  };
  const probe: Policy = {
    statements: [rest],
    raw: {},
    sizeBytes: 0,
    text: '{}',
    ...(policy.version ? { version: policy.version } : {}),
  };
  const answer = findAllowedRequest({
    policy: probe,
    requestClass: {
      principals: 'any',
      actions: KEY_ACTIONS,
      resource: { kind: 'key' },
      network: { kind: 'endpoint' },
    },
    trust: trustOf(config),
  });
  if (answer.kind === 'none') return undefined; // the statement can never apply
  const label = statementLabel(s);
  const absentTrue = conj(undefined);
  const base = {
    rule: 'key-sourceip-ineffective' as const,
    severity: 'low' as const,
    statements: [label],
  };
  const relies = s.effect === 'Allow' ? 'allows only some source IPs' : 'denies requests by their source IP';
  const carry = 'requests through a VPC endpoint carry no aws:SourceIp';
  if (answer.kind !== 'witness') {
    return {
      ...base,
      message: `statement ${label} ${relies}, but ${carry} (not proven: ${answer.reason})`,
      proof: 'unproven',
      reason: answer.reason,
    };
  }
  const request = answer.witness;
  const vpce = (request.context['aws:SourceVpce'] as string | undefined) ?? 'a VPC endpoint';
  const what =
    s.effect === 'Allow'
      ? absentTrue
        ? `a request through ${vpce} is allowed by ${label} whatever its source IP`
        : `${label} never allows a request through ${vpce}, whatever its source IP`
      : absentTrue
        ? `a request through ${vpce} is denied by ${label} whatever its source IP`
        : `${label} never denies a request through ${vpce}, whatever its source IP`;
  const decision = evaluate(policy, request).decision;
  const decided =
    decision === 'allow'
      ? 'allowed'
      : decision === 'explicit-deny'
        ? 'denied by a Deny statement'
        : 'denied (no statement allows it)';
  return {
    ...base,
    message: `statement ${label} ${relies}, but ${carry}: ${what} (example: ${describeRequest(request)}; under the whole policy AWS decides: ${decided})`,
    proof: 'example',
    example: { request, decision, statement: label },
  };
}

export const keySourceIpIneffective: Rule<'key-sourceip-ineffective'> = defineRule({
  id: 'key-sourceip-ineffective',
  title: 'Key policies do not rely on aws:SourceIp',
  severity: 'low',
  defaultMode: 'alert',
  appliesTo: 'kms-key',
  reads: ['policy'],
  applies: isCustomerManagedKey,
  check(r, { config }) {
    if (r.type !== 'kms-key') return [];
    try {
      return r.policy.statements.flatMap((s) => sourceIpFinding(s, r.policy, config) ?? []);
    } catch (err) {
      if (!(err instanceof AnalysisBudgetError)) throw err;
      return [
        budgetFinding(
          'key-sourceip-ineffective',
          'low',
          'whether a statement relies on aws:SourceIp is unknown',
          err,
        ),
      ];
    }
  },
  plan: () => ({
    kind: 'none',
    rule: 'key-sourceip-ineffective',
    reason:
      'the guard does not rewrite existing statements: replace aws:SourceIp with aws:SourceVpce, aws:SourceVpc or aws:VpcSourceIp',
  }),
});
