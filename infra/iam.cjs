// Shared pieces of serverless.yml (resolved by `${file(./infra/iam.cjs):...}`): the Lambda trust
// policy, per-function log permissions, alert publishing, member-role assumption, error alarms.
// Each is as narrow as the action allows.
module.exports = async ({ resolveVariable }) => {
  const guard = await resolveVariable('file(./infra/stage-config.cjs)');
  const service = 'kms-perimeter-guard';
  const stage = await resolveVariable('sls:stage');
  const organizationId = await resolveVariable('param:organizationId');
  const config = JSON.parse(guard.guardConfig);
  // Without an organization, the member role may be assumed only in the accounts the
  // configuration names (trusted accounts and swept accounts).
  const memberAccounts = [
    ...new Set([
      ...config.trust.accounts,
      ...(Array.isArray(config.sweep.accounts) ? config.sweep.accounts : []),
    ]),
  ];
  const memberRole = (account) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:iam::${account}:role/${guard.memberRoleName}`,
  });
  const logs = (fn) => ({
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: {
      'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${service}-${stage}-${fn}:*`,
    },
  });
  const errorsAlarm = (logicalId) => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: `Errors in ${logicalId}`,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId } }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: 'AlarmTopic' }],
    },
  });
  return {
    lambdaTrust: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    },
    logs: {
      endpointEvents: logs('endpointEvents'),
      keyEvents: logs('keyEvents'),
      sweepPlanner: logs('sweepPlanner'),
      sweepWorker: logs('sweepWorker'),
    },
    publishAlerts: { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'AlertTopic' } },
    // Only the member role of the configuration, and only in the organization's accounts
    // (aws:ResourceOrgID: the organization of the role being assumed, IAM User Guide, "AWS global
    // condition context keys"); without an organization, only in the accounts the configuration
    // names. The member role's own trust policy names the guard's roles and the organization too.
    assumeMemberRole: organizationId
      ? {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: memberRole('*'),
          Condition: { StringEquals: { 'aws:ResourceOrgID': organizationId } },
        }
      : {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: memberAccounts.length
            ? memberAccounts.map(memberRole)
            : [memberRole('${AWS::AccountId}')],
        },
    // The findings ledger's sinks. Security Hub: findings of the guard's own account are imported
    // with the function's role (other accounts' through the member role), into the account's own
    // custom integration, the only product it may import into
    // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecurityhub.html,
    // https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-custom-providers.html).
    importFindings: {
      Effect: 'Allow',
      Action: 'securityhub:BatchImportFindings',
      Resource: {
        'Fn::Sub': 'arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:product/${AWS::AccountId}/default',
      },
    },
    // EventBridge: transition events on the default bus of the function's account and Region only.
    putTransitionEvents: {
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: {
        'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default',
      },
    },
    // Alerts SNS would not take are kept here (alarmed): a remediation is reported at least once.
    // The findings ledger (functions/adapters/ledger.ts): Query an account-region or a resource,
    // GetItem after a lost race, PutItem conditionally. Nothing else, and only this table.
    findingsLedger: {
      Effect: 'Allow',
      Action: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem'],
      Resource: { 'Fn::GetAtt': ['FindingsTable', 'Arn'] },
    },
    keepUndeliveredAlerts: {
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': ['UndeliveredAlertsQueue', 'Arn'] },
    },
    errorsAlarm: {
      EndpointEventsLambdaFunction: errorsAlarm('EndpointEventsLambdaFunction'),
      KeyEventsLambdaFunction: errorsAlarm('KeyEventsLambdaFunction'),
      SweepPlannerLambdaFunction: errorsAlarm('SweepPlannerLambdaFunction'),
      SweepWorkerLambdaFunction: errorsAlarm('SweepWorkerLambdaFunction'),
    },
  };
};
