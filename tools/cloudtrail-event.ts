/**
 * An EventBridge "AWS API Call via CloudTrail" event for a call alice (a developer role) made: what
 * the demo and the end-to-end benchmarks replay through the Lambda handlers. Every event gets its own
 * `id` and `eventID`, as CloudTrail's do.
 */
let sequence = 0;

export function cloudTrailEvent(
  eventName: string,
  account: string,
  region: string,
  requestParameters: unknown,
  source: 'kms' | 'ec2',
  responseElements?: unknown,
) {
  const id = `${eventName}-${++sequence}`;
  const time = new Date().toISOString();
  return {
    version: '0',
    id,
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${source}`,
    account,
    time,
    region,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${account}:assumed-role/Developer/alice`,
        accountId: account,
      },
      eventTime: time,
      eventSource: `${source}.amazonaws.com`,
      eventName,
      awsRegion: region,
      recipientAccountId: account,
      requestParameters,
      ...(responseElements === undefined ? {} : { responseElements }),
      eventID: id,
    },
  };
}
