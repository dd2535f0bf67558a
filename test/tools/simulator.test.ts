/**
 * The AWS simulator driven by the unmodified SDK clients (and the guard's adapters) through an
 * endpoint override: wire formats, pagination, errors, AWS's checks, throttling.
 */
import { DescribeVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateGrantCommand,
  KMSClient,
  NotFoundException,
  PutKeyPolicyCommand,
  ReplicateKeyCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAwsError } from '../../functions/adapters/errors.js';
import {
  createEc2Adapter,
  createEc2Client,
  createKmsAdapter,
  createKmsClient,
  createOrganizationsClient,
  createSnsAdapter,
  createSnsClient,
  createStsAdapter,
  createStsClient,
} from '../../functions/adapters/index.js';
import { activeOrganizationAccounts, callerAccount, enabledRegions } from '../../functions/adapters/scope.js';
import { errorAlert } from '../../functions/engine/alerts.js';
import { AwsSimulator } from '../../tools/simulator/server.js';

const A = '111122223333';
const B = '444455556666';
const REGION = 'eu-west-1';
const root = (account: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
});

let sim: AwsSimulator;
let endpoint: string;
const opts = (account = A, region = REGION) => ({
  region,
  endpoint,
  credentials: sim.credentialsFor(account),
  maxAttempts: 1,
});

beforeAll(async () => {
  sim = new AwsSimulator({ quotas: { 'kms:ListResourceTags': { rate: 1, burst: 2 } } });
  endpoint = await sim.start();
  const e = sim.estate;
  for (let i = 0; i < 7; i++) {
    e.addKey({
      keyId: `k${i}`,
      account: A,
      region: REGION,
      policy: JSON.stringify(root(A)),
      tags: { env: 'prod' },
      keyManager: i === 0 ? 'AWS' : 'CUSTOMER',
    });
  }
  e.addKey({ keyId: 'other', account: B, region: REGION, policy: JSON.stringify(root(B)) });
  for (let i = 0; i < 3; i++) {
    e.addEndpoint({ id: `vpce-0${i}`, account: A, region: REGION, vpcId: 'vpc-1', privateDnsEnabled: false });
  }
  e.addEndpoint({
    id: 'vpce-s3',
    account: A,
    region: REGION,
    vpcId: 'vpc-1',
    serviceName: `com.amazonaws.${REGION}.s3`,
    type: 'Gateway',
    privateDnsEnabled: false,
  });
  e.vpcs.set(`${A}:${REGION}:vpc-1`, { enableDnsSupport: true, enableDnsHostnames: false });
  e.accounts = [
    { id: A, status: 'ACTIVE' },
    { id: B, status: 'ACTIVE' },
    { id: '999900001111', status: 'SUSPENDED' },
  ];
  e.roles.set(B, new Set(['KmsPerimeterGuardMember']));
});
afterAll(() => sim.stop());

describe('KMS (JSON 1.1)', () => {
  it('lists every key of the caller’s account-region across pages; describes and reads them', async () => {
    const kms = createKmsAdapter(createKmsClient(opts()), { listKeysPageSize: 3 });
    const ids: string[] = [];
    for await (const k of kms.listKeys()) ids.push(k.keyId);
    expect(ids).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
    expect(sim.calls.get('kms:ListKeys')).toBeGreaterThanOrEqual(3);
    const d = await kms.describeKey(`arn:aws:kms:${REGION}:${A}:key/k1`);
    expect(d).toMatchObject({
      keyId: 'k1',
      account: A,
      region: REGION,
      keyManager: 'CUSTOMER',
      keyState: 'Enabled',
    });
    expect(JSON.parse(await kms.getKeyPolicy('k1'))).toEqual(root(A));
  });

  it('ListAliases through the real SDK: alias/aws/* for AWS-managed keys, customer aliases, a predefined one', async () => {
    const e = sim.estate;
    e.keys.get('k1')!.aliases = ['alias/app-1'];
    try {
      const kms = createKmsAdapter(createKmsClient(opts()));
      const aliases: { aliasName: string; targetKeyId?: string }[] = [];
      for await (const a of kms.listAliases()) aliases.push(a);
      expect(aliases).toEqual(
        expect.arrayContaining([
          { aliasName: 'alias/aws/sim-k0', targetKeyId: 'k0' },
          { aliasName: 'alias/app-1', targetKeyId: 'k1' },
          { aliasName: 'alias/aws/sim-predefined' },
        ]),
      );
      // Only the caller's account-region, and no alias/aws/* on a customer key.
      expect(aliases.filter((a) => a.aliasName.startsWith('alias/aws/') && a.targetKeyId)).toEqual([
        { aliasName: 'alias/aws/sim-k0', targetKeyId: 'k0' },
      ]);
    } finally {
      delete e.keys.get('k1')!.aliases;
    }
  });

  it('GetKeyRotationStatus through the real SDK: off for a new key, the period when on, always on for AWS-managed keys', async () => {
    const kms = createKmsAdapter(createKmsClient(opts()));
    expect(await kms.readKeyState('rotation', 'k2')).toEqual({ enabled: false });
    const k3 = sim.estate.findKey('k3', A, REGION)!;
    k3.rotation = { enabled: true, periodDays: 730 };
    try {
      expect(await kms.readKeyState('rotation', 'k3')).toEqual({ enabled: true, rotationPeriodInDays: 730 });
    } finally {
      delete k3.rotation;
    }
    expect(await kms.readKeyState('rotation', 'k0')).toEqual({ enabled: true, rotationPeriodInDays: 365 });
  });

  it('grants through the real SDK: CreateGrant, ListGrants over pages of 100, RevokeGrant', async () => {
    const client = createKmsClient(opts());
    const kms = createKmsAdapter(client);
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      const out = await client.send(
        new CreateGrantCommand({
          KeyId: 'k4',
          GranteePrincipal: i % 2 ? `arn:aws:iam::${B}:role/r${i}` : 'rds.eu-west-1.amazonaws.com',
          Operations: ['Decrypt', 'Encrypt'],
          ...(i === 0 ? { Constraints: { EncryptionContextSubset: { app: 'x' } }, Name: 'first' } : {}),
        }),
      );
      ids.push(out.GrantId!);
    }
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
    const before = sim.calls.get('kms:ListGrants') ?? 0;
    const grants = await kms.readKeyState('grants', 'k4');
    expect(grants.map((g) => g.grantId)).toEqual(ids);
    expect((sim.calls.get('kms:ListGrants') ?? 0) - before).toBe(2);
    expect(grants[0]).toMatchObject({
      name: 'first',
      granteePrincipal: 'rds.eu-west-1.amazonaws.com',
      operations: ['Decrypt', 'Encrypt'],
      issuingAccount: `arn:aws:iam::${A}:root`,
      constraints: { encryptionContextSubset: { app: 'x' } },
    });
    await kms.revokeGrant('k4', ids[1]!);
    expect((await kms.readKeyState('grants', 'k4')).map((g) => g.grantId)).not.toContain(ids[1]);
    await expect(kms.revokeGrant('k4', ids[1]!)).rejects.toMatchObject({ code: 'NotFoundException' });
    delete sim.estate.findKey('k4', A, REGION)!.grants;
  });

  it('ReplicateKey through the real SDK: the replica (same mrk- id) in the replica region, with its own policy', async () => {
    const regions = sim.estate.regions;
    sim.estate.regions = [REGION, 'us-west-2'];
    const mrk = 'mrk-0123456789abcdef0123456789abcdef';
    sim.estate.addKey({ keyId: mrk, account: A, region: REGION, policy: JSON.stringify(root(A)) });
    const own = JSON.stringify({ ...root(A), Id: 'replica' });
    const out = await new KMSClient(opts()).send(
      new ReplicateKeyCommand({ KeyId: mrk, ReplicaRegion: 'us-west-2', Policy: own }),
    );
    expect(out.ReplicaKeyMetadata).toMatchObject({
      Arn: `arn:aws:kms:us-west-2:${A}:key/${mrk}`,
      MultiRegion: true,
      KeyManager: 'CUSTOMER',
    });
    expect(out.ReplicaPolicy).toBe(own);
    // The replica is read in its own region; the primary keeps its policy in its own.
    const west = createKmsAdapter(createKmsClient(opts(A, 'us-west-2')));
    expect(await west.getKeyPolicy(mrk)).toBe(own);
    expect(JSON.parse(await createKmsAdapter(createKmsClient(opts())).getKeyPolicy(mrk))).toEqual(root(A));
    expect(await west.describeKey(mrk)).toMatchObject({ region: 'us-west-2', multiRegion: true });
    await expect(
      new KMSClient(opts()).send(new ReplicateKeyCommand({ KeyId: 'k1', ReplicaRegion: 'us-west-2' })),
    ).rejects.toMatchObject({ name: 'UnsupportedOperationException' });
    sim.estate.regions = regions;
  });

  it('answers NotFoundException the way the SDK models it, for another account’s key too', async () => {
    const client = createKmsClient(opts());
    await expect(createKmsAdapter(client).describeKey('nope')).rejects.toMatchObject({
      code: 'NotFoundException',
      classification: 'not-found',
    });
    await expect(createKmsAdapter(client).getKeyPolicy('other')).rejects.toMatchObject({
      code: 'NotFoundException',
    });
    const raw = new KMSClient({ region: REGION, endpoint, credentials: sim.credentialsFor(A) });
    await expect(
      raw.send(new PutKeyPolicyCommand({ KeyId: 'nope', PolicyName: 'default', Policy: '{}' })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('PutKeyPolicy: the lockout safety check and JSON validity, as KMS enforces them', async () => {
    const kms = createKmsAdapter(createKmsClient(opts()));
    const lockout = {
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'kms:*', Resource: '*' },
      ],
    };
    await expect(kms.putKeyPolicy('k2', JSON.stringify(lockout))).rejects.toMatchObject({
      code: 'MalformedPolicyDocumentException',
    });
    await expect(kms.putKeyPolicy('k2', '{"Statement": [')).rejects.toMatchObject({
      code: 'MalformedPolicyDocumentException',
    });
    const next = {
      ...root(A),
      Statement: [
        ...root(A).Statement,
        {
          Sid: 'Deny',
          Effect: 'Deny',
          Principal: '*',
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:PrincipalAccount': A } },
        },
      ],
    };
    await kms.putKeyPolicy('k2', JSON.stringify(next));
    expect(JSON.parse(await kms.getKeyPolicy('k2'))).toEqual(next);
  });

  it('throttles over a quota with ThrottlingException, which the guard classifies as throttling', async () => {
    const client = createKmsClient(opts());
    const errors: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      try {
        await createKmsAdapter(client, { retry: { attempts: 1 } }).listResourceTags('k3');
      } catch (err) {
        errors.push(err);
      }
    }
    expect(errors.length).toBeGreaterThan(0);
    expect(classifyAwsError(errors[0])).toBe('throttling');
  });
});

describe('EC2 (Query, XML)', () => {
  it('DescribeVpcEndpoints with the service-name filter and pagination', async () => {
    const ec2 = createEc2Adapter(createEc2Client(opts()), { describeVpcEndpointsPageSize: 2 });
    const found: string[] = [];
    for await (const e of ec2.describeVpcEndpoints({
      filters: { 'service-name': [`com.amazonaws.${REGION}.kms`] },
    }))
      found.push(e.id);
    expect(found).toEqual(['vpce-00', 'vpce-01', 'vpce-02']);
    const one = await ec2.describeVpcEndpoint('vpce-01');
    expect(one).toMatchObject({
      id: 'vpce-01',
      vpcId: 'vpc-1',
      privateDnsEnabled: false,
      vpcEndpointType: 'Interface',
      state: 'available',
    });
    await expect(ec2.describeVpcEndpoint('vpce-zz')).rejects.toMatchObject({
      code: 'InvalidVpcEndpointId.NotFound',
      classification: 'not-found',
    });
  });

  it('DescribeVpcEndpoints with the vpc-endpoint-type filter, and a cross-region endpoint’s ServiceRegion', async () => {
    sim.estate.addEndpoint({
      id: 'vpce-xr',
      account: A,
      region: REGION,
      vpcId: 'vpc-1',
      serviceName: 'com.amazonaws.us-west-2.kms',
      serviceRegion: 'us-west-2',
    });
    try {
      const ec2 = createEc2Adapter(createEc2Client(opts()));
      const found: Record<string, string | undefined> = {};
      for await (const e of ec2.describeVpcEndpoints({ filters: { 'vpc-endpoint-type': ['Interface'] } }))
        found[e.id] = e.serviceRegion;
      // The S3 Gateway endpoint is filtered out by EC2; the cross-region one says where KMS is.
      expect(found).toEqual({
        'vpce-00': undefined,
        'vpce-01': undefined,
        'vpce-02': undefined,
        'vpce-xr': 'us-west-2',
      });
    } finally {
      sim.estate.endpoints.delete('vpce-xr');
    }
  });

  it('DescribeVpcAttribute, and ModifyVpcEndpoint refusing private DNS without DNS hostnames', async () => {
    const ec2 = createEc2Adapter(createEc2Client(opts()));
    expect(await ec2.describeVpcDnsAttributes('vpc-1')).toEqual({
      enableDnsSupport: true,
      enableDnsHostnames: false,
    });
    await expect(ec2.modifyVpcEndpoint({ id: 'vpce-00', privateDnsEnabled: true })).rejects.toMatchObject({
      code: 'InvalidParameter',
    });
    sim.estate.vpcs.set(`${A}:${REGION}:vpc-1`, { enableDnsSupport: true, enableDnsHostnames: true });
    expect(await ec2.modifyVpcEndpoint({ id: 'vpce-00', privateDnsEnabled: true })).toBe(true);
    expect((await ec2.describeVpcEndpoint('vpce-00')).privateDnsEnabled).toBe(true);
  });

  it('DescribeRegions', async () => {
    expect(await enabledRegions(createEc2Client(opts()))).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('the raw SDK parses an item set with one element as a list', async () => {
    const out = await new EC2Client({ region: REGION, endpoint, credentials: sim.credentialsFor(A) }).send(
      new DescribeVpcEndpointsCommand({ VpcEndpointIds: ['vpce-02'] }),
    );
    expect(out.VpcEndpoints?.map((e) => e.VpcEndpointId)).toEqual(['vpce-02']);
  });
});

describe('SNS, STS, Organizations', () => {
  it('PublishBatch records messages with their String attributes', async () => {
    const sns = createSnsAdapter(createSnsClient(opts()));
    const alert = errorAlert({ stage: 'read', message: 'hello', severity: 'high' });
    const results = await sns.publishBatch('arn:aws:sns:eu-west-1:111122223333:alerts', [alert]);
    expect(results).toEqual([{ id: alert.Id, ok: true, messageId: expect.any(String) }]);
    expect(sim.estate.messages.at(-1)).toMatchObject({
      subject: alert.Subject,
      messageStructure: 'json',
      attributes: { kind: 'error', severity: 'high' },
    });
  });

  it('STS: caller identity; AssumeRole into a member account, and AccessDenied for a missing role', async () => {
    expect(await callerAccount(createStsClient(opts()))).toBe(A);
    const sts = createStsAdapter(createStsClient(opts()));
    const creds = await sts.credentialsForAccount(B, 'KmsPerimeterGuardMember', {
      ownAccount: A,
      sessionName: 'test',
    });
    expect(creds?.accessKeyId).toMatch(/^ASIASIM444455556666/);
    const kmsB = createKmsAdapter(
      createKmsClient({ region: REGION, endpoint, credentials: creds as never, maxAttempts: 1 }),
    );
    expect((await kmsB.describeKey('other')).account).toBe(B);
    await expect(
      sts.credentialsForAccount(B, 'NoSuchRole', { ownAccount: A, sessionName: 'test' }),
    ).rejects.toMatchObject({
      name: 'RoleAssumptionError',
      reason: 'access-denied',
    });
  });

  it('Organizations ListAccounts (ACTIVE only, through the guard’s adapter)', async () => {
    expect(await activeOrganizationAccounts(createOrganizationsClient(opts(A, 'us-east-1')))).toEqual([A, B]);
  });
});
