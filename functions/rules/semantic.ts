import type { GuardConfig, RuleId } from '../config/schema.js';
import { AnalysisBudgetError } from '../errors.js';
import { type Answer, findAllowedRequest } from '../policy/analyze.js';
import { type RcpDeny, rcpDenial, rcpDenies } from '../policy/rcp.js';
import type { RequestClass } from '../policy/request-model.js';
import type { Policy } from '../policy/types.js';
import { describeWitness } from '../policy/witness-text.js';
import { statementLabels } from './statements.js';
import type { Finding, KeyResource, ProtectedBy, Severity } from './types.js';

export function trustOf(config: GuardConfig) {
  return { accounts: config.trust.accounts, organizationIds: config.trust.organizationIds };
}

/** Ask the analyzer whether `policy` allows a request of `requestClass`; turn the answer into findings. */
export function semanticCheck(
  rule: RuleId,
  severity: Severity,
  policy: Policy,
  requestClass: RequestClass,
  config: GuardConfig,
  headline: string,
  withRcps?: { key: KeyResource; protectedBy?: ProtectedBy[] },
): Finding[] {
  const rcps = withRcps?.key.keyManager === 'AWS' ? undefined : withRcps?.key.rcps;
  let denies: RcpDeny[] = [];
  try {
    denies = rcps ? rcpDenies(rcps, withRcps?.key.tags) : [];
  } catch (err) {
    // An RCP the analysis cannot add exactly: judge the key policy alone and say why (fail closed).
    const alone = semanticCheck(rule, severity, policy, requestClass, config, headline);
    const why = `the RCPs could not be added to the analysis (${err instanceof Error ? err.message : String(err)}); judged without them`;
    return alone.map((f) => ({ ...f, message: `${f.message} (${why})` }));
  }
  let answer: Answer;
  try {
    answer = findAllowedRequest({
      policy,
      requestClass,
      trust: trustOf(config),
      listGranting: true,
      ...(denies.length > 0 ? { mustNotMatch: denies.map((d) => d.statement) } : {}),
    });
  } catch (err) {
    if (!(err instanceof AnalysisBudgetError)) throw err;
    return [budgetFinding(rule, severity, headline, err)];
  }
  if (answer.kind === 'none' && denies.length > 0 && rcps && withRcps) {
    // The RCPs took the finding away: find what the key policy alone allows and name the RCP.
    const alone = semanticCheck(rule, severity, policy, requestClass, config, headline);
    const first = alone[0];
    if (!first) return [];
    const denial = first.witness ? rcpDenial(rcps, first.witness, withRcps.key.tags) : undefined;
    // Fail closed: a finding disappears only when the concrete evaluator confirms that an RCP
    // denies the key-policy-only witness; otherwise the key-policy-only finding stands.
    if (first.proof === 'witness' && !denial) return alone;
    withRcps.protectedBy?.push({
      rule,
      policy: denial?.rcp ?? [...new Set(denies.map((d) => d.rcp))].join(', '),
      ...(denial ? { statement: denial.statement } : {}),
      ...(first.witness ? { witness: first.witness } : {}),
    });
    return [];
  }
  if (answer.kind === 'none') return [];
  if (answer.kind === 'witness') {
    return [
      {
        rule,
        severity,
        message: `${headline}: ${describeWitness(answer.witness)}`,
        statements: statementLabels(answer.statements),
        proof: 'witness',
        witness: answer.witness,
      },
    ];
  }
  return [
    {
      rule,
      severity,
      message: `${headline} (not proven: ${answer.reason})${answer.witness ? `; possibly: ${describeWitness(answer.witness)}` : ''}`,
      statements: statementLabels(answer.statements),
      proof: 'unproven',
      reason: answer.reason,
      ...(answer.witness ? { witness: answer.witness } : {}),
    },
  ];
}

/**
 * The analysis did not finish within its budget: the verdict is unknown, so it is reported as an
 * unproven finding (detection fails closed) and the planner refuses to remediate it.
 */
export function budgetFinding(
  rule: RuleId,
  severity: Severity,
  headline: string,
  err: AnalysisBudgetError,
): Finding {
  return {
    rule,
    severity,
    message: `${headline} (not proven: ${err.message}; the policy could not be analysed in time)`,
    statements: [],
    proof: 'unproven',
    reason: err.message,
  };
}
