/**
 * AWS Security Finding Format (ASFF), SchemaVersion 2018-10-08, for BatchImportFindings and
 * `--format asff`. Required attributes and limits are those of the API reference:
 * https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsSecurityFinding.html
 * (Title at most 256 characters, Description 1024, Id/GeneratorId/ProductArn 512, Types 50 entries,
 * Resources 32, ProductFields 50 pairs of key 128 and value 2048 characters) and the required
 * top-level attributes: https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html
 */
import type { Severity } from '../rules/types.js';
import type { OpenFinding } from './open-findings.js';

const ASFF_SCHEMA_VERSION = '2018-10-08';
const ASFF_LIMITS = { title: 256, description: 1024, id: 512, productFieldValue: 2048 } as const;

/** Where a finding stands in its lifecycle, as Security Hub is told it. */
export type AsffLifecycle = 'open' | 'reopened' | 'resolved';

export interface AsffFinding {
  SchemaVersion: typeof ASFF_SCHEMA_VERSION;
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Region: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  FirstObservedAt: string;
  LastObservedAt: string;
  Severity: { Label: 'LOW' | 'MEDIUM' | 'HIGH'; Original: Severity };
  Title: string;
  Description: string;
  Resources: { Type: string; Id: string; Partition: string; Region: string }[];
  Compliance: { Status: 'FAILED' | 'PASSED' };
  RecordState: 'ACTIVE' | 'ARCHIVED';
  Workflow?: { Status: 'NEW' };
  ProductFields: Record<string, string>;
}

/** Cut to `max` characters, saying so with an ellipsis (ASFF rejects longer values). */
function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * A custom integration's product ARN: `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-custom-providers.html).
 */
function productArn(partition: string, region: string, account: string): string {
  return `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`;
}

// Resource types ASFF defines: AwsKmsKey for keys; it has none for an interface endpoint, so
// those are `Other` with their ARN as the id
// (https://docs.aws.amazon.com/securityhub/latest/userguide/asff-resources.html).
const RESOURCE_TYPE = { 'kms-key': 'AwsKmsKey', 'vpc-endpoint': 'Other' } as const;

export function toAsff(
  f: OpenFinding,
  times: { firstSeen: string; lastSeen: string; updatedAt: string },
  lifecycle: AsffLifecycle = 'open',
): AsffFinding {
  const { partition, region, account, resourceArn } = f.subject;
  const fields: Record<string, string> = {
    'kms-perimeter-guard/rule': f.rule,
    'kms-perimeter-guard/resourceId': f.resource.id,
  };
  if (f.proof) fields['kms-perimeter-guard/proof'] = f.proof;
  if (f.witness)
    fields['kms-perimeter-guard/witness'] = clip(JSON.stringify(f.witness), ASFF_LIMITS.productFieldValue);
  if (f.file) fields['kms-perimeter-guard/file'] = clip(f.file, ASFF_LIMITS.productFieldValue);
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: f.id,
    ProductArn: productArn(partition, region, account),
    GeneratorId: `kms-perimeter-guard/${f.rule}`,
    AwsAccountId: account,
    Region: region,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    CreatedAt: times.firstSeen,
    UpdatedAt: times.updatedAt,
    FirstObservedAt: times.firstSeen,
    LastObservedAt: times.lastSeen,
    Severity: {
      Label: f.severity === 'high' ? 'HIGH' : f.severity === 'medium' ? 'MEDIUM' : 'LOW',
      Original: f.severity,
    },
    Title: clip(f.title, ASFF_LIMITS.title),
    Description: clip(f.description, ASFF_LIMITS.description),
    Resources: [
      { Type: RESOURCE_TYPE[f.resource.type], Id: resourceArn, Partition: partition, Region: region },
    ],
    Compliance: { Status: lifecycle === 'resolved' ? 'PASSED' : 'FAILED' },
    // A resolved finding is archived; a reopened one goes back to NEW so it is triaged again
    // (https://docs.aws.amazon.com/securityhub/latest/userguide/asff-top-level-attributes.html).
    RecordState: lifecycle === 'resolved' ? 'ARCHIVED' : 'ACTIVE',
    ...(lifecycle === 'reopened' ? { Workflow: { Status: 'NEW' as const } } : {}),
    ProductFields: fields,
  };
}
