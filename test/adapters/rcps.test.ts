import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  OrganizationsClient,
  OrganizationsServiceException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCallCounter } from '../../functions/adapters/counter.js';
import { createOrganizationsClient } from '../../functions/adapters/organizations-client.js';
import { createRcpReader } from '../../functions/adapters/rcps.js';
import { fastRetry, serviceError } from './helpers.js';

const orgMock = mockClient(OrganizationsClient);
const MANAGEMENT = '999988887777';
const MEMBER = '111122223333';
const ROOT = 'r-ab12';
const OU = 'ou-ab12-11111111';
const FULL = {
  Id: 'p-RCPFullAWSAccess',
  Name: 'RCPFullAWSAccess',
  AwsManaged: true,
  Type: 'RESOURCE_CONTROL_POLICY' as const,
};
const deny = (sid: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: sid,
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:*',
        Resource: '*',
        Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      },
    ],
  });

function organization(enabled = true) {
  orgMock
    .on(DescribeOrganizationCommand)
    .resolves({ Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: MANAGEMENT } });
  orgMock.on(ListRootsCommand).resolves({
    Roots: [
      {
        Id: ROOT,
        Name: 'Root',
        PolicyTypes: enabled ? [{ Type: 'RESOURCE_CONTROL_POLICY', Status: 'ENABLED' }] : [],
      },
    ],
  });
  orgMock
    .on(ListParentsCommand, { ChildId: MEMBER })
    .resolves({ Parents: [{ Id: OU, Type: 'ORGANIZATIONAL_UNIT' }] });
  orgMock.on(ListParentsCommand, { ChildId: OU }).resolves({ Parents: [{ Id: ROOT, Type: 'ROOT' }] });
  // The root's policies come in two pages.
  orgMock
    .on(ListPoliciesForTargetCommand, { TargetId: ROOT, Filter: 'RESOURCE_CONTROL_POLICY' })
    .resolves({ Policies: [FULL], NextToken: 't1' });
  orgMock
    .on(ListPoliciesForTargetCommand, { TargetId: ROOT, Filter: 'RESOURCE_CONTROL_POLICY', NextToken: 't1' })
    .resolves({ Policies: [{ Id: 'p-rootrcp01', Name: 'root', AwsManaged: false }] });
  orgMock
    .on(ListPoliciesForTargetCommand, { TargetId: OU })
    .resolves({ Policies: [FULL, { Id: 'p-ourcp0001', Name: 'ou', AwsManaged: false }] });
  orgMock.on(ListPoliciesForTargetCommand, { TargetId: MEMBER }).resolves({ Policies: [FULL] });
  orgMock
    .on(DescribePolicyCommand, { PolicyId: 'p-rootrcp01' })
    .resolves({ Policy: { Content: deny('RootDeny') } });
  orgMock
    .on(DescribePolicyCommand, { PolicyId: 'p-ourcp0001' })
    .resolves({ Policy: { Content: deny('OuDeny') } });
}

function setup() {
  const counter = createCallCounter();
  const rcpsFor = createRcpReader(createOrganizationsClient({ region: 'us-east-1' }), {
    counter,
    retry: fastRetry(),
  });
  return { rcpsFor, counter };
}

describe('Organizations RCP reader', () => {
  beforeEach(() => orgMock.reset());

  it('the RCPs of the root (every page), the OU and the account, in that order; RCPFullAWSAccess is not read', async () => {
    organization();
    const { rcpsFor } = setup();
    const got = await rcpsFor(MEMBER);
    expect(got.kind).toBe('rcps');
    if (got.kind !== 'rcps') return;
    expect(got.rcps.map((r) => r.name)).toEqual(['p-rootrcp01', 'p-ourcp0001']);
    expect(got.rcps[0]?.policy.statements[0]?.sid).toBe('RootDeny');
    expect(orgMock).toReceiveCommandWith(ListPoliciesForTargetCommand, {
      TargetId: OU,
      Filter: 'RESOURCE_CONTROL_POLICY',
    });
    expect(orgMock).not.toReceiveCommandWith(DescribePolicyCommand, { PolicyId: 'p-RCPFullAWSAccess' });
  });

  it('answers are cached for the run: a second account-region of the account asks nothing again', async () => {
    organization();
    const { rcpsFor, counter } = setup();
    await rcpsFor(MEMBER);
    const calls = orgMock.calls().length;
    await rcpsFor(MEMBER);
    expect(orgMock.calls().length).toBe(calls);
    expect(counter.snapshot()['organizations:DescribePolicy']).toBe(2);
  });

  it('the management account: RCPs do not apply', async () => {
    organization();
    const got = await setup().rcpsFor(MANAGEMENT);
    expect(got).toEqual({ kind: 'none', reason: 'RCPs do not apply to resources in the management account' });
  });

  it('RCPs not enabled in the root: none', async () => {
    organization(false);
    expect((await setup().rcpsFor(MEMBER)).kind).toBe('none');
  });

  it('a level without RCPFullAWSAccess is an error (an allow-list is not modelled): judged without RCPs', async () => {
    organization();
    orgMock.on(ListPoliciesForTargetCommand, { TargetId: MEMBER }).resolves({ Policies: [] });
    const got = await setup().rcpsFor(MEMBER);
    expect(got).toMatchObject({ kind: 'error', reason: expect.stringContaining('no RCPFullAWSAccess') });
  });

  it('AccessDenied is reported as an error, never thrown', async () => {
    organization();
    orgMock
      .on(ListParentsCommand)
      .rejects(serviceError(OrganizationsServiceException, 'AccessDeniedException'));
    const got = await setup().rcpsFor(MEMBER);
    expect(got).toMatchObject({ kind: 'error', reason: expect.stringContaining('AccessDeniedException') });
  });

  it('throttling is retried', async () => {
    organization();
    orgMock
      .on(DescribeOrganizationCommand)
      .rejectsOnce(serviceError(OrganizationsServiceException, 'TooManyRequestsException', 400))
      .resolves({ Organization: { MasterAccountId: MANAGEMENT } });
    const got = await setup().rcpsFor(MEMBER);
    expect(got.kind).toBe('rcps');
    expect(orgMock.commandCalls(DescribeOrganizationCommand)).toHaveLength(2);
  });

  it('an account outside the organization: none', async () => {
    organization();
    orgMock
      .on(ListParentsCommand, { ChildId: '444455556666' })
      .rejects(serviceError(OrganizationsServiceException, 'ChildNotFoundException'));
    expect(await setup().rcpsFor('444455556666')).toMatchObject({ kind: 'none' });
  });

  it('an RCP that is not valid RCP syntax is an error naming it', async () => {
    organization();
    orgMock.on(DescribePolicyCommand, { PolicyId: 'p-ourcp0001' }).resolves({
      Policy: {
        Content: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'kms:*', Resource: '*' }],
        }),
      },
    });
    expect(await setup().rcpsFor(MEMBER)).toMatchObject({
      kind: 'error',
      reason: expect.stringContaining('p-ourcp0001'),
    });
  });
});
