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

/**
 * Where a finding stands in its lifecycle, as Security Hub is told it: `open` and `reopened` fail
 * the check and are active; `resolved` and `remediated` pass it and are archived; `exempt` still
 * fails it but is archived (an exemption is the owner's decision, not a fix).
 */
export type AsffLifecycle = 'open' | 'reopened' | 'resolved' | 'remediated' | 'exempt';

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
  /**
   * Severity and Types as the provider says them: BatchImportFindings does not let a provider update
   * the top-level Severity or Types of an existing finding; a provider updates these instead
   * (https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html).
   */
  FindingProviderFields: {
    Severity: { Label: 'LOW' | 'MEDIUM' | 'HIGH'; Original: Severity };
    Types: string[];
  };
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
  const severity = {
    Label:
      f.severity === 'high'
        ? ('HIGH' as const)
        : f.severity === 'medium'
          ? ('MEDIUM' as const)
          : ('LOW' as const),
    Original: f.severity,
  };
  const types = ['Software and Configuration Checks/AWS Security Best Practices'];
  const passed = lifecycle === 'resolved' || lifecycle === 'remediated';
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: f.id,
    ProductArn: productArn(partition, region, account),
    GeneratorId: `kms-perimeter-guard/${f.rule}`,
    AwsAccountId: account,
    Region: region,
    Types: types,
    CreatedAt: times.firstSeen,
    UpdatedAt: times.updatedAt,
    FirstObservedAt: times.firstSeen,
    LastObservedAt: times.lastSeen,
    Severity: severity,
    FindingProviderFields: { Severity: { ...severity }, Types: [...types] },
    Title: clip(f.title, ASFF_LIMITS.title),
    Description: clip(f.description, ASFF_LIMITS.description),
    Resources: [
      { Type: RESOURCE_TYPE[f.resource.type], Id: resourceArn, Partition: partition, Region: region },
    ],
    Compliance: { Status: passed ? 'PASSED' : 'FAILED' },
    // A closed finding (resolved, remediated, exempt) is archived; a reopened one goes back to NEW
    // so it is triaged again (https://docs.aws.amazon.com/securityhub/latest/userguide/asff-top-level-attributes.html).
    // Security Hub itself resets Workflow.Status to NEW when RecordState goes ARCHIVED -> ACTIVE or
    // Compliance.Status PASSED -> FAILED, and ignores a provider's Workflow on an existing finding
    // (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_Workflow.html); ours counts
    // when the finding is created anew (Security Hub deletes a finding 90 days after its last update:
    // https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings.html).
    RecordState: lifecycle === 'open' || lifecycle === 'reopened' ? 'ACTIVE' : 'ARCHIVED',
    ...(lifecycle === 'reopened' ? { Workflow: { Status: 'NEW' as const } } : {}),
    ProductFields: fields,
  };
}
