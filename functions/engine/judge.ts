import type { GuardConfig, RuleId } from '../config/schema.js';
import { RULES } from '../rules/index.js';
import type { ExtraKeyRead } from '../rules/reads.js';
import type { Finding, ProtectedBy, Resource } from '../rules/types.js';
import { type Exemption, readExemption } from './exemptions.js';

export type JudgeStatus = 'compliant' | 'finding' | 'exempt' | 'off' | 'not-applicable' | 'not-read';

interface RuleResult {
  rule: RuleId;
  status: JudgeStatus;
  findings: Finding[];
  /** Set when an exemption tag was read for this rule (also when expired and ignored). */
  exemption?: Exemption;
  /** `not-read`: the state the rule needs that was not read (`KeyResource.unread`). */
  unread?: ExtraKeyRead[];
  /** What the resource's policy alone allows and only an RCP denies (the rule is then compliant). */
  protectedBy?: ProtectedBy[];
}

/** The reads a rule needs that were deliberately not made for this resource (`KeyResource.unread`). */
function unreadState(resource: Resource, reads: readonly string[]): ExtraKeyRead[] {
  if (resource.type !== 'kms-key' || !resource.unread) return [];
  return resource.unread.filter((r) => reads.includes(r));
}

export interface Verdict {
  resource: Resource;
  results: RuleResult[];
}

/** Judge one resource against every rule (pure: no I/O). */
export function judge(resource: Resource, config: GuardConfig, now: Date = new Date()): Verdict {
  const results: RuleResult[] = [];
  for (const rule of RULES) {
    if (rule.appliesTo !== resource.type) continue;
    const mode = config.rules[rule.id];
    if (mode === 'off') {
      results.push({ rule: rule.id, status: 'off', findings: [] });
      continue;
    }
    if (!rule.applies(resource)) {
      results.push({ rule: rule.id, status: 'not-applicable', findings: [] });
      continue;
    }
    const exemption = readExemption(
      resource.tags,
      config.exemptionTagKey,
      rule.id,
      now,
      config.exemptionMaxDays,
    );
    const unread = unreadState(resource, rule.reads);
    if (unread.length > 0) {
      results.push({
        rule: rule.id,
        status: 'not-read',
        findings: [],
        unread,
        ...(exemption ? { exemption } : {}),
      });
      continue;
    }
    const protectedBy: ProtectedBy[] = [];
    const findings = rule.check(resource, { config, protectedBy });
    const exempts = exemption !== undefined && !exemption.expired && exemption.ignored === undefined;
    const status: JudgeStatus = findings.length === 0 ? 'compliant' : exempts ? 'exempt' : 'finding';
    results.push({
      rule: rule.id,
      status,
      findings,
      ...(exemption ? { exemption } : {}),
      ...(protectedBy.length > 0 ? { protectedBy } : {}),
    });
  }
  return { resource, results };
}
