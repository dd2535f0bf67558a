/**
 * The stable identity of a finding: one per (partition, account, region, resource ARN, rule), the
 * same whether an event, a sweep or the CLI found it, so the ledger, Security Hub and an OCSF lake
 * see one finding that opens, resolves and reopens rather than a new one per run.
 *
 * Recipe (documented in the README, "Finding ids"): the SHA-256 of the UTF-8 text
 * `kms-perimeter-guard/v1\n<partition>\n<account>\n<region>\n<resource ARN>\n<rule id>`, in
 * lowercase hex, prefixed `kpg-v1-`. None of the parts can hold a newline (ARNs, account ids,
 * Region names and rule ids do not), so distinct tuples never hash the same text.
 */
import { createHash } from 'node:crypto';
import type { RuleId } from '../rules/types.js';

export interface FindingSubject {
  partition: string;
  account: string;
  region: string;
  /** The resource's ARN (`arn:aws:kms:...:key/<id>`, `arn:aws:ec2:...:vpc-endpoint/<id>`). */
  resourceArn: string;
  rule: RuleId;
}

const PREFIX = 'kpg-v1-';

export function findingId(s: FindingSubject): string {
  const text = ['kms-perimeter-guard/v1', s.partition, s.account, s.region, s.resourceArn, s.rule].join('\n');
  return PREFIX + createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The partition of a Region: `cn-*` is aws-cn, `us-gov-*` aws-us-gov, `us-iso-*` aws-iso,
 * `us-isob-*` aws-iso-b, else aws
 * (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
 */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/**
 * The ARN of a guarded resource. Keys: `arn:<p>:kms:<region>:<account>:key/<key-id>`
 * (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN); endpoints:
 * `arn:<p>:ec2:<region>:<account>:vpc-endpoint/<vpce-id>`
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html#amazonec2-resources-for-iam-policies).
 * An ARN already known (DescribeKey's `Arn`) is kept as it is.
 */
export function resourceArnOf(r: {
  type: 'kms-key' | 'vpc-endpoint';
  id: string;
  account: string;
  region: string;
  arn?: string;
}): string {
  if (r.arn?.startsWith('arn:')) return r.arn;
  const p = partitionOf(r.region);
  return r.type === 'kms-key'
    ? `arn:${p}:kms:${r.region}:${r.account}:key/${r.id}`
    : `arn:${p}:ec2:${r.region}:${r.account}:vpc-endpoint/${r.id}`;
}

/** The subject of `rule` on a resource: the partition comes from its ARN. */
export function subjectOf(
  r: { type: 'kms-key' | 'vpc-endpoint'; id: string; account: string; region: string; arn?: string },
  rule: RuleId,
): FindingSubject {
  const resourceArn = resourceArnOf(r);
  const partition = /^arn:([^:]+):/.exec(resourceArn)?.[1] ?? partitionOf(r.region);
  return { partition, account: r.account, region: r.region, resourceArn, rule };
}
