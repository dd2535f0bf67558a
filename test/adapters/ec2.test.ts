import {
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  type DescribeVpcEndpointsCommandOutput,
  EC2Client,
  EC2ServiceException,
  ModifyVpcEndpointCommand,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createEc2Client } from '../../functions/adapters/clients.js';
import { createCallCounter } from '../../functions/adapters/counter.js';
import { createEc2Adapter } from '../../functions/adapters/ec2.js';
import { AwsCallError, ResourceNotFoundError } from '../../functions/adapters/errors.js';
import { fastRetry, serviceError } from './helpers.js';
import { PLACEBO_DIR, pages, placeboAvailable, placeboFiles, placeboOutput } from './placebo.js';

const ec2Mock = mockClient(EC2Client);
const KMS_SERVICE = 'com.amazonaws.eu-west-1.kms';

function setup(retryOverrides = {}) {
  const counter = createCallCounter();
  const retry = fastRetry(retryOverrides);
  const ec2 = createEc2Adapter(createEc2Client({ region: 'eu-west-1' }), {
    counter,
    retry,
    describeVpcEndpointsPageSize: 5,
  });
  return { ec2, counter, retry };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function kmsEndpoint(n: number, overrides: Partial<VpcEndpoint> = {}): VpcEndpoint {
  return {
    VpcEndpointId: `vpce-0000000000000000${n}`,
    VpcEndpointType: 'Interface',
    VpcId: 'vpc-0a1b2c3d',
    ServiceName: KMS_SERVICE,
    // The SDK's enum says 'Available'; EC2 sends 'available' (see the recordings).
    State: 'available' as VpcEndpoint['State'],
    PolicyDocument: '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}',
    PrivateDnsEnabled: false,
    RequesterManaged: false,
    OwnerId: '111122223333',
    Tags: [{ Key: 'Name', Value: `kms-${n}` }],
    ...overrides,
  };
}

beforeEach(() => {
  ec2Mock.reset();
});

describe.skipIf(!placeboAvailable)('recorded DescribeVpcEndpoints responses (placebo)', () => {
  const files = placeboFiles('ec2.DescribeVpcEndpoints');

  it('maps every recorded endpoint to a record', async () => {
    expect(files).toHaveLength(16);
    const { ec2 } = setup();
    let seen = 0;
    const types = new Set<string>();
    for (const file of files) {
      const output = placeboOutput<DescribeVpcEndpointsCommandOutput>(file);
      ec2Mock.on(DescribeVpcEndpointsCommand).resolves(output);
      const records = await collect(ec2.describeVpcEndpoints());
      const recorded = output.VpcEndpoints ?? [];
      expect(records, file).toHaveLength(recorded.length);
      records.forEach((record, i) => {
        const e = recorded[i]!;
        expect(record, file).toMatchObject({
          id: e.VpcEndpointId,
          vpcId: e.VpcId,
          serviceName: e.ServiceName,
          vpcEndpointType: e.VpcEndpointType,
          privateDnsEnabled: e.PrivateDnsEnabled ?? false,
          requesterManaged: e.RequesterManaged ?? false,
          state: e.State,
          tags: Object.fromEntries((e.Tags ?? []).map((t) => [t.Key, t.Value])),
        });
        expect(record.policyDocument, file).toBe(e.PolicyDocument);
        expect(record.ownerId, file).toBe(e.OwnerId);
        // Passed through verbatim: one recording holds a redacted "{...}", which is for the policy
        // parser to reject, not for the adapter to hide.
        types.add(`${record.vpcEndpointType}:${record.privateDnsEnabled}:${record.requesterManaged}`);
        seen++;
      });
    }
    expect(seen).toBe(26);
    // Interface endpoints with private DNS on and off, and requester-managed ones, are all recorded.
    expect([...types]).toEqual(
      expect.arrayContaining(['Interface:true:false', 'Interface:false:false', 'Interface:false:true']),
    );
  });

  it('follows NextToken over 3 pages of recorded endpoints, with the service-name filter', async () => {
    const { ec2, counter } = setup();
    const all = files.flatMap((f) => placeboOutput<DescribeVpcEndpointsCommandOutput>(f).VpcEndpoints ?? []);
    const [p1, p2, p3] = pages(all, 3);
    ec2Mock
      .on(DescribeVpcEndpointsCommand)
      .resolvesOnce({ VpcEndpoints: p1, NextToken: 'tok-1' })
      .resolvesOnce({ VpcEndpoints: p2, NextToken: 'tok-2' })
      .resolvesOnce({ VpcEndpoints: p3, NextToken: '' });
    const records = await collect(ec2.describeVpcEndpoints({ filters: { 'service-name': [KMS_SERVICE] } }));
    expect(records.map((r) => r.id)).toEqual(all.map((e) => e.VpcEndpointId));
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeVpcEndpointsCommand, 3);
    const filter = { Filters: [{ Name: 'service-name', Values: [KMS_SERVICE] }], MaxResults: 5 };
    expect(ec2Mock).toHaveReceivedNthCommandWith(DescribeVpcEndpointsCommand, 1, filter);
    expect(ec2Mock).toHaveReceivedNthCommandWith(DescribeVpcEndpointsCommand, 2, {
      ...filter,
      NextToken: 'tok-1',
    });
    expect(ec2Mock).toHaveReceivedNthCommandWith(DescribeVpcEndpointsCommand, 3, {
      ...filter,
      NextToken: 'tok-2',
    });
    expect(counter.snapshot()).toEqual({ 'ec2:DescribeVpcEndpoints': 3 });
  });

  it('an endpoint deleted since the event reads as ResourceNotFoundError (recorded empty list)', async () => {
    const { ec2 } = setup();
    ec2Mock
      .on(DescribeVpcEndpointsCommand)
      .resolves(placeboOutput(`${PLACEBO_DIR}/test_vpc_endpoint_delete/ec2.DescribeVpcEndpoints_2.json`));
    await expect(ec2.describeVpcEndpoint('vpce-0f0a1d8b9f7c1a2b3')).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );
  });
});

describe('describeVpcEndpoint(s)', () => {
  it('asks for the ids it is given, without MaxResults', async () => {
    const { ec2 } = setup();
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [kmsEndpoint(1)] });
    const record = await ec2.describeVpcEndpoint('vpce-00000000000000001');
    expect(record).toMatchObject({
      id: 'vpce-00000000000000001',
      serviceName: KMS_SERVICE,
      vpcEndpointType: 'Interface',
      privateDnsEnabled: false,
      requesterManaged: false,
      tags: { Name: 'kms-1' },
    });
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeVpcEndpointsCommand, {
      VpcEndpointIds: ['vpce-00000000000000001'],
    });
    expect(ec2Mock.commandCalls(DescribeVpcEndpointsCommand)[0]!.args[0].input).not.toHaveProperty(
      'MaxResults',
    );
  });

  it('reports states in EC2’s documented spelling, whichever spelling arrives', async () => {
    const { ec2 } = setup();
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [kmsEndpoint(1, { State: 'PendingAcceptance' }), kmsEndpoint(2)],
    });
    const states = (await collect(ec2.describeVpcEndpoints())).map((r) => r.state);
    expect(states).toEqual(['pendingAcceptance', 'available']);
  });

  it('InvalidVpcEndpointId.NotFound becomes ResourceNotFoundError, without retries', async () => {
    const { ec2 } = setup();
    ec2Mock
      .on(DescribeVpcEndpointsCommand)
      .rejects(serviceError(EC2ServiceException, 'InvalidVpcEndpointId.NotFound'));
    const err = await ec2.describeVpcEndpoint('vpce-00000000000000009').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundError);
    expect(err).toMatchObject({
      code: 'InvalidVpcEndpointId.NotFound',
      resourceId: 'vpce-00000000000000009',
    });
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeVpcEndpointsCommand, 1);
  });

  it('RequestLimitExceeded is retried', async () => {
    const { ec2 } = setup();
    ec2Mock
      .on(DescribeVpcEndpointsCommand)
      .rejectsOnce(serviceError(EC2ServiceException, 'RequestLimitExceeded', 503))
      .resolves({ VpcEndpoints: [kmsEndpoint(1)] });
    await expect(ec2.describeVpcEndpoint('vpce-00000000000000001')).resolves.toMatchObject({
      state: 'available',
    });
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeVpcEndpointsCommand, 2);
  });

  it('UnauthorizedOperation is access-denied, not retried', async () => {
    const { ec2 } = setup();
    ec2Mock
      .on(DescribeVpcEndpointsCommand)
      .rejects(serviceError(EC2ServiceException, 'UnauthorizedOperation', 403));
    await expect(collect(ec2.describeVpcEndpoints())).rejects.toMatchObject({
      classification: 'access-denied',
    });
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeVpcEndpointsCommand, 1);
  });

  it('a repeated NextToken is an error, not an endless loop', async () => {
    const { ec2 } = setup();
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [], NextToken: 'again' });
    await expect(collect(ec2.describeVpcEndpoints())).rejects.toMatchObject({ code: 'PaginationError' });
  });
});

describe('describeVpcDnsAttributes (SPEC §6: private DNS needs both)', () => {
  it('reads enableDnsSupport and enableDnsHostnames with two DescribeVpcAttribute calls', async () => {
    const { ec2, counter } = setup();
    ec2Mock
      .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsSupport' })
      .resolves({ VpcId: 'vpc-1', EnableDnsSupport: { Value: true } })
      .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsHostnames' })
      .resolves({ VpcId: 'vpc-1', EnableDnsHostnames: { Value: false } });
    await expect(ec2.describeVpcDnsAttributes('vpc-1')).resolves.toEqual({
      enableDnsSupport: true,
      enableDnsHostnames: false,
    });
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeVpcAttributeCommand, 2);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeVpcAttributeCommand, {
      VpcId: 'vpc-1',
      Attribute: 'enableDnsSupport',
    });
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeVpcAttributeCommand, {
      VpcId: 'vpc-1',
      Attribute: 'enableDnsHostnames',
    });
    expect(counter.snapshot()).toEqual({ 'ec2:DescribeVpcAttribute': 2 });
  });

  it('an absent value reads as off', async () => {
    const { ec2 } = setup();
    ec2Mock.on(DescribeVpcAttributeCommand).resolves({ VpcId: 'vpc-1' });
    await expect(ec2.describeVpcDnsAttributes('vpc-1')).resolves.toEqual({
      enableDnsSupport: false,
      enableDnsHostnames: false,
    });
  });

  it('InvalidVpcId.NotFound becomes ResourceNotFoundError', async () => {
    const { ec2 } = setup();
    ec2Mock
      .on(DescribeVpcAttributeCommand)
      .rejects(serviceError(EC2ServiceException, 'InvalidVpcId.NotFound'));
    await expect(ec2.describeVpcDnsAttributes('vpc-gone')).rejects.toBeInstanceOf(ResourceNotFoundError);
  });
});

describe('modifyVpcEndpoint', () => {
  it('turns private DNS on and returns the Return flag', async () => {
    const { ec2 } = setup();
    ec2Mock.on(ModifyVpcEndpointCommand).resolves({ Return: true });
    await expect(ec2.modifyVpcEndpoint({ id: 'vpce-1', privateDnsEnabled: true })).resolves.toBe(true);
    expect(ec2Mock).toHaveReceivedCommandExactlyOnceWith(ModifyVpcEndpointCommand, {
      VpcEndpointId: 'vpce-1',
      PrivateDnsEnabled: true,
    });
    expect(ec2Mock.commandCalls(ModifyVpcEndpointCommand)[0]!.args[0].input).not.toHaveProperty(
      'PolicyDocument',
    );
  });

  it('writes a policy document', async () => {
    const { ec2 } = setup();
    ec2Mock.on(ModifyVpcEndpointCommand).resolves({ Return: false });
    await expect(ec2.modifyVpcEndpoint({ id: 'vpce-1', policyDocument: '{"Statement":[]}' })).resolves.toBe(
      false,
    );
    expect(ec2Mock).toHaveReceivedCommandWith(ModifyVpcEndpointCommand, {
      VpcEndpointId: 'vpce-1',
      PolicyDocument: '{"Statement":[]}',
    });
  });

  it('refuses a request that changes nothing', async () => {
    const { ec2 } = setup();
    await expect(ec2.modifyVpcEndpoint({ id: 'vpce-1' })).rejects.toBeInstanceOf(TypeError);
    expect(ec2Mock).not.toHaveReceivedAnyCommand();
  });

  it('RequestLimitExceeded until the budget is spent: a typed, retryable error', async () => {
    const { ec2, counter } = setup({ attempts: 3 });
    ec2Mock
      .on(ModifyVpcEndpointCommand)
      .rejects(serviceError(EC2ServiceException, 'RequestLimitExceeded', 503));
    const err = await ec2
      .modifyVpcEndpoint({ id: 'vpce-1', privateDnsEnabled: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect(err).toMatchObject({
      classification: 'throttling',
      retryable: true,
      operation: 'ModifyVpcEndpoint',
    });
    expect(counter.total()).toBe(3);
  });

  it('EC2 refusing the change (e.g. a conflicting private DNS domain) is permanent', async () => {
    const { ec2 } = setup();
    ec2Mock
      .on(ModifyVpcEndpointCommand)
      .rejects(serviceError(EC2ServiceException, 'InvalidParameter', 400, 'private DNS name conflicts'));
    await expect(ec2.modifyVpcEndpoint({ id: 'vpce-1', privateDnsEnabled: true })).rejects.toMatchObject({
      classification: 'permanent',
      code: 'InvalidParameter',
    });
    expect(ec2Mock).toHaveReceivedCommandTimes(ModifyVpcEndpointCommand, 1);
  });
});
