/**
 * AWS Regions, for witnesses (a key ARN names a real Region) and for validating `--regions`.
 * Source: the AWS SDK for JavaScript v3 endpoint partition data (`@aws-sdk/util-endpoints`,
 * lib/aws/partitions.json, of the SDK version in package-lock.json), which follows
 * https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html.
 * A test fails when the SDK's list and these differ, so an SDK update that adds a Region says so.
 */

/** The `aws` partition: the Regions of `arn:aws:...` ARNs. */
export const COMMERCIAL_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
];

/** Tried first when a witness needs a Region: the most familiar ones read best. */
export const PREFERRED_REGIONS: readonly string[] = ['us-east-1', 'eu-west-1'];
