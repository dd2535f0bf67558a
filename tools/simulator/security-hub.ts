/**
 * Security Hub in the simulator: BatchImportFindings (REST-JSON, `POST /findings/import`) into the
 * custom integration of the caller's account, as the API reference describes it
 * (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html): at most
 * 100 findings a call; a finding whose AwsAccountId is not the caller's account, or that lacks a
 * required ASFF attribute, is refused in FailedFindings while the others are imported; a finding
 * imported again under its Id and ProductArn replaces the stored one. Findings are kept by
 * account-region and Id for tests and the demo to read back.
 */

interface Caller {
  account: string;
  arn: string;
  region: string;
}
type Fail = (code: string, message: string, status?: number) => Error;
type Finding = Record<string, unknown>;

// https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html
const REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
];

export class SimSecurityHub {
  /** `${account}:${region}` → finding Id → the finding as last imported. */
  readonly findings = new Map<string, Map<string, Finding>>();
  /** Account-regions (`${account}:${region}`) where Security Hub is not enabled. */
  readonly disabled = new Set<string>();
  /** Fault: finding Id → how many more imports of it fail (InternalException) before one succeeds. */
  private readonly failures: Map<string, number>;

  constructor(failFindings: Record<string, number> = {}) {
    this.failures = new Map(Object.entries(failFindings));
  }

  /** The findings imported in one account-region, in import order. */
  findingsIn(account: string, region: string): Finding[] {
    return [...(this.findings.get(`${account}:${region}`)?.values() ?? [])];
  }

  /** Why a finding is refused, or undefined to import it. */
  private refusal(f: Finding, caller: Caller): { code: string; message: string } | undefined {
    const missing = REQUIRED.filter((k) => f[k] === undefined || f[k] === '');
    if (missing.length > 0)
      return {
        code: 'InvalidInput',
        message: `Finding does not adhere to Amazon Finding Format. data should have required property '${missing[0]}'`,
      };
    if (f.AwsAccountId !== caller.account)
      return {
        code: 'AccessDeniedException',
        message: `The AwsAccountId ${String(f.AwsAccountId)} of the finding is not the account of the caller (${caller.account})`,
      };
    const left = this.failures.get(String(f.Id)) ?? 0;
    if (left > 0) {
      this.failures.set(String(f.Id), left - 1);
      return { code: 'InternalException', message: 'Internal service failure (injected)' };
    }
    return undefined;
  }

  batchImportFindings(input: Record<string, unknown>, caller: Caller, fail: Fail): unknown {
    const scope = `${caller.account}:${caller.region}`;
    if (this.disabled.has(scope))
      throw fail(
        'InvalidAccessException',
        `Account ${caller.account} is not subscribed to AWS Security Hub`,
        401,
      );
    const findings = Array.isArray(input.Findings) ? (input.Findings as Finding[]) : [];
    if (findings.length < 1 || findings.length > 100)
      throw fail('InvalidInputException', 'Findings must contain between 1 and 100 findings', 400);
    // Findings go into the caller's own custom integration; another account's product ARN is refused
    // for the whole call, as AWS answers it (AccessDeniedException naming the product).
    const own = `arn:aws:securityhub:${caller.region}:${caller.account}:product/${caller.account}/default`;
    const foreign = findings.find((f) => f.ProductArn !== undefined && f.ProductArn !== own);
    if (foreign)
      throw fail(
        'AccessDeniedException',
        `User: ${caller.arn} is not authorized to perform: securityhub:BatchImportFindings on resource: ${String(foreign.ProductArn)}`,
        403,
      );
    const store = this.findings.get(scope) ?? new Map<string, Finding>();
    this.findings.set(scope, store);
    const FailedFindings: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
    for (const f of findings) {
      const refused = this.refusal(f, caller);
      if (refused)
        FailedFindings.push({
          Id: String(f.Id ?? ''),
          ErrorCode: refused.code,
          ErrorMessage: refused.message,
        });
      else store.set(String(f.Id), f);
    }
    return {
      FailedCount: FailedFindings.length,
      SuccessCount: findings.length - FailedFindings.length,
      FailedFindings,
    };
  }
}
