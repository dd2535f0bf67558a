import type { GuardConfig, RuleId } from '../config/schema.js';
import { type Answer, findAllowedRequest } from '../policy/analyze.js';
import type { RequestClass } from '../policy/request-model.js';
import type { Policy } from '../policy/types.js';
import { describeWitness } from '../policy/witness-text.js';
import { statementLabels } from './statements.js';
import type { Finding, Severity } from './types.js';

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
): Finding[] {
  const answer: Answer = findAllowedRequest({ policy, requestClass, trust: trustOf(config) });
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
