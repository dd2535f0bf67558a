/**
 * Notices: what subscribers must hear about that is neither a finding nor an error: a policy change
 * a later write replaced, an exemption granted or ignored (alerted once, by the event that set it).
 */
import type { GuardConfig } from '../config/schema.js';
import type { Trigger } from '../events/types.js';
import { parsePolicyText } from '../policy/parse.js';
import type { Policy } from '../policy/types.js';
import { canonicalJson, isGuardWritten } from '../rules/guard-statements.js';
import type { Resource } from '../rules/types.js';
import type { AlertResourceDoc, NoticeAlertInput } from './alert-types.js';
import type { ResourceContext } from './deps.js';
import type { Verdict } from './judge.js';
import { alertTrigger } from './outcomes.js';

/**
 * The guard's own writes: member-role sessions are named `kms-perimeter-guard-<function>`
 * (handlers/runtime.ts) and the Lambdas' own sessions carry the function name, which starts with
 * the service name.
 */
function isGuardActor(trigger: Trigger): boolean {
  return /:assumed-role\/[^/]+\/kms-perimeter-guard/.test(trigger.actorArn ?? '');
}

/**
 * A PutKeyPolicy whose policy is no longer the live one although the live one carries a guard
 * statement: a later write replaced it, and the guard's remediation (which started from an earlier
 * read: KMS has no conditional write) may be that write. Returns what the change had that the
 * live policy lacks, or undefined when the change is in force (the guard statements aside).
 */
export function overwrittenChange(
  trigger: Trigger,
  resource: Resource,
  config: GuardConfig,
): string[] | undefined {
  const live: Policy | undefined = resource.policy;
  const writes = trigger.eventName === 'PutKeyPolicy' || trigger.eventName === 'ModifyVpcEndpoint';
  if (!writes || !live || trigger.policyText === undefined || isGuardActor(trigger)) return undefined;
  const written = parsePolicyText(trigger.policyText, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!written.ok) return undefined;
  const own = (s: { raw: unknown }) => isGuardWritten(s.raw, config);
  if (!live.statements.some(own)) return undefined;
  const liveTexts = new Set(live.statements.filter((s) => !own(s)).map((s) => canonicalJson(s.raw)));
  const theirs = written.value.statements.filter((s) => !own(s));
  const missing = theirs.filter((s) => !liveTexts.has(canonicalJson(s.raw)));
  if (missing.length === 0 && theirs.length === liveTexts.size) return undefined;
  return missing.length > 0
    ? missing.map((s) => `${s.sid ?? s.path} is not in the live policy: ${JSON.stringify(s.raw)}`)
    : ['the live policy has statements this change did not write'];
}

export function setsExemption(trigger: Trigger, config: GuardConfig): boolean {
  return (trigger.tags ?? []).some((t) => t.key === config.exemptionTagKey);
}

/**
 * The event that sets an exemption tag is the one moment the exemption is new: it is alerted then,
 * once (granted, or ignored with the reason: malformed, no end date, too long, expired). Returns
 * the notices' inputs; the guard renders them (the alert module loads only when there is one).
 */
export function exemptionNotices(
  ctx: ResourceContext,
  verdict: Verdict,
  config: GuardConfig,
  time: Date,
): NoticeAlertInput[] {
  const trigger = ctx.trigger;
  if (!trigger || !setsExemption(trigger, config)) return [];
  const value = trigger.tags?.find((t) => t.key === config.exemptionTagKey)?.value ?? '';
  const r = verdict.resource;
  const resource: AlertResourceDoc = {
    type: r.type,
    id: r.id,
    account: r.account ?? ctx.account,
    region: r.region ?? ctx.region,
    ...(r.type === 'kms-key' && r.arn ? { arn: r.arn } : {}),
  };
  const judged = verdict.results.filter((x) => x.status !== 'off' && x.status !== 'not-applicable');
  const covered = judged.filter((x) => x.exemption);
  const ignored = covered.filter((x) => x.exemption?.expired || x.exemption?.ignored);
  const granted = covered.filter((x) => !x.exemption?.expired && !x.exemption?.ignored);
  const who = trigger.actorArn ?? 'someone';
  const common = {
    account: resource.account ?? ctx.account,
    region: resource.region ?? ctx.region,
    resource,
    ...(alertTrigger(trigger) ? { trigger: alertTrigger(trigger)! } : {}),
    time,
  };
  const out: NoticeAlertInput[] = [];
  if (granted.length > 0) {
    const until = granted[0]?.exemption?.until;
    out.push({
      ...common,
      notice: 'exemption-granted',
      severity: 'medium',
      rules: granted.map((x) => x.rule),
      message: `${who} exempted ${r.type} ${r.id} from ${granted.map((x) => x.rule).join(', ')}${until ? ` until ${until}` : ''} (tag ${config.exemptionTagKey}=${JSON.stringify(value)}): its findings are reported as exempt and neither alerted nor remediated.`,
      details: granted.map(
        (x) =>
          `${x.rule}: ${x.status === 'exempt' ? 'has findings, now exempt' : x.status === 'not-read' ? 'not judged on this event (the next sweep judges it)' : 'compliant today'}`,
      ),
    });
  }
  if (ignored.length > 0 || covered.length === 0) {
    const why =
      ignored.map((x) => `${x.rule}: ${x.exemption?.ignored ?? `expired ${x.exemption?.until}`}`) ?? [];
    out.push({
      ...common,
      notice: 'exemption-ignored',
      severity: 'medium',
      ...(ignored.length ? { rules: ignored.map((x) => x.rule) } : {}),
      message: `${who} set ${config.exemptionTagKey}=${JSON.stringify(value)} on ${r.type} ${r.id}, which exempts nothing: ${covered.length === 0 ? 'the value names no rule of this resource in the form <rule-id>[,<rule-id>...]|*;until=YYYY-MM-DD' : 'see the reasons'}. Findings stay alerted and remediated.`,
      ...(why.length ? { details: why } : {}),
    });
  }
  return out;
}
