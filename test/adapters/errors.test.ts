import { EC2ServiceException } from '@aws-sdk/client-ec2';
import {
  DependencyTimeoutException,
  KMSInternalException,
  KMSInvalidStateException,
  KMSServiceException,
  LimitExceededException,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { SNSServiceException, ThrottledException } from '@aws-sdk/client-sns';
import { STSServiceException } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import {
  AwsCallError,
  type AwsErrorClassification,
  classifyAwsError,
  ResourceNotFoundError,
  RoleAssumptionError,
  toAwsCallError,
} from '../../functions/adapters/errors.js';
import { serviceError } from './helpers.js';
import { placeboAvailable, placeboError, placeboFiles, readPlacebo } from './placebo.js';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

function nodeError(code: string): Error {
  return Object.assign(new Error(`socket: ${code}`), { code });
}

// Each case: what AWS (or the network) throws, and what the guard must make of it (SPEC §6, issue 3 §8).
const cases: [string, unknown, AwsErrorClassification][] = [
  ['KMS ThrottlingException', serviceError(KMSServiceException, 'ThrottlingException'), 'throttling'],
  ['EC2 RequestLimitExceeded', serviceError(EC2ServiceException, 'RequestLimitExceeded', 503), 'throttling'],
  [
    'SNS Throttled (modelled class)',
    new ThrottledException({ message: 'Rate exceeded', ...meta(400) }),
    'throttling',
  ],
  ['SNS Throttled (wire code)', serviceError(SNSServiceException, 'Throttled'), 'throttling'],
  ['generic Throttling', serviceError(STSServiceException, 'Throttling'), 'throttling'],
  [
    'generic TooManyRequestsException',
    serviceError(KMSServiceException, 'TooManyRequestsException', 429),
    'throttling',
  ],
  ['HTTP 429 with an unknown code', serviceError(KMSServiceException, 'SomethingElse', 429), 'throttling'],
  [
    'KMS LimitExceededException is a quota error',
    new LimitExceededException({ message: 'quota', ...meta(400) }),
    'permanent',
  ],
  ['HTTP 500 InternalFailure', serviceError(KMSServiceException, 'InternalFailure', 500), 'transient'],
  ['HTTP 503 ServiceUnavailable', serviceError(EC2ServiceException, 'ServiceUnavailable', 503), 'transient'],
  ['KMSInternalException', new KMSInternalException({ message: 'x', ...meta(500) }), 'transient'],
  ['DependencyTimeoutException', new DependencyTimeoutException({ message: 'x', ...meta(503) }), 'transient'],
  ['any 5xx with an unknown code', serviceError(EC2ServiceException, 'Whatever', 502), 'transient'],
  ['ECONNRESET', nodeError('ECONNRESET'), 'transient'],
  ['ETIMEDOUT', nodeError('ETIMEDOUT'), 'transient'],
  ['TimeoutError', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'transient'],
  ['ECONNRESET as the cause', new Error('request failed', { cause: nodeError('ECONNRESET') }), 'transient'],
  [
    'EC2 InvalidVpcEndpointId.NotFound',
    serviceError(EC2ServiceException, 'InvalidVpcEndpointId.NotFound'),
    'not-found',
  ],
  ['EC2 InvalidVpcId.NotFound', serviceError(EC2ServiceException, 'InvalidVpcId.NotFound'), 'not-found'],
  ['KMS NotFoundException', new NotFoundException({ message: 'x', ...meta(400) }), 'not-found'],
  ['STS AccessDenied', serviceError(STSServiceException, 'AccessDenied', 403), 'access-denied'],
  ['KMS AccessDeniedException', serviceError(KMSServiceException, 'AccessDeniedException'), 'access-denied'],
  [
    'EC2 UnauthorizedOperation',
    serviceError(EC2ServiceException, 'UnauthorizedOperation', 403),
    'access-denied',
  ],
  ['KMSInvalidStateException', new KMSInvalidStateException({ message: 'x', ...meta(400) }), 'invalid-state'],
  [
    'MalformedPolicyDocumentException',
    serviceError(KMSServiceException, 'MalformedPolicyDocumentException'),
    'permanent',
  ],
  [
    'EC2 InvalidVpcEndpointId.Malformed',
    serviceError(EC2ServiceException, 'InvalidVpcEndpointId.Malformed'),
    'permanent',
  ],
  ['an aborted call', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'permanent'],
  ['a plain Error', new Error('boom'), 'permanent'],
  ['a string', 'boom', 'permanent'],
  ['undefined', undefined, 'permanent'],
];

describe('classifyAwsError (SPEC §6: throttling, 5xx, not-found, access, state, quota)', () => {
  it.each(cases)('%s', (_, err, expected) => {
    expect(classifyAwsError(err)).toBe(expected);
  });

  it('keeps the classification of an already mapped error', () => {
    const mapped = toAwsCallError(serviceError(KMSServiceException, 'ThrottlingException'), {
      service: 'kms',
      operation: 'GetKeyPolicy',
    });
    expect(classifyAwsError(mapped)).toBe('throttling');
  });
});

describe.skipIf(!placeboAvailable)('recorded error responses (placebo)', () => {
  const errorFiles = placeboFiles('kms.DescribeKey').filter((f) => readPlacebo(f).status_code !== 200);

  it('finds the recorded error responses', () => {
    expect(errorFiles.length).toBeGreaterThanOrEqual(4);
  });

  it('classifies each one from its recorded code', () => {
    for (const file of errorFiles) {
      const err = placeboError(file, KMSServiceException);
      const expected = err.name === 'NotFoundException' ? 'not-found' : 'access-denied';
      expect(classifyAwsError(err), file).toBe(expected);
    }
  });
});

describe('typed errors', () => {
  it('AwsCallError keeps operation, code, classification, retryable and cause', () => {
    const cause = serviceError(KMSServiceException, 'ThrottlingException', 400, 'Rate exceeded');
    const err = toAwsCallError(cause, { service: 'kms', operation: 'PutKeyPolicy', resourceId: 'key-1' });
    expect(err).toBeInstanceOf(AwsCallError);
    expect(err).toMatchObject({
      name: 'AwsCallError',
      service: 'kms',
      operation: 'PutKeyPolicy',
      code: 'ThrottlingException',
      classification: 'throttling',
      retryable: true,
      httpStatusCode: 400,
      requestId: 'req-test',
      resourceId: 'key-1',
    });
    expect(err.cause).toBe(cause);
    expect(err.message).toBe('kms:PutKeyPolicy (key-1) failed with ThrottlingException: Rate exceeded');
  });

  it('not-found becomes a ResourceNotFoundError, still an AwsCallError', () => {
    const err = toAwsCallError(serviceError(EC2ServiceException, 'InvalidVpcEndpointId.NotFound'), {
      service: 'ec2',
      operation: 'DescribeVpcEndpoints',
    });
    expect(err).toBeInstanceOf(ResourceNotFoundError);
    expect(err).toBeInstanceOf(AwsCallError);
    expect(err.name).toBe('ResourceNotFoundError');
    expect(err.retryable).toBe(false);
  });

  it('LimitExceededException maps to a non-retryable permanent error', () => {
    const err = toAwsCallError(new LimitExceededException({ message: 'quota', ...meta(400) }), {
      service: 'kms',
      operation: 'PutKeyPolicy',
    });
    expect(err).toMatchObject({
      code: 'LimitExceededException',
      classification: 'permanent',
      retryable: false,
    });
  });

  it('mapping twice returns the same error', () => {
    const err = toAwsCallError(new Error('x'), { service: 'sns', operation: 'PublishBatch' });
    expect(toAwsCallError(err, { service: 'sns', operation: 'PublishBatch' })).toBe(err);
  });

  it('RoleAssumptionError carries account, roleArn and cause', () => {
    const cause = new Error('denied');
    const err = new RoleAssumptionError({
      account: '444455556666',
      roleArn: 'arn:aws:iam::444455556666:role/guard',
      reason: 'access-denied',
      message: 'cannot assume',
      cause,
    });
    expect(err).toMatchObject({
      name: 'RoleAssumptionError',
      account: '444455556666',
      roleArn: 'arn:aws:iam::444455556666:role/guard',
      reason: 'access-denied',
    });
    expect(err.cause).toBe(cause);
  });
});
