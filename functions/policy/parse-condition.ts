/** The Condition element of a statement: operators, keys and their values. */
import { parseConditionOperator } from './condition-operator.js';
import { type Collector, child, describe, isJsonObject, parseList, presentKeys } from './parse-support.js';
import { unknownOperatorMessage } from './suggestions.js';
import type { BaseOperator, ConditionEntry } from './types.js';

export function parseCondition(
  value: unknown,
  path: string,
  issues: Collector,
): ConditionEntry[] | undefined {
  if (!isJsonObject(value)) {
    issues.add(path, `Condition must be an object of operators, got ${describe(value)}`);
    return undefined;
  }
  const before = issues.count;
  const entries: ConditionEntry[] = [];
  for (const operator of presentKeys(value)) {
    const operatorPath = child(path, operator);
    const parsed = parseConditionOperator(operator);
    if (!parsed) {
      issues.add(operatorPath, unknownOperatorMessage(operator));
      continue;
    }
    const block = value[operator];
    if (!isJsonObject(block)) {
      issues.add(operatorPath, `must be an object of condition keys, got ${describe(block)}`);
      continue;
    }
    const keys = presentKeys(block);
    if (keys.length === 0) {
      issues.add(operatorPath, 'has no condition keys');
      continue;
    }
    // Condition key names are case-insensitive:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    const seen = new Map<string, string>();
    for (const key of keys) {
      const keyPath = child(operatorPath, key);
      const keyLower = key.toLowerCase();
      if (key === '') {
        issues.add(keyPath, 'condition key name is empty');
        continue;
      }
      const first = seen.get(keyLower);
      if (first !== undefined) {
        // IAM Access Analyzer rejects these ("Duplicate keys with different case"); which one
        // AWS applies is not documented, so the policy has no single meaning to judge.
        issues.add(
          keyPath,
          `condition key ${JSON.stringify(key)} repeats ${JSON.stringify(first)} in the same operator ` +
            '(condition key names are case-insensitive)',
        );
        continue;
      }
      seen.set(keyLower, key);
      const values = parseList(block[key], keyPath, issues, (item, itemPath) =>
        conditionValue(item, itemPath, parsed.base, issues),
      );
      if (!values) continue;
      const entry: ConditionEntry = {
        operator,
        base: parsed.base,
        ifExists: parsed.ifExists,
        key,
        keyLower,
        values,
        path: keyPath,
      };
      if (parsed.qualifier) entry.qualifier = parsed.qualifier;
      entries.push(entry);
    }
  }
  return issues.count > before ? undefined : entries;
}

/** Condition values are compared as strings; AWS reads JSON numbers and booleans as their text. */
function conditionValue(
  item: unknown,
  path: string,
  base: BaseOperator,
  issues: Collector,
): string | undefined {
  if (typeof item === 'string') return item;
  if (typeof item === 'boolean') return String(item);
  if (typeof item === 'number' && Number.isFinite(item)) {
    const text = String(item);
    // JavaScript spells 1e21 as "1e+21" and 1e-7 as "1e-7". Numeric operators read that as the
    // number it is (condition-ops.ts and the evaluator accept exponents); any other operator would
    // compare a text AWS never wrote, so the value must be written as a string.
    if (/e/i.test(text) && !base.startsWith('Numeric')) {
      issues.add(
        path,
        `the number ${text} has no plain decimal form here; write the value as a decimal string (e.g. "${BigInt(Math.trunc(item)).toString()}")`,
      );
      return undefined;
    }
    return text;
  }
  issues.add(path, `condition value must be a string, number or boolean, got ${describe(item)}`);
  return undefined;
}
