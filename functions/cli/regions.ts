/**
 * Every AWS Region name `--regions` accepts, all partitions. The commercial (`aws`) partition is
 * policy/regions.ts's list (witnesses use it too); the others — China, European Sovereign Cloud,
 * GovCloud and the ISO partitions — are here. Source of both: the AWS SDK for JavaScript v3 endpoint
 * partition data (`@aws-sdk/util-endpoints`, lib/aws/partitions.json, of the SDK version in
 * package-lock.json), which follows https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html.
 * test/cli/regions.test.ts fails when the SDK's list and this one differ.
 */
import { COMMERCIAL_REGIONS } from '../policy/regions.js';

const OTHER_PARTITIONS: readonly string[] = [
  // aws-cn
  'cn-north-1',
  'cn-northwest-1',
  // aws-eusc
  'eusc-de-east-1',
  // aws-iso, aws-iso-b, aws-iso-e, aws-iso-f
  'us-iso-east-1',
  'us-iso-west-1',
  'us-isob-east-1',
  'us-isob-west-1',
  'eu-isoe-west-1',
  'us-isof-east-1',
  'us-isof-south-1',
  // aws-us-gov
  'us-gov-east-1',
  'us-gov-west-1',
];

export const AWS_REGIONS: readonly string[] = [...COMMERCIAL_REGIONS, ...OTHER_PARTITIONS];

const KNOWN = new Set(AWS_REGIONS);

export const isAwsRegion = (name: string): boolean => KNOWN.has(name);
