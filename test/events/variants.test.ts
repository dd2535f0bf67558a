import { describe, expect, it } from 'vitest';
import {
  classifyKeyRef,
  parseTrigger,
  type Trigger,
  type TriggerResult,
} from '../../functions/events/index.js';

type Json = Record<string, unknown>;

// Hand-written records in the shapes of the real ones (see corpus/events), varied one field at a time.

const ACTOR = {
  type: 'AssumedRole',
  arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice',
  accountId: '111122223333',
  sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/Admin' } },
};

function modifyEndpoint(
  request: Json = { VpcEndpointId: 'vpce-0a1b2c3d4e5f6a7b8' },
  overrides: Json = {},
): Json {
  return {
    eventVersion: '1.09',
    userIdentity: ACTOR,
    eventTime: '2024-05-01T10:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'ModifyVpcEndpoint',
    awsRegion: 'eu-west-1',
    requestParameters: { ModifyVpcEndpointRequest: request },
    responseElements: {
      ModifyVpcEndpointResponse: { xmlns: 'http://ec2.amazonaws.com/doc/2016-11-15/', return: true },
    },
    eventID: 'e0000000-0000-0000-0000-000000000001',
    recipientAccountId: '111122223333',
    ...overrides,
  };
}

function createEndpoint(vpcEndpoint: unknown, overrides: Json = {}): Json {
  return {
    eventTime: '2024-05-01T10:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'CreateVpcEndpoint',
    awsRegion: 'eu-west-1',
    requestParameters: {
      CreateVpcEndpointRequest: {
        VpcId: 'vpc-0a1b2c3d',
        ServiceName: 'com.amazonaws.eu-west-1.kms',
        VpcEndpointType: 'Interface',
        SubnetId: [
          { content: 'subnet-1', tag: 1 },
          { content: 'subnet-2', tag: 2 },
        ],
      },
    },
    responseElements: { CreateVpcEndpointResponse: { vpcEndpoint, requestId: 'r-1' } },
    eventID: 'e0000000-0000-0000-0000-000000000002',
    ...overrides,
  };
}

function putKeyPolicy(keyId: unknown, overrides: Json = {}): Json {
  return {
    eventVersion: '1.08',
    userIdentity: ACTOR,
    eventTime: '2024-05-01T10:00:00Z',
    eventSource: 'kms.amazonaws.com',
    eventName: 'PutKeyPolicy',
    awsRegion: 'eu-west-1',
    requestParameters: { keyId, policyName: 'default', policy: '{"Statement":[]}' },
    responseElements: null,
    eventID: 'e0000000-0000-0000-0000-000000000003',
    recipientAccountId: '111122223333',
    ...overrides,
  };
}

function envelope(detail: unknown, overrides: Json = {}): Json {
  return {
    version: '0',
    id: 'aaaaaaaa-0000-0000-0000-000000000000',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2024-05-01T10:00:01Z',
    region: 'eu-west-1',
    resources: [],
    detail,
    ...overrides,
  };
}

function trigger(result: TriggerResult): Trigger {
  if (result.kind !== 'trigger') throw new Error(`expected a trigger, got ${JSON.stringify(result)}`);
  return result.trigger;
}

function issuePaths(result: TriggerResult): string[] {
  if (result.kind !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(result)}`);
  return result.issues.map((i) => i.path);
}

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:eu-west-1:111122223333:key/${KEY_ID}`;

describe('EC2 request wrapper', () => {
  it('reads the full ModifyVpcEndpoint trigger, with actor and session issuer', () => {
    expect(parseTrigger(modifyEndpoint())).toEqual({
      kind: 'trigger',
      trigger: {
        family: 'endpoint',
        eventName: 'ModifyVpcEndpoint',
        eventId: 'e0000000-0000-0000-0000-000000000001',
        eventTime: '2024-05-01T10:00:00Z',
        account: '111122223333',
        region: 'eu-west-1',
        actorArn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice',
        sessionIssuerArn: 'arn:aws:iam::111122223333:role/Admin',
        resourceIds: ['vpce-0a1b2c3d4e5f6a7b8'],
      },
    });
  });

  it.each(['ModifyVpcEndpointRequest', 'ModVpcEpReq', 'X', 'something-else entirely'])(
    'finds the parameters under a wrapper named %j',
    (name) => {
      const event = modifyEndpoint();
      event.requestParameters = { [name]: { VpcEndpointId: 'vpce-0a1b2c3d4e5f6a7b8' } };
      expect(trigger(parseTrigger(event)).resourceIds).toEqual(['vpce-0a1b2c3d4e5f6a7b8']);
    },
  );

  it('also reads flat (legacy-style) parameters', () => {
    const event = modifyEndpoint();
    event.requestParameters = { vpcEndpointId: 'vpce-0a1b2c3d4e5f6a7b8', privateDnsEnabled: true };
    expect(trigger(parseTrigger(event)).resourceIds).toEqual(['vpce-0a1b2c3d4e5f6a7b8']);
  });

  it('keeps the requested policy document as policyText', () => {
    const policy = '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}';
    const result = parseTrigger(
      modifyEndpoint({ VpcEndpointId: 'vpce-0a1b2c3d4e5f6a7b8', PolicyDocument: policy }),
    );
    expect(trigger(result).policyText).toBe(policy);
  });
});

describe('EC2 sets: one item, several, or ""', () => {
  it.each([
    ['a plain string', 'vpce-0a1b2c3d4e5f6a7b8', ['vpce-0a1b2c3d4e5f6a7b8']],
    ['one {content, tag} member', { content: 'vpce-0a1b2c3d4e5f6a7b8', tag: 1 }, ['vpce-0a1b2c3d4e5f6a7b8']],
    [
      'an array of members',
      [
        { content: 'vpce-0a1b2c3d4e5f6a7b8', tag: 1 },
        { content: 'vpce-11111111', tag: 2 },
      ],
      ['vpce-0a1b2c3d4e5f6a7b8', 'vpce-11111111'],
    ],
    ['an {item: ...} wrapper', { item: 'vpce-0a1b2c3d4e5f6a7b8' }, ['vpce-0a1b2c3d4e5f6a7b8']],
    [
      'an {item: [...]} wrapper',
      { item: ['vpce-0a1b2c3d4e5f6a7b8', 'vpce-22222222'] },
      ['vpce-0a1b2c3d4e5f6a7b8', 'vpce-22222222'],
    ],
    ['duplicates', ['vpce-0a1b2c3d4e5f6a7b8', 'vpce-0a1b2c3d4e5f6a7b8'], ['vpce-0a1b2c3d4e5f6a7b8']],
  ])('request VpcEndpointId as %s', (_, value, ids) => {
    expect(trigger(parseTrigger(modifyEndpoint({ VpcEndpointId: value }))).resourceIds).toEqual(ids);
  });

  it('an empty set ("") names no endpoint: invalid, with the path', () => {
    expect(issuePaths(parseTrigger(modifyEndpoint({ VpcEndpointId: '' })))).toEqual(['$.requestParameters']);
  });

  it('a member that is not a string is invalid at its path', () => {
    const result = parseTrigger(modifyEndpoint({ VpcEndpointId: [{ content: 42 }] }));
    expect(issuePaths(result)).toContain(
      '$.requestParameters.ModifyVpcEndpointRequest.VpcEndpointId[0].content',
    );
  });

  it('an id that is not vpce-... is invalid', () => {
    const result = parseTrigger(modifyEndpoint({ VpcEndpointId: 'subnet-0a1b2c3d' }));
    expect(result).toMatchObject({
      kind: 'invalid',
      issues: [{ path: '$.requestParameters.ModifyVpcEndpointRequest.VpcEndpointId' }],
    });
  });

  it.each([
    [
      'one object',
      {
        vpcEndpointId: 'vpce-0a1b2c3d4e5f6a7b8',
        ownerId: 111122223333,
        serviceName: 'com.amazonaws.eu-west-1.kms',
      },
    ],
    [
      'an {item} wrapper',
      {
        item: {
          vpcEndpointId: 'vpce-0a1b2c3d4e5f6a7b8',
          ownerId: '111122223333',
          serviceName: 'com.amazonaws.eu-west-1.kms',
        },
      },
    ],
    [
      'an array',
      [
        {
          vpcEndpointId: 'vpce-0a1b2c3d4e5f6a7b8',
          ownerId: 111122223333,
          serviceName: 'com.amazonaws.eu-west-1.kms',
        },
      ],
    ],
  ])('response vpcEndpoint as %s', (_, vpcEndpoint) => {
    expect(trigger(parseTrigger(createEndpoint(vpcEndpoint)))).toEqual({
      family: 'endpoint',
      eventName: 'CreateVpcEndpoint',
      eventId: 'e0000000-0000-0000-0000-000000000002',
      eventTime: '2024-05-01T10:00:00Z',
      account: '111122223333',
      region: 'eu-west-1',
      resourceIds: ['vpce-0a1b2c3d4e5f6a7b8'],
      serviceName: 'com.amazonaws.eu-west-1.kms',
    });
  });

  it('falls back to the requested ServiceName when the response omits it', () => {
    const result = parseTrigger(
      createEndpoint({ vpcEndpointId: 'vpce-0a1b2c3d4e5f6a7b8' }, { recipientAccountId: '111122223333' }),
    );
    expect(trigger(result).serviceName).toBe('com.amazonaws.eu-west-1.kms');
  });

  it('a CreateVpcEndpoint record without the created endpoint is invalid', () => {
    expect(parseTrigger(createEndpoint('', { recipientAccountId: '111122223333' })).kind).toBe('invalid');
  });
});

describe('account ids', () => {
  it.each([
    ['a string', '111122223333', '111122223333'],
    ['a number', 111122223333, '111122223333'],
    ['a number that lost its leading zero', 12345678912, '012345678912'],
    ['a number that lost two leading zeros', 1234567891, '001234567891'],
  ])('recipientAccountId as %s', (_, value, account) => {
    const result = parseTrigger(
      modifyEndpoint(undefined, { recipientAccountId: value, userIdentity: undefined }),
    );
    expect(trigger(result).account).toBe(account);
  });

  it.each([
    ['13 digits', 1111222233334],
    ['a fraction', 1111222.5],
    ['negative', -111122223333],
    ['11-digit string', '11112222333'],
    ['letters', 'abcdabcdabcd'],
  ])('recipientAccountId as %s is invalid', (_, value) => {
    expect(issuePaths(parseTrigger(modifyEndpoint(undefined, { recipientAccountId: value })))).toEqual([
      '$.recipientAccountId',
    ]);
  });

  it('numeric ownerId (as in the real CreateVpcEndpoint record) gives the account', () => {
    const result = parseTrigger(
      createEndpoint({ vpcEndpointId: 'vpce-0a1b2c3d4e5f6a7b8', ownerId: 12345678912 }),
    );
    expect(trigger(result).account).toBe('012345678912');
  });

  it('falls back to userIdentity.accountId when nothing else names the account', () => {
    const result = parseTrigger(modifyEndpoint(undefined, { recipientAccountId: undefined }));
    expect(trigger(result).account).toBe('111122223333');
  });

  it('is invalid when no field names the account', () => {
    const result = parseTrigger(
      modifyEndpoint(undefined, { recipientAccountId: undefined, userIdentity: undefined }),
    );
    expect(issuePaths(result)).toEqual(['$.recipientAccountId']);
  });

  it('is invalid when the envelope and the record disagree', () => {
    const result = parseTrigger(envelope(modifyEndpoint(), { account: '444455556666' }));
    expect(issuePaths(result)).toEqual(['$.detail.recipientAccountId']);
  });

  it('is invalid when the key ARN names another account than the record', () => {
    const result = parseTrigger(putKeyPolicy(`arn:aws:kms:eu-west-1:444455556666:key/${KEY_ID}`));
    expect(issuePaths(result)).toEqual(['$.requestParameters.keyId']);
  });

  it('accepts a numeric envelope account', () => {
    const result = parseTrigger(envelope(modifyEndpoint(), { account: 111122223333 }));
    expect(trigger(result).account).toBe('111122223333');
  });
});

describe('key references', () => {
  it.each([
    ['a key id', KEY_ID, { kind: 'id', value: KEY_ID }],
    [
      'a multi-Region key id',
      'mrk-1234abcd12ab34cd56ef1234567890ab',
      { kind: 'id', value: 'mrk-1234abcd12ab34cd56ef1234567890ab' },
    ],
    ['a key ARN', KEY_ARN, { kind: 'arn', value: KEY_ARN }],
    ['an alias name', 'alias/app/prod-key', { kind: 'alias', value: 'alias/app/prod-key' }],
    [
      'an alias ARN',
      'arn:aws:kms:eu-west-1:111122223333:alias/prod',
      { kind: 'alias', value: 'arn:aws:kms:eu-west-1:111122223333:alias/prod' },
    ],
  ])('request keyId as %s', (_, keyId, keyRef) => {
    const t = trigger(parseTrigger(putKeyPolicy(keyId)));
    expect(t.keyRef).toEqual(keyRef);
    expect(t.resourceIds).toEqual([keyRef.value]);
    expect(t.policyText).toBe('{"Statement":[]}');
  });

  it('prefers the ARN of resources[] over a bare key id', () => {
    const event = putKeyPolicy(KEY_ID, {
      resources: [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN: KEY_ARN }],
    });
    expect(trigger(parseTrigger(event)).keyRef).toEqual({ kind: 'arn', value: KEY_ARN });
  });

  it('prefers the ARN KMS returned over an alias', () => {
    const event = putKeyPolicy('alias/prod', { responseElements: { keyId: KEY_ARN } });
    expect(trigger(parseTrigger(event)).keyRef).toEqual({ kind: 'arn', value: KEY_ARN });
  });

  it('is invalid when the request id and the ARN name different keys', () => {
    const other = 'ffffffff-12ab-34cd-56ef-1234567890ab';
    const event = putKeyPolicy(other, { resources: [{ type: 'AWS::KMS::Key', ARN: KEY_ARN }] });
    expect(issuePaths(parseTrigger(event))).toEqual(['$.requestParameters.keyId']);
  });

  it.each([
    ['spaces', 'not a key'],
    ['a non-KMS ARN', 'arn:aws:s3:::bucket'],
    ['a number', 42],
    ['an object', { id: KEY_ID }],
  ])('request keyId as %s is invalid', (_, keyId) => {
    const result = parseTrigger(putKeyPolicy(keyId));
    expect(result.kind).toBe('invalid');
    expect(issuePaths(result)).toContain('$.requestParameters.keyId');
  });

  it('a record without any key reference is invalid', () => {
    expect(issuePaths(parseTrigger(putKeyPolicy(undefined)))).toEqual(['$.requestParameters']);
  });

  it('reads CreateKey from responseElements.keyMetadata (AWSAccountId in any case)', () => {
    const event = {
      ...putKeyPolicy(undefined),
      eventName: 'CreateKey',
      recipientAccountId: undefined,
      userIdentity: { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' },
      requestParameters: { keySpec: 'SYMMETRIC_DEFAULT' },
      responseElements: {
        keyMetadata: { aWSAccountId: '111122223333', keyId: KEY_ID, keyManager: 'CUSTOMER' },
      },
    };
    expect(trigger(parseTrigger(event))).toEqual({
      family: 'key',
      eventName: 'CreateKey',
      eventId: 'e0000000-0000-0000-0000-000000000003',
      eventTime: '2024-05-01T10:00:00Z',
      account: '111122223333',
      region: 'eu-west-1',
      invokedBy: 'cloudformation.amazonaws.com',
      resourceIds: [KEY_ID],
      keyRef: { kind: 'id', value: KEY_ID },
    });
  });

  it('takes the region from the key ARN when the record has none', () => {
    const event = putKeyPolicy(KEY_ARN, { awsRegion: undefined });
    expect(trigger(parseTrigger(event)).region).toBe('eu-west-1');
  });

  it.each([
    [KEY_ID, 'id'],
    [KEY_ARN, 'arn'],
    ['alias/x', 'alias'],
    ['arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/x', 'alias'],
    ['arn:aws:kms:eu-west-1:111122223333:grant/x', undefined],
    ['', undefined],
  ])('classifyKeyRef(%j) is %j', (value, kind) => {
    expect(classifyKeyRef(value)).toBe(kind);
  });
});

describe('envelope or bare record', () => {
  it('gives the same trigger both ways', () => {
    const record = modifyEndpoint();
    expect(parseTrigger(envelope(record))).toEqual(parseTrigger(record));
  });

  it('ignores other detail-types', () => {
    expect(parseTrigger(envelope({}, { 'detail-type': 'Scheduled Event', source: 'aws.events' }))).toEqual({
      kind: 'ignored',
      code: 'other-detail-type',
      reason: 'detail-type "Scheduled Event" is not "AWS API Call via CloudTrail"',
    });
  });

  it('is invalid when the envelope source does not match the event source', () => {
    expect(issuePaths(parseTrigger(envelope(modifyEndpoint(), { source: 'aws.kms' })))).toEqual(['$.source']);
  });

  it('is invalid when the envelope region and awsRegion disagree', () => {
    expect(issuePaths(parseTrigger(envelope(modifyEndpoint(), { region: 'us-east-1' })))).toEqual([
      '$.detail.awsRegion',
    ]);
  });

  it('is invalid when detail is missing or not an object', () => {
    const { detail: _, ...noDetail } = envelope(modifyEndpoint());
    expect(issuePaths(parseTrigger(noDetail))).toEqual(['$.detail']);
    expect(issuePaths(parseTrigger(envelope([modifyEndpoint()])))).toEqual(['$.detail']);
  });

  it('reports envelope problems at envelope paths', () => {
    const result = parseTrigger(envelope(modifyEndpoint(), { region: 7 }));
    expect(result).toMatchObject({ kind: 'invalid', eventId: 'e0000000-0000-0000-0000-000000000001' });
    expect(issuePaths(result)).toEqual(['$.region']);
  });
});

describe('failed calls and other events', () => {
  it.each(['Client.InvalidVpcEndpointId.NotFound', 'MalformedPolicyDocumentException', 'AccessDenied'])(
    'ignores errorCode %s and names it',
    (errorCode) => {
      const result = parseTrigger(putKeyPolicy(KEY_ID, { errorCode, errorMessage: 'no' }));
      expect(result).toEqual({
        kind: 'ignored',
        code: 'failed-call',
        reason: `PutKeyPolicy failed with errorCode ${errorCode}`,
        eventId: 'e0000000-0000-0000-0000-000000000003',
      });
    },
  );

  it('treats errorCode null or "" as a successful call', () => {
    expect(parseTrigger(putKeyPolicy(KEY_ID, { errorCode: null, errorMessage: null })).kind).toBe('trigger');
    expect(parseTrigger(putKeyPolicy(KEY_ID, { errorCode: '' })).kind).toBe('trigger');
  });

  it('is invalid when errorCode is not a string', () => {
    expect(issuePaths(parseTrigger(putKeyPolicy(KEY_ID, { errorCode: 403 })))).toEqual(['$.errorCode']);
  });

  it.each([
    ['another KMS API', { eventName: 'ScheduleKeyDeletion' }],
    ['the right name from another service', { eventSource: 'ec2.amazonaws.com' }],
    ['a prototype member name', { eventName: 'constructor' }],
    ['__proto__', { eventName: '__proto__' }],
    ['toString', { eventName: 'toString' }],
  ])('ignores %s', (_, overrides) => {
    expect(parseTrigger(putKeyPolicy(KEY_ID, overrides))).toMatchObject({
      kind: 'ignored',
      code: 'other-event',
    });
  });

  it.each([null, undefined, 42, 'event', [], [putKeyPolicy(KEY_ID)], true])('is invalid for %j', (value) => {
    expect(parseTrigger(value)).toEqual({
      kind: 'invalid',
      issues: [{ path: '$', message: expect.stringMatching(/^expected a JSON object/) }],
    });
  });

  it('is invalid without eventID, with the path', () => {
    expect(issuePaths(parseTrigger(putKeyPolicy(KEY_ID, { eventID: undefined })))).toEqual(['$.eventID']);
  });

  it('is invalid when userIdentity.arn is not a string', () => {
    const result = parseTrigger(putKeyPolicy(KEY_ID, { userIdentity: { ...ACTOR, arn: ['x'] } }));
    expect(issuePaths(result)).toEqual(['$.userIdentity.arn']);
  });

  it('never throws on hostile objects (throwing getters)', () => {
    const hostile = putKeyPolicy(KEY_ID);
    Object.defineProperty(hostile, 'requestParameters', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(parseTrigger(hostile)).toMatchObject({ kind: 'invalid', issues: [{ path: '$' }] });
  });
});
