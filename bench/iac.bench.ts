/**
 * Infrastructure-code benchmark (issue 14): `check` of a generated 2,000-resource CloudFormation
 * YAML template and a 2,000-resource Terraform plan, read, resolved and judged by every rule, as
 * the CLI does (runCheck). Target: under 5 s each.
 */
import { runCheck } from '../functions/cli/check.js';
import { parseConfig } from '../functions/config/load.js';
import { type BenchTable, fmt, median, nowMs } from './lib.js';

const config = parseConfig(
  {
    trust: { accounts: ['111122223333'], organizationIds: ['o-a1b2c3d4e5'] },
    network: { vpceIds: ['vpce-0a1b2c3d4e5f6a7b8'] },
  },
  'bench-iac',
);

/** Keys (every third one shared with an outside account) and KMS endpoints, in short-form YAML. */
function template(count: number): string {
  const lines = [
    'AWSTemplateFormatVersion: "2010-09-09"',
    'Parameters:',
    '  Partner:',
    '    Type: String',
    '    Default: "444455556666"',
    'Resources:',
  ];
  for (let i = 0; i < count; i++) {
    if (i % 4 === 3) {
      lines.push(
        `  Endpoint${i}:`,
        '    Type: AWS::EC2::VPCEndpoint',
        '    Properties:',
        '      ServiceName: !Sub com.amazonaws.${AWS::Region}.kms',
        '      VpcEndpointType: Interface',
        '      VpcId: vpc-0a1b2c3d4e5f6a7b8',
        `      PrivateDnsEnabled: ${i % 8 === 3}`,
      );
      continue;
    }
    lines.push(
      `  Key${i}:`,
      '    Type: AWS::KMS::Key',
      '    Properties:',
      '      KeyPolicy:',
      '        Version: "2012-10-17"',
      '        Statement:',
      '          - Sid: Root',
      '            Effect: Allow',
      '            Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }',
      '            Action: kms:*',
      '            Resource: "*"',
      '          - Sid: Use',
      '            Effect: Allow',
      `            Principal: { AWS: ${i % 3 === 0 ? '!Ref Partner' : '!Join ["", ["arn:aws:iam::", !Ref "AWS::AccountId", ":role/app"]]'} }`,
      '            Action: [kms:Decrypt, kms:Encrypt]',
      '            Resource: "*"',
      '            Condition:',
      '              StringEquals:',
      '                aws:SourceVpce: vpce-0a1b2c3d4e5f6a7b8',
    );
  }
  return `${lines.join('\n')}\n`;
}

function plan(count: number): string {
  const changes: unknown[] = [];
  const resources: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const endpoint = i % 4 === 3;
    const address = endpoint ? `aws_vpc_endpoint.kms[${i}]` : `aws_kms_key.k[${i}]`;
    const outside = i % 3 === 0 ? '444455556666' : '111122223333';
    const after = endpoint
      ? {
          service_name: 'com.amazonaws.eu-west-1.kms',
          vpc_endpoint_type: 'Interface',
          private_dns_enabled: i % 8 === 3,
          vpc_id: 'vpc-0a1b2c3d4e5f6a7b8',
        }
      : {
          policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'Root',
                Effect: 'Allow',
                Principal: { AWS: 'arn:aws:iam::111122223333:root' },
                Action: 'kms:*',
                Resource: '*',
              },
              {
                Sid: 'Use',
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${outside}:role/app` },
                Action: ['kms:Decrypt'],
                Resource: '*',
                Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d4e5f6a7b8' } },
              },
            ],
          }),
        };
    const type = endpoint ? 'aws_vpc_endpoint' : 'aws_kms_key';
    changes.push({
      address,
      mode: 'managed',
      type,
      name: endpoint ? 'kms' : 'k',
      index: i,
      change: {
        actions: ['create'],
        before: null,
        after,
        after_unknown: { id: true, arn: true, ...(endpoint ? { policy: true } : {}) },
      },
    });
    resources.push({
      address: address.replace(/\[\d+\]$/, ''),
      mode: 'managed',
      type,
      name: endpoint ? 'kms' : 'k',
      expressions: endpoint ? { service_name: {}, private_dns_enabled: {} } : { policy: {} },
    });
  }
  return JSON.stringify(
    {
      format_version: '1.2',
      terraform_version: '1.9.5',
      resource_changes: changes,
      configuration: { root_module: { resources } },
    },
    null,
    2,
  );
}

export async function run({ quick }: { quick?: boolean }): Promise<BenchTable> {
  const count = 2_000;
  const samples = quick ? 1 : 5;
  const inputs = [
    {
      name: `CloudFormation YAML template, ${count} resources`,
      file: 'bench.template.yaml',
      text: template(count),
    },
    { name: `Terraform plan, ${count} resources`, file: 'plan.json', text: plan(count) },
  ];
  const rows = inputs.map((input) => {
    const times: number[] = [];
    let findings = 0;
    let resources = 0;
    for (let s = 0; s < samples; s++) {
      const t0 = nowMs();
      const report = runCheck({
        files: [{ name: input.file, text: input.text }],
        config,
        where: { account: '111122223333', region: 'eu-west-1' },
      });
      times.push(nowMs() - t0);
      findings = report.summary.findings;
      resources = report.summary.resources;
      if (report.problems.length > 0 || resources !== count)
        throw new Error(`${input.name}: ${resources} resources, ${report.problems.length} problems`);
    }
    times.sort((a, b) => a - b);
    const ms = median(times);
    return {
      name: input.name,
      value: Number(fmt(ms / 1000, 2)),
      unit: 's',
      detail: `${samples} runs, min ${fmt(times[0]! / 1000, 2)} s, max ${fmt(times.at(-1)! / 1000, 2)} s; ${(input.text.length / 1e6).toFixed(1)} MB, ${resources} resources, ${findings} findings`,
      target: '< 5 s',
      pass: ms < 5_000,
    };
  });
  return { title: 'Infrastructure code (check of a 2,000-resource template and plan)', rows };
}
