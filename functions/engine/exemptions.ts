import type { RuleId } from '../config/schema.js';
import { ownGet } from '../policy/own.js';

export interface Exemption {
  until?: string;
  expired: boolean;
  /**
   * Why the tag exempts nothing although it names the rule and has not expired: no end date, or an
   * end further away than `exemptionMaxDays` (an exemption must end, and soon enough to be reviewed).
   */
  ignored?: string;
}

/**
 * SPEC.md §4: a tag `<exemptionTagKey>` = `<rule-id>[,<rule-id>...]|*[;until=YYYY-MM-DD]`.
 * Returns the exemption that covers `rule`, or undefined. A malformed tag value exempts nothing
 * (fail closed): the finding is still reported. An exemption without `until`, or ending more than
 * `maxDays` from now, is returned with `ignored` set and exempts nothing either.
 */
export function readExemption(
  tags: Record<string, string> | undefined,
  tagKey: string,
  rule: RuleId,
  now: Date,
  maxDays = 90,
): Exemption | undefined {
  const value = tags ? ownGet(tags, tagKey) : undefined;
  if (value === undefined) return undefined;
  const match = /^\s*([^;]+?)\s*(?:;\s*until=(\d{4}-\d{2}-\d{2})\s*)?$/.exec(value);
  if (!match) return undefined;
  const rules = match[1]!.split(',').map((r) => r.trim());
  if (!rules.includes('*') && !rules.includes(rule)) return undefined;
  const until = match[2];
  if (until === undefined) {
    return {
      expired: false,
      ignored: `the exemption has no end date; exemptions last at most ${maxDays} days (add ;until=YYYY-MM-DD)`,
    };
  }
  const end = Date.parse(`${until}T23:59:59.999Z`);
  if (Number.isNaN(end)) return undefined;
  const expired = now.getTime() > end;
  const latest = now.getTime() + maxDays * 86_400_000;
  if (!expired && end > latest + 86_400_000) {
    return {
      until,
      expired,
      ignored: `the exemption ends ${until}, more than ${maxDays} days from now (the longest accepted)`,
    };
  }
  return { until, expired };
}
