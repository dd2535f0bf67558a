import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createStsClient } from '../../functions/adapters/clients.js';
import { createCallCounter } from '../../functions/adapters/counter.js';
import { AwsCallError, RoleAssumptionError } from '../../functions/adapters/errors.js';
import {
  createStsAdapter,
  credentialsProviderFor,
  memberRoleArn,
  toRoleSessionName,
} from '../../functions/adapters/sts.js';
import { fastRetry, serviceError } from './helpers.js';

const stsMock = mockClient(STSClient);
const OWN = '111122223333';
const MEMBER = '444455556666';
const ROLE = 'kms-perimeter-guard-member';
const opts = { ownAccount: OWN, sessionName: 'kms-perimeter-guard' };
const HOUR = 3_600_000;

function setup(retryOverrides = {}) {
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const counter = createCallCounter();
  const sts = createStsAdapter(createStsClient({ region: 'eu-west-1' }), {
    counter,
    retry: fastRetry(retryOverrides),
    now: () => clock,
  });
  const advance = (ms: number) => {
    clock += ms;
  };
  const now = () => clock;
  return { sts, counter, advance, now };
}

/** AssumeRole answers with fresh one-hour credentials, numbered by call. */
function grantSessions(now: () => number) {
  let n = 0;
  stsMock.on(AssumeRoleCommand).callsFake(async () => {
    n++;
    return {
      Credentials: {
        AccessKeyId: `ASIA${n}`,
        SecretAccessKey: `secret-${n}`,
        SessionToken: `token-${n}`,
        Expiration: new Date(now() + HOUR),
      },
    };
  });
}

const accessDenied = () =>
  serviceError(
    STSServiceException,
    'AccessDenied',
    403,
    `User: arn:aws:sts::${OWN}:assumed-role/guard/fn is not authorized to perform: sts:AssumeRole`,
  );

beforeEach(() => {
  stsMock.reset();
});

describe('credentialsForAccount', () => {
  it('returns undefined for the function’s own account, without calling STS', async () => {
    const { sts } = setup();
    await expect(sts.credentialsForAccount(OWN, ROLE, opts)).resolves.toBeUndefined();
    expect(stsMock).not.toHaveReceivedAnyCommand();
  });

  it('assumes arn:aws:iam::<account>:role/<roleName>', async () => {
    const { sts, now } = setup();
    grantSessions(now);
    const creds = await sts.credentialsForAccount(MEMBER, ROLE, { ...opts, sessionName: 'evt 1234/abc' });
    expect(creds).toMatchObject({
      accessKeyId: 'ASIA1',
      secretAccessKey: 'secret-1',
      sessionToken: 'token-1',
    });
    expect(creds?.expiration).toBeInstanceOf(Date);
    expect(stsMock).toHaveReceivedCommandExactlyOnceWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${MEMBER}:role/${ROLE}`,
      RoleSessionName: 'evt-1234-abc',
      DurationSeconds: 3600,
    });
  });

  it('caches: one AssumeRole for repeated calls until shortly before expiry, then a new one', async () => {
    const { sts, counter, advance, now } = setup();
    grantSessions(now);
    const first = await sts.credentialsForAccount(MEMBER, ROLE, opts);
    advance(30 * 60_000);
    await expect(sts.credentialsForAccount(MEMBER, ROLE, opts)).resolves.toBe(first);
    advance(19 * 60_000); // 49 min: 11 min left, still outside the 10-minute margin
    await expect(sts.credentialsForAccount(MEMBER, ROLE, opts)).resolves.toBe(first);
    expect(counter.snapshot()).toEqual({ 'sts:AssumeRole': 1 });
    advance(2 * 60_000); // 51 min: inside the margin
    const renewed = await sts.credentialsForAccount(MEMBER, ROLE, opts);
    expect(renewed?.accessKeyId).toBe('ASIA2');
    expect(counter.snapshot()).toEqual({ 'sts:AssumeRole': 2 });
  });

  it('a session shorter than the margin is still reused for half its life', async () => {
    let clock = 0;
    const sts = createStsAdapter(createStsClient({ region: 'eu-west-1' }), {
      retry: fastRetry(),
      now: () => clock,
      durationSeconds: 900,
    });
    stsMock.on(AssumeRoleCommand).callsFake(async () => ({
      Credentials: {
        AccessKeyId: 'A',
        SecretAccessKey: 'S',
        SessionToken: 'T',
        Expiration: new Date(clock + 900_000),
      },
    }));
    await sts.credentialsForAccount(MEMBER, ROLE, opts);
    clock += 7 * 60_000;
    await sts.credentialsForAccount(MEMBER, ROLE, opts);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    clock += 60_000;
    await sts.credentialsForAccount(MEMBER, ROLE, opts);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, { DurationSeconds: 900 });
  });

  it('concurrent callers share one AssumeRole', async () => {
    const { sts, now } = setup();
    grantSessions(now);
    const all = await Promise.all(
      Array.from({ length: 5 }, () => sts.credentialsForAccount(MEMBER, ROLE, opts)),
    );
    expect(new Set(all).size).toBe(1);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('caches per account', async () => {
    const { sts, now } = setup();
    grantSessions(now);
    const a = await sts.credentialsForAccount(MEMBER, ROLE, opts);
    const b = await sts.credentialsForAccount('777788889999', ROLE, opts);
    expect(a?.accessKeyId).not.toBe(b?.accessKeyId);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('AccessDenied becomes a RoleAssumptionError that names the role and what to check', async () => {
    const { sts } = setup();
    stsMock.on(AssumeRoleCommand).rejects(accessDenied());
    const err = await sts.credentialsForAccount(MEMBER, ROLE, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RoleAssumptionError);
    expect(err).toMatchObject({
      name: 'RoleAssumptionError',
      account: MEMBER,
      roleArn: `arn:aws:iam::${MEMBER}:role/${ROLE}`,
      reason: 'access-denied',
    });
    const message = (err as Error).message;
    expect(message).toContain(`arn:aws:iam::${MEMBER}:role/${ROLE}`);
    expect(message).toContain('AccessDenied');
    expect(message).toMatch(/role exists.*trust policy/);
    expect((err as Error).cause).toBeInstanceOf(AwsCallError);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('a failure is not cached: the next call tries again', async () => {
    const { sts, now } = setup();
    stsMock.on(AssumeRoleCommand).rejectsOnce(accessDenied());
    await expect(sts.credentialsForAccount(MEMBER, ROLE, opts)).rejects.toBeInstanceOf(RoleAssumptionError);
    grantSessions(now);
    await expect(sts.credentialsForAccount(MEMBER, ROLE, opts)).resolves.toMatchObject({
      accessKeyId: 'ASIA1',
    });
  });

  it('throttling is retried', async () => {
    const { sts, now } = setup();
    let calls = 0;
    stsMock.on(AssumeRoleCommand).callsFake(async () => {
      calls++;
      if (calls === 1) throw serviceError(STSServiceException, 'Throttling');
      return {
        Credentials: {
          AccessKeyId: 'ASIA1',
          SecretAccessKey: 'secret-1',
          SessionToken: 'token-1',
          Expiration: new Date(now() + HOUR),
        },
      };
    });
    await expect(sts.credentialsForAccount(MEMBER, ROLE, opts)).resolves.toMatchObject({
      sessionToken: 'token-1',
    });
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('still transient when the budget is spent: the AwsCallError is thrown for Lambda to retry', async () => {
    const { sts } = setup({ attempts: 2 });
    stsMock.on(AssumeRoleCommand).rejects(serviceError(STSServiceException, 'InternalFailure', 500));
    const err = await sts.credentialsForAccount(MEMBER, ROLE, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect(err).not.toBeInstanceOf(RoleAssumptionError);
    expect(err).toMatchObject({ classification: 'transient', retryable: true });
  });

  it('an account id that is not 12 digits is refused before calling STS', async () => {
    const { sts } = setup();
    await expect(sts.credentialsForAccount('12345678901', ROLE, opts)).rejects.toMatchObject({
      name: 'RoleAssumptionError',
      reason: 'invalid-account',
    });
    expect(stsMock).not.toHaveReceivedAnyCommand();
  });
});

describe('helpers', () => {
  it('memberRoleArn honours the partition', () => {
    expect(memberRoleArn(MEMBER, ROLE)).toBe(`arn:aws:iam::${MEMBER}:role/${ROLE}`);
    expect(memberRoleArn(MEMBER, ROLE, 'aws-us-gov')).toBe(`arn:aws-us-gov:iam::${MEMBER}:role/${ROLE}`);
  });

  it('toRoleSessionName keeps 2-64 allowed characters', () => {
    expect(toRoleSessionName('a')).toHaveLength(2);
    expect(toRoleSessionName('x'.repeat(100))).toHaveLength(64);
    expect(toRoleSessionName('guard:evt/1 2')).toBe('guard-evt-1-2');
    expect(toRoleSessionName('a+b=c,d.e@f_g-h')).toBe('a+b=c,d.e@f_g-h');
  });

  it('credentialsProviderFor: none for the own account, cached role credentials otherwise', async () => {
    const { sts, now } = setup();
    grantSessions(now);
    expect(credentialsProviderFor(sts, OWN, ROLE, opts)).toBeUndefined();
    const provider = credentialsProviderFor(sts, MEMBER, ROLE, opts)!;
    const [a, b] = [await provider(), await provider()];
    expect(a).toBe(b);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });
});
