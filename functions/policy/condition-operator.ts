/** Condition operator names: qualifier, base operator and `IfExists`, as the parser reads them. */
import type { BaseOperator, SetQualifier } from './types.js';

export interface ParsedOperator {
  base: BaseOperator;
  qualifier?: SetQualifier;
  ifExists: boolean;
}

// A record, so that adding a member to BaseOperator without listing it here fails to compile.
const BASE_OPERATOR_SET: Record<BaseOperator, true> = {
  StringEquals: true,
  StringNotEquals: true,
  StringEqualsIgnoreCase: true,
  StringNotEqualsIgnoreCase: true,
  StringLike: true,
  StringNotLike: true,
  NumericEquals: true,
  NumericNotEquals: true,
  NumericLessThan: true,
  NumericLessThanEquals: true,
  NumericGreaterThan: true,
  NumericGreaterThanEquals: true,
  DateEquals: true,
  DateNotEquals: true,
  DateLessThan: true,
  DateLessThanEquals: true,
  DateGreaterThan: true,
  DateGreaterThanEquals: true,
  Bool: true,
  BinaryEquals: true,
  IpAddress: true,
  NotIpAddress: true,
  ArnEquals: true,
  ArnLike: true,
  ArnNotEquals: true,
  ArnNotLike: true,
  Null: true,
};
const BASE_OPERATORS = Object.keys(BASE_OPERATOR_SET) as BaseOperator[];
const QUALIFIERS: readonly SetQualifier[] = ['ForAllValues', 'ForAnyValue'];
export const IF_EXISTS = 'IfExists';

/** Every operator spelling the parser accepts, for "did you mean" suggestions. */
export const OPERATOR_SPELLINGS: readonly string[] = ['', ...QUALIFIERS.map((q) => `${q}:`)].flatMap(
  (prefix) =>
    BASE_OPERATORS.flatMap((base) =>
      base === 'Null' ? [`${prefix}${base}`] : [`${prefix}${base}`, `${prefix}${base}${IF_EXISTS}`],
    ),
);

/**
 * Splits a condition operator into qualifier, base and `IfExists`. Operator names are case-sensitive.
 * `IfExists` is not valid on `Null` (IAM Access Analyzer check "Null with if exists":
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html).
 */
export function parseConditionOperator(operator: string): ParsedOperator | undefined {
  let rest = operator;
  let qualifier: SetQualifier | undefined;
  for (const q of QUALIFIERS) {
    if (rest.startsWith(`${q}:`)) {
      qualifier = q;
      rest = rest.slice(q.length + 1);
      break;
    }
  }
  let ifExists = false;
  if (rest.endsWith(IF_EXISTS) && rest.length > IF_EXISTS.length) {
    ifExists = true;
    rest = rest.slice(0, -IF_EXISTS.length);
  }
  if (!Object.hasOwn(BASE_OPERATOR_SET, rest)) return undefined;
  const base = rest as BaseOperator;
  if (base === 'Null' && ifExists) return undefined;
  return qualifier ? { base, qualifier, ifExists } : { base, ifExists };
}
