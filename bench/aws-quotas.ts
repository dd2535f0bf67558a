/**
 * AWS's own request quotas per account-region (SPEC §6), enforced by the benchmarks' fake AWS: a call
 * over its quota is answered with the service's throttling error. KMS: per-operation rates; EC2:
 * each API has its own bucket, 100 tokens refilled at 20/s for non-mutating actions (Describe*).
 * https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
 */
export const AWS_QUOTAS = {
  'kms:ListKeys': { rate: 500, burst: 500 },
  'kms:ListAliases': { rate: 500, burst: 500 },
  'kms:DescribeKey': { rate: 2000, burst: 2000 },
  'kms:GetKeyPolicy': { rate: 1000, burst: 1000 },
  'kms:ListResourceTags': { rate: 2000, burst: 2000 },
  'kms:ListGrants': { rate: 100, burst: 100 },
  'kms:PutKeyPolicy': { rate: 15, burst: 15 },
  'kms:RevokeGrant': { rate: 15, burst: 15 },
  'ec2:Describe': { rate: 20, burst: 100 },
  'ec2:ModifyVpcEndpoint': { rate: 0.3, burst: 4 },
} as const;
