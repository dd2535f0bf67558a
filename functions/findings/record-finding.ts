/**
 * What a ledger record alone says of its finding, for the sinks of a transition that has no open
 * finding to render (a finding resolved or exempted: the resource is compliant, unseen, or exempt,
 * so the run judged nothing open about it). The record keeps the subject, severity and times; the
 * resource's kind and id come back out of its ARN, and the title from the rule registry.
 */
import { RULES } from '../rules/index.js';
import type { LedgerRecord } from './lifecycle.js';
import type { OpenFinding } from './open-findings.js';

/**
 * A guarded resource's kind and id from its ARN: `arn:<p>:kms:<region>:<account>:key/<key-id>`,
 * `arn:<p>:ec2:<region>:<account>:vpc-endpoint/<vpce-id>`
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html#awskeymanagementservice-resources-for-iam-policies,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html#amazonec2-resources-for-iam-policies).
 * Anything else is kept whole as the id of a key (the only other kind a record can hold).
 */
export function resourceOfArn(arn: string): OpenFinding['resource'] {
  const m = /^arn:[^:]+:(kms|ec2):[^:]*:[^:]*:(key|vpc-endpoint)\/(.+)$/.exec(arn);
  if (m?.[2] === 'vpc-endpoint') return { type: 'vpc-endpoint', id: m[3] as string };
  return { type: 'kms-key', id: m?.[3] ?? arn };
}

const WHY: Partial<Record<LedgerRecord['state'], string>> = {
  resolved: 'found compliant, or no longer found by a complete sweep',
  remediated: 'remediated by kms-perimeter-guard',
  exempt: 'exempted by its exemption tag; the guard no longer reports it',
};

/** The finding a record stands for, described by its state ("resolved at <time>: ..."). */
export function findingOfRecord(r: LedgerRecord): OpenFinding {
  const resource = resourceOfArn(r.subject.resourceArn);
  // A record may outlive its rule (removed in a later version): its id then stands for its title.
  const title = RULES.find((rule) => rule.id === r.subject.rule)?.title ?? r.subject.rule;
  const why = WHY[r.state];
  return {
    id: r.id,
    subject: r.subject,
    resource,
    rule: r.subject.rule,
    severity: r.severity,
    title,
    description: `${resource.type} ${resource.id}: ${title}: ${r.state} at ${r.lastSeen}${why ? ` (${why})` : ''}`,
  };
}
