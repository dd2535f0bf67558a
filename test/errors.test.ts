import { describe, expect, it } from 'vitest';
import * as errors from '../functions/errors.js';
import { GuardError } from '../functions/errors.js';

const cause = new Error('underneath');
const awsCall = {
  service: 'kms',
  operation: 'GetKeyPolicy',
  code: 'KMSInternalException',
  classification: 'transient',
  cause,
} as const;

/** One instance of every typed error of the guard, made with `cause` where the class takes one. */
const instances: [GuardError, { keepsCause: boolean }][] = [
  [
    new errors.ConfigError('GUARD_CONFIG', [{ path: 'trust', message: 'missing' }], { cause }),
    { keepsCause: true },
  ],
  [new errors.InputError('policy.json', 'Statement[0]', 'no Effect', { cause }), { keepsCause: true }],
  [new errors.UsageError('unknown flag --x', { cause }), { keepsCause: true }],
  [new errors.LedgerError('findings: Query failed', { cause }), { keepsCause: true }],
  [new errors.AwsCallError(awsCall), { keepsCause: true }],
  [new errors.ResourceNotFoundError({ ...awsCall, code: 'NotFoundException' }), { keepsCause: true }],
  [
    new errors.RoleAssumptionError({
      account: '444455556666',
      roleArn: 'arn:aws:iam::444455556666:role/KmsPerimeterGuardMember',
      reason: 'access-denied',
      message: 'cannot assume',
      cause,
    }),
    { keepsCause: true },
  ],
  [new errors.AnalysisBudgetError(2_000), { keepsCause: false }],
  [new errors.AlertDeliveryError(3, 'queue unreachable', { cause }), { keepsCause: true }],
  [new errors.EndpointError('cannot connect to http://localhost:4566', { cause }), { keepsCause: true }],
  [new errors.JsonSyntaxError(7, 'trailing comma'), { keepsCause: false }],
  [new errors.SweepMessageError('m-1', 'body is not JSON'), { keepsCause: false }],
  [new errors.SweepIncompleteError('111122223333', 'eu-west-1', 4), { keepsCause: false }],
];

describe('typed errors', () => {
  it('every error class of functions/errors.ts is listed here', () => {
    const classes = Object.values(errors).filter(
      (v) => typeof v === 'function' && v !== GuardError && v.prototype instanceof Error,
    );
    expect(new Set(instances.map(([e]) => e.constructor))).toEqual(new Set(classes));
  });

  it.each(instances.map(([e, o]) => [e.constructor.name, e, o] as const))(
    '%s is a GuardError, named after its class (a literal, so minified bundles keep it), with its cause',
    (className, err, { keepsCause }) => {
      expect(err).toBeInstanceOf(GuardError);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe(className);
      expect(err.name).toMatch(/Error$/);
      if (keepsCause) expect(err.cause).toBe(cause);
    },
  );
});
