/**
 * OCSF 1.1.0 Compliance Finding (class_uid 2003, category Findings 2) for lakes such as Security
 * Lake: https://schema.ocsf.io/1.1.0/classes/compliance_finding. type_uid is class_uid * 100 +
 * activity_id (1 Create, 2 Update, 3 Close); severity_id 2 Low, 3 Medium, 4 High; status_id
 * 1 New, 4 Resolved; compliance.status_id 3 Fail, 1 Pass
 * (https://schema.ocsf.io/1.1.0/objects/compliance).
 */
import type { Severity } from '../rules/types.js';
import type { OpenFinding } from './open-findings.js';

const OCSF_VERSION = '1.1.0';
const CLASS_UID = 2003;
const SEVERITY_ID: Record<Severity, 2 | 3 | 4> = { low: 2, medium: 3, high: 4 };
const SEVERITY_NAME: Record<Severity, string> = { low: 'Low', medium: 'Medium', high: 'High' };

export type OcsfActivity = 'create' | 'update' | 'close';
const ACTIVITY_ID: Record<OcsfActivity, 1 | 2 | 3> = { create: 1, update: 2, close: 3 };
const ACTIVITY_NAME: Record<OcsfActivity, string> = { create: 'Create', update: 'Update', close: 'Close' };

export function toOcsf(
  f: OpenFinding,
  times: { firstSeen: string; lastSeen: string; now: string },
  version: string,
  activity: OcsfActivity = 'create',
): Record<string, unknown> {
  const closed = activity === 'close';
  const ms = (iso: string) => new Date(iso).getTime();
  return {
    activity_id: ACTIVITY_ID[activity],
    activity_name: ACTIVITY_NAME[activity],
    category_uid: 2,
    category_name: 'Findings',
    class_uid: CLASS_UID,
    class_name: 'Compliance Finding',
    type_uid: CLASS_UID * 100 + ACTIVITY_ID[activity],
    time: ms(times.now),
    severity_id: SEVERITY_ID[f.severity],
    severity: SEVERITY_NAME[f.severity],
    status_id: closed ? 4 : 1,
    status: closed ? 'Resolved' : 'New',
    message: f.description,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'kms-perimeter-guard', vendor_name: 'kms-perimeter-guard', version },
      uid: f.id,
    },
    finding_info: {
      uid: f.id,
      title: f.title,
      desc: f.description,
      types: [f.rule],
      first_seen_time: ms(times.firstSeen),
      last_seen_time: ms(times.lastSeen),
    },
    compliance: {
      standards: ['kms-perimeter-guard'],
      control: f.rule,
      status_id: closed ? 1 : 3,
      status: closed ? 'Pass' : 'Fail',
    },
    cloud: {
      provider: 'AWS',
      region: f.subject.region,
      account: { uid: f.subject.account, type_id: 10, type: 'AWS Account' },
    },
    resources: [
      {
        uid: f.subject.resourceArn,
        name: f.resource.id,
        type: f.resource.type === 'kms-key' ? 'AWS::KMS::Key' : 'AWS::EC2::VPCEndpoint',
        region: f.subject.region,
        cloud_partition: f.subject.partition,
      },
    ],
    unmapped: {
      ...(f.proof ? { proof: f.proof } : {}),
      ...(f.witness ? { witness: f.witness } : {}),
      ...(f.file ? { file: f.file } : {}),
    },
  };
}
