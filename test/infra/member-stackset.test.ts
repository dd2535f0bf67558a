/** The member-account StackSet template (infra/member-stackset.json). */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { memberRoleActions } from '../../functions/handlers/permissions.js';
import { checkRefs, checkResources, loadSpecs, type Resource, type Spec, type Template } from './cfn-spec.js';

const template = JSON.parse(readFileSync('infra/member-stackset.json', 'utf8')) as Template;
const patterns = JSON.parse(readFileSync('infra/event-patterns.json', 'utf8'));
const r = (id: string) => template.Resources[id] as Resource;

describe('member StackSet template', () => {
  let specs: Map<string, Spec | undefined>;
  beforeAll(async () => {
    specs = await loadSpecs(Object.values(template.Resources).map((x) => x.Type));
  }, 60_000);

  it('is valid against the CloudFormation resource specification', () => {
    expect(checkResources(template.Resources, specs)).toEqual([]);
    expect(checkRefs(template, specs)).toEqual([]);
  });

  it('the member role trusts only the guard’s roles, and only from inside the organization', () => {
    const trust = r('GuardMemberRole').Properties.AssumeRolePolicyDocument as {
      Statement: Record<string, unknown>[];
    };
    expect(trust.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'GuardRoleArns' } },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
      },
    ]);
  });

  it('the member role has only the guard’s actions, no "*" action, writes scoped as in the guard account', () => {
    const policies = r('GuardMemberRole').Properties.Policies as {
      PolicyDocument: { Statement: { Action: string | string[]; Condition?: unknown }[] };
    }[];
    const statements = policies.flatMap((p) => p.PolicyDocument.Statement);
    const held = new Set(statements.flatMap((s) => ([] as string[]).concat(s.Action)));
    // Every AWS action the guard makes in a member account, derived from the rule registry.
    const required = memberRoleActions();
    const missing = [...required]
      .filter(([a]) => !held.has(a))
      .map(([a, why]) => `${a} (needed by ${why.join('; ')})`);
    expect(missing, 'the member role lacks').toEqual([]);
    expect(
      [...held].filter((a) => !required.has(a)),
      'the member role holds actions nothing declares',
    ).toEqual([]);
    // Findings go into this account's own custom integration only (the product ARN of its account).
    const imports = statements.find((s) => s.Action === 'securityhub:BatchImportFindings') as
      | { Resource?: unknown }
      | undefined;
    expect(imports?.Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:product/${AWS::AccountId}/default',
    });
    const modify = statements.find((s) => s.Action === 'ec2:ModifyVpcEndpoint');
    expect(modify?.Condition).toEqual({
      StringLike: { 'ec2:VpceServiceName': ['com.amazonaws.*.kms', 'com.amazonaws.*.kms-fips'] },
    });
  });

  it('forwards exactly the guard’s two event patterns to the guard’s bus', () => {
    expect(r('ForwardEndpointEvents').Properties.EventPattern).toEqual(patterns.endpointEvents);
    expect(r('ForwardKeyEvents').Properties.EventPattern).toEqual(patterns.keyEvents);
    for (const id of ['ForwardEndpointEvents', 'ForwardKeyEvents']) {
      expect((r(id).Properties.Targets as { Arn: unknown }[])[0]?.Arn).toEqual({ Ref: 'GuardEventBusArn' });
    }
  });

  it('roles are created once (IAM is global), rules in every region', () => {
    expect(r('GuardMemberRole').Condition).toBe('CreateRoles');
    expect(r('ForwardingRole').Condition).toBe('CreateRoles');
    expect(r('ForwardKeyEvents').Condition).toBeUndefined();
  });
});
