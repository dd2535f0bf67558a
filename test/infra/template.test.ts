/**
 * The packaged CloudFormation template (`osls package`, offline, no credentials): what it declares
 * and that every role is least-privilege as the deployment issue asks.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLE_NEEDS, requiredActions } from '../../functions/handlers/permissions.js';
import { checkRefs, checkResources, loadSpecs, type Resource, type Spec, type Template } from './cfn-spec.js';

const osls = path.resolve('node_modules/.bin/osls');
const cleanEnv = () => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() };
  return env; // no AWS credentials, no region: packaging must not need them
};

function pack(stage: string, extraEnv: Record<string, string> = {}) {
  const out = mkdtempSync(path.join(tmpdir(), 'kpg-package-'));
  const run = spawnSync(osls, ['package', '--stage', stage, '--package', out], {
    encoding: 'utf8',
    env: { ...cleanEnv(), ...extraEnv },
    timeout: 120_000,
  });
  return { run, out };
}

let template: Template;
let packageDir: string;
const resources = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const statementsOf = (roleId: string) => {
  const role = template.Resources[roleId] as Resource;
  const policies = role.Properties.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[];
  return policies.flatMap((p) =>
    p.PolicyDocument.Statement.filter((s) => s && typeof s === 'object' && 'Effect' in s),
  );
};
const actionsOf = (roleId: string) =>
  statementsOf(roleId).flatMap((s) => ([] as string[]).concat(s.Action as string | string[]));

beforeAll(() => {
  const { run, out } = pack('dev');
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  packageDir = out;
  template = JSON.parse(
    readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
}, 120_000);

describe('packaged template', () => {
  it('declares the findings ledger: on-demand, encrypted, point-in-time recovery, kept on delete', () => {
    const tables = resources('AWS::DynamoDB::Table');
    expect(tables.map(([id]) => id)).toEqual(['FindingsTable']);
    const [, table] = tables[0] as [string, Resource & { DeletionPolicy?: string }];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'scope', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('declares the four functions on nodejs22.x / arm64, each with its own role', () => {
    const fns = resources('AWS::Lambda::Function');
    expect(fns.map(([id]) => id).sort()).toEqual([
      'EndpointEventsLambdaFunction',
      'KeyEventsLambdaFunction',
      'SweepPlannerLambdaFunction',
      'SweepWorkerLambdaFunction',
    ]);
    const roles = new Set<string>();
    for (const [, f] of fns) {
      expect(f.Properties.Runtime).toBe('nodejs22.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
      const role = (f.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
      roles.add(role);
    }
    expect(roles.size).toBe(4);
  });

  it('no role has a "*" action, and writes are granted only where a function remediates', () => {
    for (const [id] of resources('AWS::IAM::Role')) {
      for (const a of actionsOf(id)) expect(a, `${id}: ${a}`).not.toMatch(/(^\*$|:\*$)/);
    }
    expect(actionsOf('EndpointEventsRole')).toContain('ec2:ModifyVpcEndpoint');
    expect(actionsOf('EndpointEventsRole')).not.toContain('kms:PutKeyPolicy');
    expect(actionsOf('KeyEventsRole')).toContain('kms:PutKeyPolicy');
    expect(actionsOf('KeyEventsRole')).not.toContain('ec2:ModifyVpcEndpoint');
    expect(actionsOf('SweepPlannerRole').filter((a) => /^(kms:Put|ec2:Modify|s3:Put)/.test(a))).toEqual([]);
  });

  it('each role holds exactly the actions its rules, reads, remediations and function declare', () => {
    // Derived, not remembered (handlers/permissions.ts): the registry says what each rule reads and
    // how it remediates; a missing action names the rules that need it, an extra one is refused.
    const logs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
    for (const [role, needs] of Object.entries(ROLE_NEEDS)) {
      const required = requiredActions(needs);
      const held = new Set(actionsOf(role));
      const missing = [...required]
        .filter(([a]) => !held.has(a))
        .map(([a, why]) => `${a} (needed by ${why.join('; ')})`);
      expect(missing, `${role} lacks`).toEqual([]);
      const extra = [...held].filter((a) => !required.has(a) && !logs.includes(a));
      expect(extra, `${role} holds actions nothing declares`).toEqual([]);
    }
  });

  it('key actions are scoped to keys of the account; ModifyVpcEndpoint to KMS endpoints', () => {
    for (const role of ['KeyEventsRole', 'SweepWorkerRole']) {
      const s = statementsOf(role).find((x) =>
        ([] as string[]).concat(x.Action as string[]).includes('kms:PutKeyPolicy'),
      );
      expect(JSON.stringify(s?.Resource)).toContain(':key/*');
    }
    for (const role of ['EndpointEventsRole', 'SweepWorkerRole']) {
      const s = statementsOf(role).find((x) =>
        ([] as string[]).concat(x.Action as string[]).includes('ec2:ModifyVpcEndpoint'),
      );
      expect(s?.Condition).toEqual({
        StringLike: { 'ec2:VpceServiceName': ['com.amazonaws.*.kms', 'com.amazonaws.*.kms-fips'] },
      });
    }
  });

  it('the ledger’s sinks: Security Hub into the own account’s product, events on the own default bus', () => {
    const sinkRoles = ['EndpointEventsRole', 'KeyEventsRole', 'SweepWorkerRole'];
    for (const role of sinkRoles) {
      const find = (action: string) => statementsOf(role).find((x) => x.Action === action);
      expect(find('securityhub:BatchImportFindings')?.Resource, role).toEqual({
        'Fn::Sub': 'arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:product/${AWS::AccountId}/default',
      });
      expect(find('events:PutEvents')?.Resource, role).toEqual({
        'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default',
      });
    }
    expect(actionsOf('SweepPlannerRole')).not.toContain('events:PutEvents');
  });

  it('EventBridge rules carry the tested patterns of infra/event-patterns.json', () => {
    const patterns = JSON.parse(readFileSync('infra/event-patterns.json', 'utf8'));
    const rules = resources('AWS::Events::Rule').map(([, r]) => r.Properties.EventPattern);
    expect(rules).toContainEqual(patterns.endpointEvents);
    expect(rules).toContainEqual(patterns.keyEvents);
  });

  it('event handlers: bounded async retries, max event age, an SQS failure destination', () => {
    const configs = resources('AWS::Lambda::EventInvokeConfig').map(([, r]) => r.Properties);
    expect(configs).toHaveLength(2);
    for (const c of configs) {
      expect(c).toMatchObject({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
      expect(JSON.stringify(c.DestinationConfig)).toContain('EventFailureQueue');
    }
  });

  it('sweep worker: SQS with partial batch failures, bounded concurrency, visibility timeout > timeout, DLQ', () => {
    const worker = template.Resources.SweepWorkerLambdaFunction as Resource;
    expect(worker.Properties.ReservedConcurrentExecutions).toBe(12);
    const mapping = resources('AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties)[0];
    expect(mapping).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    const queue = (template.Resources.SweepQueue as Resource).Properties;
    expect(queue.VisibilityTimeout as number).toBeGreaterThan(worker.Properties.Timeout as number);
    expect(queue.RedrivePolicy).toMatchObject({ maxReceiveCount: 3 });
    expect(
      resources('AWS::Events::Rule').some(
        ([, r]) => String(r.Properties.ScheduleExpression) === 'rate(1 day)',
      ),
    ).toBe(true);
  });

  it('alarms notify their own topic, encrypted with a key CloudWatch may use', () => {
    for (const [id, a] of resources('AWS::CloudWatch::Alarm'))
      expect(a.Properties.AlarmActions, id).toEqual([{ Ref: 'AlarmTopic' }]);
    expect(resources('AWS::CloudWatch::Alarm')).toHaveLength(9);
    expect((template.Resources.AlarmTopic as Resource).Properties.KmsMasterKeyId).toEqual({
      Ref: 'AlarmTopicKey',
    });
    const keyPolicy = JSON.stringify((template.Resources.AlarmTopicKey as Resource).Properties.KeyPolicy);
    expect(keyPolicy).toContain('cloudwatch.amazonaws.com');
  });

  it('the alert topic is encrypted and only the guard’s roles may publish', () => {
    expect((template.Resources.AlertTopic as Resource).Properties.KmsMasterKeyId).toBe('alias/aws/sns');
    const policy = (template.Resources.AlertTopicPolicy as Resource).Properties.PolicyDocument as {
      Statement: { Effect: string }[];
    };
    expect(policy.Statement.map((s) => s.Effect)).toEqual(['Deny', 'Allow']);
  });

  it('one small zip per function (its own chunks only, no source maps)', () => {
    // A package holding every function's chunks, or source maps, is about 2 MB. A function's own
    // chunks, its lazily loaded clients included (SNS, STS, SQS, Organizations, DynamoDB, Security
    // Hub, EventBridge), are 250-290 KB zipped; what the cold start parses is measured in the
    // handlers benchmark.
    for (const fn of ['endpointEvents', 'keyEvents', 'sweepPlanner', 'sweepWorker']) {
      const bytes = statSync(path.join(packageDir, `${fn}.zip`)).size;
      expect(bytes, fn).toBeLessThan(384 * 1024);
    }
  });

  it('the functions get the validated stage configuration', () => {
    const env = (
      (template.Resources.KeyEventsLambdaFunction as Resource).Properties.Environment as {
        Variables: Record<string, string>;
      }
    ).Variables;
    const config = JSON.parse(env.GUARD_CONFIG as string);
    expect(config.trust.accounts).toEqual(['111122223333']);
    expect(config.network.cryptoActions.length).toBeGreaterThan(0); // defaults filled in
  });
});

describe('packaging with an invalid stage configuration', () => {
  it('fails and names the field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kpg-stage-'));
    writeFileSync(path.join(dir, 'broken.json'), JSON.stringify({ trust: { accounts: ['12345'] } }));
    const { run } = pack('broken', { GUARD_STAGE_CONFIG_DIR: dir });
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/trust\.accounts\[0\]: must be a 12-digit AWS account id/);
  }, 120_000);
});

describe('packaged template against the CloudFormation resource specification', () => {
  let specs: Map<string, Spec | undefined>;
  beforeAll(async () => {
    specs = await loadSpecs([
      ...Object.values(template.Resources).map((r) => r.Type),
      'AWS::SQS::Queue',
      'AWS::Lambda::Function',
    ]);
  }, 60_000);

  it('every resource type exists, every property is known, every required property is set', () => {
    expect(checkResources(template.Resources, specs)).toEqual([]);
  });

  it('the check itself catches a misspelt property, a missing required one and an unknown type', () => {
    expect(
      checkResources(
        {
          Q: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimout: 30 } },
          F: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x' } },
          X: { Type: 'AWS::Nope::Thing', Properties: {} },
        },
        specs,
      ),
    ).toEqual([
      'Q: AWS::SQS::Queue has no property VisibilityTimout',
      'F: required property Code missing',
      'F: required property Role missing',
      'X: unknown type AWS::Nope::Thing',
    ]);
  });

  it('every Ref and Fn::GetAtt points at something that exists', () => {
    expect(checkRefs(template, specs)).toEqual([]);
  });
});
