/**
 * The Security Hub port: BatchImportFindings of the guard's ASFF findings into the custom
 * integration of the account they belong to. The caller must be that account ("the identifier of
 * the account that you are calling BatchImportFindings from needs to be the same as the
 * AwsAccountId attribute for the finding"): build one adapter per member account-region through
 * `createAccountPorts` (adapters/ports.ts), which signs with the member role there.
 * https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html
 */
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandOutput,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { SecurityHubPort, SinkResult } from '../engine/finding-sinks.js';
import type { AsffFinding } from '../findings/asff.js';
import { type AdapterOptions, createCaller } from './call.js';
import {
  DEFAULT_RETRY,
  SECURITY_HUB_BATCH_MAX_BYTES,
  SECURITY_HUB_BATCH_MAX_FINDINGS,
  SECURITY_HUB_MAX_FINDING_BYTES,
} from './constants.js';
import {
  AwsCallError,
  type AwsErrorClassification,
  isRetryableClassification,
  toAwsCallError,
} from './errors.js';
import { chunkBySize, deliverInRounds, type ItemOutcome } from './sink-rounds.js';

const findingBytes = (f: AsffFinding) => Buffer.byteLength(JSON.stringify(f));

/**
 * Security Hub answers its request-rate limit with LimitExceededException (HTTP 429), which the
 * guard otherwise treats as a quota error (KMS's meaning): here it is throttling, retried.
 * https://docs.aws.amazon.com/securityhub/1.0/APIReference/CommonErrors.html
 */
function retryOn(c: AwsErrorClassification, err: unknown): boolean {
  if (isRetryableClassification(c)) return true;
  return err instanceof AwsCallError && err.code === 'LimitExceededException';
}

/** Keep one finding per Id, the last given (a batch must not name a finding twice). */
function latestById(findings: readonly AsffFinding[]): AsffFinding[] {
  return [...new Map(findings.map((f) => [f.Id, f])).values()];
}

export function createSecurityHubAdapter(
  client: SecurityHubClient,
  options: AdapterOptions = {},
): SecurityHubPort {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const call = createCaller('securityhub', { ...options, retry: { ...retry, retryOn } });

  /** One call; a call that fails (after the caller's retries) fails every finding of the batch. */
  async function importBatch(batch: readonly AsffFinding[]): Promise<ItemOutcome[]> {
    const account = batch[0]?.AwsAccountId;
    let out: BatchImportFindingsCommandOutput;
    try {
      // The SDK's type differs from ours only in Resources[].Partition (an enum of aws, aws-cn and
      // aws-us-gov, the partitions Security Hub runs in; ours is the string of the resource's ARN).
      const input = { Findings: batch as AwsSecurityFinding[] };
      out = await call('BatchImportFindings', account, () =>
        client.send(new BatchImportFindingsCommand(input)),
      );
    } catch (err) {
      const e = toAwsCallError(err, {
        service: 'securityhub',
        operation: 'BatchImportFindings',
        ...(account ? { resourceId: account } : {}),
      });
      return batch.map(() => ({ ok: false, retryable: false, code: e.code, message: e.message }));
    }
    const failed = new Map((out.FailedFindings ?? []).map((x) => [x.Id, x]));
    // Security Hub does not document the codes of FailedFindings: each is tried again (bounded).
    return batch.map((f): ItemOutcome => {
      const x = failed.get(f.Id);
      if (!x) return { ok: true };
      return {
        ok: false,
        retryable: true,
        code: x.ErrorCode ?? 'UnknownError',
        message: x.ErrorMessage ?? '',
      };
    });
  }

  return {
    async importFindings(findings): Promise<SinkResult> {
      const all = latestById(findings);
      const tooLarge = all.filter((f) => findingBytes(f) > SECURITY_HUB_MAX_FINDING_BYTES);
      const result = await deliverInRounds(
        all.filter((f) => !tooLarge.includes(f)),
        {
          idOf: (f) => f.Id,
          batches: (pending) =>
            chunkBySize(pending, findingBytes, SECURITY_HUB_BATCH_MAX_FINDINGS, SECURITY_HUB_BATCH_MAX_BYTES),
          send: importBatch,
          retry,
        },
      );
      for (const f of tooLarge) {
        result.failed.push({
          id: f.Id,
          code: 'FindingTooLarge',
          message: `${findingBytes(f)} bytes; Security Hub takes at most ${SECURITY_HUB_MAX_FINDING_BYTES} per finding`,
        });
      }
      return result;
    },
  };
}
