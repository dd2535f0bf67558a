import {
  DescribeKeyCommand,
  type DescribeKeyCommandOutput,
  GetKeyPolicyCommand,
  type GetKeyPolicyCommandOutput,
  GetKeyRotationStatusCommand,
  KMSClient,
  KMSServiceException,
  LimitExceededException,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  type ListKeysCommandOutput,
  ListResourceTagsCommand,
  NotFoundException,
  PutKeyPolicyCommand,
  RevokeGrantCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createKmsClient } from '../../functions/adapters/clients.js';
import { createCallCounter } from '../../functions/adapters/counter.js';
import { AwsCallError, ResourceNotFoundError } from '../../functions/adapters/errors.js';
import { createKmsAdapter } from '../../functions/adapters/kms.js';
import { retryNotFound } from '../../functions/engine/eventual-consistency.js';
import { fastRetry, serviceError } from './helpers.js';
import {
  PLACEBO_DIR,
  pages,
  placeboAvailable,
  placeboError,
  placeboFiles,
  placeboOutput,
  readPlacebo,
} from './placebo.js';

const kmsMock = mockClient(KMSClient);
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:eu-west-1:111122223333:key/${KEY_ID}`;
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
  ],
});

function setup(retryOverrides = {}) {
  const counter = createCallCounter();
  const retry = fastRetry(retryOverrides);
  const kms = createKmsAdapter(createKmsClient({ region: 'eu-west-1' }), {
    counter,
    retry,
    listKeysPageSize: 2,
  });
  return { kms, counter, retry };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const throttled = () => serviceError(KMSServiceException, 'ThrottlingException', 400, 'Rate exceeded');

beforeEach(() => {
  kmsMock.reset();
});

describe.skipIf(!placeboAvailable)('recorded responses (placebo) drive the KMS port', () => {
  const describeFiles = placeboFiles('kms.DescribeKey');
  const okDescribe = describeFiles.filter((f) => {
    const file = readPlacebo(f);
    return file.status_code === 200 && (file.data.KeyMetadata as { Arn?: string } | undefined)?.Arn;
  });

  it('has recorded DescribeKey, GetKeyPolicy and ListKeys responses', () => {
    expect(okDescribe.length).toBeGreaterThan(80);
    expect(placeboFiles('kms.GetKeyPolicy')).toHaveLength(10);
    expect(placeboFiles('kms.ListKeys').length).toBeGreaterThan(30);
  });

  it('describeKey maps every recorded DescribeKey response', async () => {
    const { kms } = setup();
    const managers = new Set<string | undefined>();
    for (const file of okDescribe) {
      const output = placeboOutput<DescribeKeyCommandOutput>(file);
      const meta = output.KeyMetadata!;
      kmsMock.on(DescribeKeyCommand).resolves(output);
      const key = await kms.describeKey(meta.KeyId!);
      const [, , , region, arnAccount] = meta.Arn!.split(':');
      // Custodian's recorder rewrote some ids in one field and not the other (and redacted a few as
      // xxxxxxxxxxxx): AWSAccountId wins when it is a 12-digit id, else the ARN's account.
      const account = /^\d{12}$/.test(meta.AWSAccountId ?? '') ? meta.AWSAccountId : arnAccount;
      expect(key, file).toMatchObject({ keyId: meta.KeyId, arn: meta.Arn, region, account });
      expect(key.keyManager, file).toBe(meta.KeyManager);
      expect(key.keyState, file).toBe(meta.KeyState);
      if (meta.CreationDate) expect(key.creationDate, file).toBeInstanceOf(Date);
      managers.add(key.keyManager);
    }
    // Both AWS-managed and customer-managed keys are in the recordings (and partial responses).
    expect(managers).toEqual(new Set(['AWS', 'CUSTOMER', undefined]));
  });

  it('describeKey: recorded AccessDeniedException is mapped and not retried', async () => {
    const { kms, counter } = setup();
    kmsMock
      .on(DescribeKeyCommand)
      .rejects(
        placeboError(`${PLACEBO_DIR}/test_kms_access_denied/kms.DescribeKey_1.json`, KMSServiceException),
      );
    const err = await kms.describeKey('d01ee9b3-ce85-4622-8e1c-ce85b8cdc89d').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect(err).toMatchObject({
      classification: 'access-denied',
      code: 'AccessDeniedException',
      retryable: false,
    });
    expect(counter.snapshot()).toEqual({ 'kms:DescribeKey': 1 });
  });

  it('describeKey: recorded NotFoundException becomes ResourceNotFoundError', async () => {
    const { kms } = setup();
    kmsMock
      .on(DescribeKeyCommand)
      .rejects(
        placeboError(
          `${PLACEBO_DIR}/test_eks_associate_encryption_config_invalid_kms/kms.DescribeKey_1.json`,
          KMSServiceException,
        ),
      );
    await expect(kms.describeKey('alias/eks_invalid_key')).rejects.toBeInstanceOf(ResourceNotFoundError);
    expect(kmsMock).toHaveReceivedCommandTimes(DescribeKeyCommand, 1);
  });

  it('getKeyPolicy returns every recorded policy text, asking for the default policy', async () => {
    const { kms } = setup();
    for (const file of placeboFiles('kms.GetKeyPolicy')) {
      const output = placeboOutput<GetKeyPolicyCommandOutput>(file);
      kmsMock.on(GetKeyPolicyCommand).resolves(output);
      const text = await kms.getKeyPolicy(KEY_ID);
      expect(text, file).toBe(output.Policy);
      expect(JSON.parse(text).Statement, file).toBeDefined();
    }
    expect(kmsMock).toHaveReceivedCommandWith(GetKeyPolicyCommand, { KeyId: KEY_ID, PolicyName: 'default' });
  });

  it('listKeys yields every key of every recorded ListKeys response', async () => {
    const { kms } = setup();
    for (const file of placeboFiles('kms.ListKeys')) {
      const output = placeboOutput<ListKeysCommandOutput>(file);
      kmsMock.on(ListKeysCommand).resolves(output);
      const keys = await collect(kms.listKeys());
      expect(keys, file).toEqual((output.Keys ?? []).map((k) => ({ keyId: k.KeyId, keyArn: k.KeyArn })));
    }
  });

  it('listKeys follows Marker/Truncated over 3 pages of recorded keys', async () => {
    const { kms, counter } = setup();
    const all = placeboFiles('kms.ListKeys').flatMap(
      (f) => placeboOutput<ListKeysCommandOutput>(f).Keys ?? [],
    );
    const [p1, p2, p3] = pages(all, 3);
    kmsMock
      .on(ListKeysCommand)
      .resolvesOnce({ Keys: p1, Truncated: true, NextMarker: 'm1' })
      .resolvesOnce({ Keys: p2, Truncated: true, NextMarker: 'm2' })
      .resolvesOnce({ Keys: p3, Truncated: false });
    const keys = await collect(kms.listKeys());
    expect(keys.map((k) => k.keyId)).toEqual(all.map((k) => k.KeyId));
    expect(kmsMock).toHaveReceivedCommandTimes(ListKeysCommand, 3);
    expect(kmsMock).toHaveReceivedNthCommandWith(ListKeysCommand, 1, { Limit: 2 });
    expect(kmsMock).toHaveReceivedNthCommandWith(ListKeysCommand, 2, { Marker: 'm1' });
    expect(kmsMock).toHaveReceivedNthCommandWith(ListKeysCommand, 3, { Marker: 'm2' });
    expect(kmsMock.commandCalls(ListKeysCommand)[0]!.args[0].input).not.toHaveProperty('Marker');
    expect(counter.snapshot()).toEqual({ 'kms:ListKeys': 3 });
  });
});

describe('listKeys / listResourceTags pagination', () => {
  it('listResourceTags merges 3 pages', async () => {
    const { kms } = setup();
    kmsMock
      .on(ListResourceTagsCommand)
      .resolvesOnce({ Tags: [{ TagKey: 'a', TagValue: '1' }], Truncated: true, NextMarker: 't1' })
      .resolvesOnce({ Tags: [{ TagKey: 'b', TagValue: '2' }], Truncated: true, NextMarker: 't2' })
      .resolvesOnce({ Tags: [{ TagKey: 'kms-perimeter-guard:exempt', TagValue: '*' }], Truncated: false });
    await expect(kms.listResourceTags(KEY_ID)).resolves.toEqual({
      a: '1',
      b: '2',
      'kms-perimeter-guard:exempt': '*',
    });
    expect(kmsMock).toHaveReceivedCommandTimes(ListResourceTagsCommand, 3);
    expect(kmsMock).toHaveReceivedNthCommandWith(ListResourceTagsCommand, 2, { KeyId: KEY_ID, Marker: 't1' });
    expect(kmsMock).toHaveReceivedNthCommandWith(ListResourceTagsCommand, 3, { KeyId: KEY_ID, Marker: 't2' });
  });

  it('a truncated page without NextMarker is an error, not a silent end', async () => {
    const { kms } = setup();
    kmsMock.on(ListKeysCommand).resolves({ Keys: [{ KeyId: 'k', KeyArn: KEY_ARN }], Truncated: true });
    await expect(collect(kms.listKeys())).rejects.toMatchObject({ code: 'PaginationError' });
  });

  it('listAliases follows every page at 100 aliases a page (the maximum), keeping aliases without a target', async () => {
    const { kms, counter } = setup();
    kmsMock
      .on(ListAliasesCommand)
      .resolvesOnce({
        Aliases: [{ AliasName: 'alias/aws/ebs', TargetKeyId: KEY_ID }, { AliasName: 'alias/aws/redshift' }],
        Truncated: true,
        NextMarker: 'a1',
      })
      .resolvesOnce({ Aliases: [{ AliasName: 'alias/app', TargetKeyId: 'k2' }, {}], Truncated: false });
    await expect(collect(kms.listAliases())).resolves.toEqual([
      { aliasName: 'alias/aws/ebs', targetKeyId: KEY_ID },
      { aliasName: 'alias/aws/redshift' },
      { aliasName: 'alias/app', targetKeyId: 'k2' },
    ]);
    expect(kmsMock).toHaveReceivedNthCommandWith(ListAliasesCommand, 1, { Limit: 100 });
    expect(kmsMock).toHaveReceivedNthCommandWith(ListAliasesCommand, 2, { Limit: 100, Marker: 'a1' });
    expect(counter.snapshot()['kms:ListAliases']).toBe(2);
  });

  it('a repeated marker is an error, not an endless loop', async () => {
    const { kms } = setup();
    kmsMock.on(ListResourceTagsCommand).resolves({ Tags: [], Truncated: true, NextMarker: 'same' });
    await expect(kms.listResourceTags(KEY_ID)).rejects.toMatchObject({ code: 'PaginationError' });
    expect(kmsMock).toHaveReceivedCommandTimes(ListResourceTagsCommand, 2);
  });
});

describe('readKeyState: the reads key rules declare', () => {
  it('rotation: GetKeyRotationStatus, mapped to enabled and the rotation period', async () => {
    const { kms, counter } = setup();
    kmsMock
      .on(GetKeyRotationStatusCommand, { KeyId: KEY_ID })
      .resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
    await expect(kms.readKeyState('rotation', KEY_ID)).resolves.toEqual({
      enabled: true,
      rotationPeriodInDays: 365,
    });
    kmsMock.on(GetKeyRotationStatusCommand).resolves({});
    await expect(kms.readKeyState('rotation', KEY_ID)).resolves.toEqual({ enabled: false });
    expect(counter.snapshot()).toEqual({ 'kms:GetKeyRotationStatus': 2 });
  });

  it('grants: ListGrants, every page (Marker/Truncated), mapped field by field', async () => {
    const { kms, counter } = setup();
    const grant = (n: number) => ({
      GrantId: `${n}`.repeat(64).slice(0, 64),
      KeyId: KEY_ARN,
      GranteePrincipal: `arn:aws:iam::44445555666${n}:role/r`,
      Operations: ['Decrypt' as const],
      IssuingAccount: 'arn:aws:iam::111122223333:root',
    });
    kmsMock
      .on(ListGrantsCommand, { KeyId: KEY_ID, Limit: 100 })
      .resolves({ Grants: [grant(1), grant(2)], Truncated: true, NextMarker: 'm1' })
      .on(ListGrantsCommand, { KeyId: KEY_ID, Limit: 100, Marker: 'm1' })
      .resolves({
        Grants: [
          {
            ...grant(3),
            Name: 'n',
            RetiringPrincipal: 'acm.us-west-2.amazonaws.com',
            CreationDate: new Date('2023-02-06T23:30:50Z'),
            Constraints: { EncryptionContextEquals: { app: 'x' } },
          },
        ],
        Truncated: false,
      });
    const grants = await kms.readKeyState('grants', KEY_ID);
    expect(grants.map((g) => g.granteePrincipal)).toEqual([
      'arn:aws:iam::444455556661:role/r',
      'arn:aws:iam::444455556662:role/r',
      'arn:aws:iam::444455556663:role/r',
    ]);
    expect(grants[2]).toEqual({
      grantId: '3'.repeat(64),
      name: 'n',
      granteePrincipal: 'arn:aws:iam::444455556663:role/r',
      retiringPrincipal: 'acm.us-west-2.amazonaws.com',
      issuingAccount: 'arn:aws:iam::111122223333:root',
      operations: ['Decrypt'],
      constraints: { encryptionContextEquals: { app: 'x' } },
      creationDate: '2023-02-06T23:30:50.000Z',
    });
    expect(counter.snapshot()).toEqual({ 'kms:ListGrants': 2 });
  });

  it('grants: a truncated page without NextMarker is an error, not a silent end', async () => {
    const { kms } = setup();
    kmsMock.on(ListGrantsCommand).resolves({ Grants: [], Truncated: true });
    await expect(kms.readKeyState('grants', KEY_ID)).rejects.toMatchObject({ code: 'PaginationError' });
  });

  it('revokeGrant: RevokeGrant with the key and grant id; a refusal is a typed error', async () => {
    const { kms } = setup();
    kmsMock.on(RevokeGrantCommand).resolves({});
    await kms.revokeGrant(KEY_ID, 'g'.repeat(64));
    expect(kmsMock).toHaveReceivedCommandWith(RevokeGrantCommand, { KeyId: KEY_ID, GrantId: 'g'.repeat(64) });
    kmsMock
      .on(RevokeGrantCommand)
      .rejects(new NotFoundException({ message: 'no such grant', $metadata: {} }));
    await expect(kms.revokeGrant(KEY_ID, 'h'.repeat(64))).rejects.toBeInstanceOf(AwsCallError);
  });
});

describe('describeKey', () => {
  it('reports account and region from the metadata and the ARN', async () => {
    const { kms } = setup();
    kmsMock.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: KEY_ID,
        Arn: KEY_ARN,
        AWSAccountId: '111122223333',
        KeyManager: 'CUSTOMER',
        KeyState: 'PendingDeletion',
        Enabled: false,
        DeletionDate: new Date('2030-01-01T00:00:00Z'),
      },
    });
    await expect(kms.describeKey(`alias/app`)).resolves.toMatchObject({
      keyId: KEY_ID,
      arn: KEY_ARN,
      account: '111122223333',
      region: 'eu-west-1',
      keyManager: 'CUSTOMER',
      keyState: 'PendingDeletion',
      enabled: false,
    });
    expect(kmsMock).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: 'alias/app' });
  });

  it('retryNotFound covers the moments right after CreateKey', async () => {
    const { kms, counter } = setup();
    const delays: number[] = [];
    kmsMock
      .on(DescribeKeyCommand)
      .rejectsOnce(new NotFoundException({ message: 'not yet', $metadata: { httpStatusCode: 400 } }))
      .rejectsOnce(new NotFoundException({ message: 'not yet', $metadata: { httpStatusCode: 400 } }))
      .resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, KeyManager: 'CUSTOMER' } });
    const key = await retryNotFound(() => kms.describeKey(KEY_ID), {
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(key.keyId).toBe(KEY_ID);
    expect(counter.snapshot()).toEqual({ 'kms:DescribeKey': 3 });
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(250);
  });
});

describe('putKeyPolicy', () => {
  it('never bypasses the policy lockout safety check', async () => {
    const { kms } = setup();
    kmsMock.on(PutKeyPolicyCommand).resolves({});
    await kms.putKeyPolicy(KEY_ID, POLICY);
    expect(kmsMock).toHaveReceivedCommandExactlyOnceWith(PutKeyPolicyCommand, {
      KeyId: KEY_ID,
      PolicyName: 'default',
      Policy: POLICY,
    });
    const input = kmsMock.commandCalls(PutKeyPolicyCommand)[0]!.args[0].input;
    expect(
      input.BypassPolicyLockoutSafetyCheck === undefined || input.BypassPolicyLockoutSafetyCheck === false,
    ).toBe(true);
  });

  it('retries throttling, then succeeds', async () => {
    const { kms, counter, retry } = setup();
    kmsMock.on(PutKeyPolicyCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({});
    await kms.putKeyPolicy(KEY_ID, POLICY);
    expect(kmsMock).toHaveReceivedCommandTimes(PutKeyPolicyCommand, 3);
    expect(counter.snapshot()).toEqual({ 'kms:PutKeyPolicy': 3 });
    expect(retry.delays).toEqual([50, 100]);
  });

  it('throttled until the budget is spent: rethrows a typed, retryable error', async () => {
    const { kms, counter } = setup({ attempts: 4 });
    kmsMock.on(PutKeyPolicyCommand).rejects(throttled());
    const err = await kms.putKeyPolicy(KEY_ID, POLICY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect(err).toMatchObject({
      operation: 'PutKeyPolicy',
      code: 'ThrottlingException',
      classification: 'throttling',
      retryable: true,
      resourceId: KEY_ID,
    });
    expect(counter.total('kms')).toBe(4);
  });

  it('LimitExceededException is not retried (a quota, not throttling)', async () => {
    const { kms } = setup();
    kmsMock
      .on(PutKeyPolicyCommand)
      .rejects(new LimitExceededException({ message: 'quota', $metadata: { httpStatusCode: 400 } }));
    await expect(kms.putKeyPolicy(KEY_ID, POLICY)).rejects.toMatchObject({
      code: 'LimitExceededException',
      classification: 'permanent',
      retryable: false,
    });
    expect(kmsMock).toHaveReceivedCommandTimes(PutKeyPolicyCommand, 1);
  });

  it('a 5xx is retried; KMSInvalidStateException is not', async () => {
    const { kms } = setup();
    kmsMock
      .on(PutKeyPolicyCommand)
      .rejectsOnce(serviceError(KMSServiceException, 'KMSInternalException', 500))
      .rejects(serviceError(KMSServiceException, 'KMSInvalidStateException'));
    await expect(kms.putKeyPolicy(KEY_ID, POLICY)).rejects.toMatchObject({ classification: 'invalid-state' });
    expect(kmsMock).toHaveReceivedCommandTimes(PutKeyPolicyCommand, 2);
  });

  it.skipIf(!placeboAvailable)('accepts the recorded PutKeyPolicy response', async () => {
    const { kms } = setup();
    for (const file of placeboFiles('kms.PutKeyPolicy')) {
      kmsMock.on(PutKeyPolicyCommand).resolves(placeboOutput(file));
      await expect(kms.putKeyPolicy(KEY_ID, POLICY), file).resolves.toBeUndefined();
    }
  });
});

describe('getKeyPolicy', () => {
  it('a deleted key ends as ResourceNotFoundError, without retries', async () => {
    const { kms } = setup();
    kmsMock
      .on(GetKeyPolicyCommand)
      .rejects(new NotFoundException({ message: 'gone', $metadata: { httpStatusCode: 400 } }));
    await expect(kms.getKeyPolicy(KEY_ID)).rejects.toBeInstanceOf(ResourceNotFoundError);
    expect(kmsMock).toHaveReceivedCommandTimes(GetKeyPolicyCommand, 1);
  });

  it('a response without Policy is an error, never an empty policy', async () => {
    const { kms } = setup();
    kmsMock.on(GetKeyPolicyCommand).resolves({});
    await expect(kms.getKeyPolicy(KEY_ID)).rejects.toMatchObject({ code: 'MalformedResponse' });
  });
});
