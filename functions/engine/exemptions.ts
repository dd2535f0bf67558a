import type { RuleId } from '../config/schema.js';
import { ownGet } from '../policy/own.js';

export interface Exemption {
  until?: string;
  expired: boolean;
}

/**
 * SPEC.md §4: a tag `<exemptionTagKey>` = `<rule-id>[,<rule-id>...]|*[;until=YYYY-MM-DD]`.
 * Returns the exemption that covers `rule`, or undefined. A malformed tag value exempts nothing
 * (fail closed): the finding is still reported.
 */
export function readExemption(
  tags: Record<string, string> | undefined,
  tagKey: string,
  rule: RuleId,
  now: Date,
): Exemption | undefined {
  const value = tags ? ownGet(tags, tagKey) : undefined;
  if (value === undefined) return undefined;
  const match = /^\s*([^;]+?)\s*(?:;\s*until=(\d{4}-\d{2}-\d{2})\s*)?$/.exec(value);
  if (!match) return undefined;
  const rules = match[1]!.split(',').map((r) => r.trim());
  if (!rules.includes('*') && !rules.includes(rule)) return undefined;
  const until = match[2];
  if (until === undefined) return { expired: false };
  const end = Date.parse(`${until}T23:59:59.999Z`);
  if (Number.isNaN(end)) return undefined;
  return { until, expired: now.getTime() > end };
}
