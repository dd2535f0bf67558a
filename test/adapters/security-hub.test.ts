/**
 * The Security Hub adapter: BatchImportFindings in batches of at most 100 findings (and 6 MB), the
 * findings Security Hub reports failed (FailedFindings) retried alone, then reported; a call that
 * fails reported for every finding of its batch, never thrown.
 */
import {
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandInput,
  SecurityHubClient,
  SecurityHubServiceException,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSecurityHubClient } from '../../functions/adapters/clients.js';
import { createCallCounter } from '../../functions/adapters/counter.js';
import { createSecurityHubAdapter } from '../../functions/adapters/security-hub.js';
import { toAsff } from '../../functions/findings/asff.js';
import { openFinding, T0 } from '../findings/transitions.js';
import { fastRetry, serviceError } from './helpers.js';

const hubMock = mockClient(SecurityHubClient);

function setup(retryOverrides = {}) {
  const counter = createCallCounter();
  const retry = fastRetry(retryOverrides);
  const hub = createSecurityHubAdapter(createSecurityHubClient({ region: 'eu-west-1' }), { counter, retry });
  return { hub, counter, retry };
}

/** n distinct findings (ids f0, f1, ...), as the guard renders them. */
const findings = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    ...toAsff(openFinding(), { firstSeen: T0, lastSeen: T0, updatedAt: T0 }),
    Id: `f${i}`,
  }));

/** Accepts every finding, except those named, which fail the first `times` times they are sent. */
function failing(fail: Record<string, number> = {}, code = 'InternalFailure') {
  const seen = new Map<string, number>();
  hubMock.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => {
    const FailedFindings: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
    for (const f of input.Findings ?? []) {
      const n = (seen.get(f.Id as string) ?? 0) + 1;
      seen.set(f.Id as string, n);
      if (n <= (fail[f.Id as string] ?? 0))
        FailedFindings.push({ Id: f.Id as string, ErrorCode: code, ErrorMessage: `${code} (test)` });
    }
    const total = input.Findings?.length ?? 0;
    return {
      FailedCount: FailedFindings.length,
      SuccessCount: total - FailedFindings.length,
      FailedFindings,
    };
  });
}

const sentBatches = () =>
  hubMock
    .commandCalls(BatchImportFindingsCommand)
    .map((c) => (c.args[0].input.Findings ?? []).map((f) => f.Id));

beforeEach(() => {
  hubMock.reset();
});

describe('importFindings: batches', () => {
  it('imports 250 findings in 3 calls (100 + 100 + 50), each finding once, in order', async () => {
    const { hub, counter } = setup();
    failing();
    const all = findings(250);
    const result = await hub.importFindings(all);
    expect(result).toEqual({ sent: 250, failed: [] });
    expect(sentBatches().map((b) => b.length)).toEqual([100, 100, 50]);
    expect(sentBatches().flat()).toEqual(all.map((f) => f.Id));
    expect(counter.snapshot()).toEqual({ 'securityhub:BatchImportFindings': 3 });
  });

  it('sends each finding as rendered', async () => {
    const { hub } = setup();
    failing();
    const [one] = findings(1);
    await hub.importFindings([one!]);
    expect(hubMock.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input).toEqual({ Findings: [one] });
  });

  it('keeps a batch within 6 MB: 100 findings of 100 KB go in two calls', async () => {
    const { hub } = setup();
    failing();
    const big = findings(100).map((f) => ({
      ...f,
      ProductFields: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'x'.repeat(2000)])),
    }));
    expect((await hub.importFindings(big)).sent).toBe(100);
    expect(sentBatches().map((b) => b.length)).toEqual([61, 39]);
  });

  it('a finding over 240 KB is reported, not sent; nothing for no findings', async () => {
    const { hub } = setup();
    failing();
    const [f] = findings(1);
    const huge = { ...f!, Description: 'x'.repeat(250 * 1024) };
    const result = await hub.importFindings([huge]);
    expect(result.sent).toBe(0);
    expect(result.failed).toEqual([
      { id: 'f0', code: 'FindingTooLarge', message: expect.stringContaining('bytes') },
    ]);
    expect(await hub.importFindings([])).toEqual({ sent: 0, failed: [] });
    expect(hubMock).not.toHaveReceivedAnyCommand();
  });
});

describe('importFindings: partial failures (FailedFindings)', () => {
  it('retries only the failed findings, with backoff, until they are imported', async () => {
    const { hub, retry } = setup();
    failing({ f3: 1, f150: 2 });
    const result = await hub.importFindings(findings(250));
    expect(result).toEqual({ sent: 250, failed: [] });
    expect(sentBatches().slice(3)).toEqual([['f3', 'f150'], ['f150']]);
    expect(retry.delays).toEqual([50, 100]);
  });

  it('a finding that keeps failing is reported with Security Hub’s code after the last attempt', async () => {
    const { hub, counter } = setup({ attempts: 3 });
    failing({ f1: 99 }, 'InvalidInput');
    const result = await hub.importFindings(findings(5));
    expect(result.sent).toBe(4);
    expect(result.failed).toEqual([{ id: 'f1', code: 'InvalidInput', message: 'InvalidInput (test)' }]);
    expect(counter.total('securityhub')).toBe(3);
  });
});

describe('importFindings: the call fails', () => {
  it('a permanent error (Security Hub not enabled) fails every finding of the batch, not the others', async () => {
    const { hub, counter } = setup();
    hubMock
      .on(BatchImportFindingsCommand)
      .rejectsOnce(
        serviceError(
          SecurityHubServiceException,
          'InvalidAccessException',
          401,
          'Account 111122223333 is not subscribed to AWS Security Hub',
        ),
      )
      .resolves({ FailedCount: 0, SuccessCount: 50, FailedFindings: [] });
    const result = await hub.importFindings(findings(150));
    expect(result.sent).toBe(50);
    expect(result.failed).toHaveLength(100);
    expect(result.failed[0]).toEqual({
      id: 'f0',
      code: 'InvalidAccessException',
      message: expect.stringContaining('not subscribed'),
    });
    expect(counter.total('securityhub')).toBe(2);
  });

  it('a transient error is retried through the call’s own retry, then succeeds', async () => {
    const { hub, counter } = setup();
    hubMock
      .on(BatchImportFindingsCommand)
      .rejectsOnce(serviceError(SecurityHubServiceException, 'InternalException', 500))
      .resolves({ FailedCount: 0, SuccessCount: 3, FailedFindings: [] });
    expect(await hub.importFindings(findings(3))).toEqual({ sent: 3, failed: [] });
    expect(counter.total('securityhub')).toBe(2);
  });

  it('Security Hub’s rate limit (LimitExceededException, 429) is throttling here: retried', async () => {
    const { hub, counter } = setup();
    hubMock
      .on(BatchImportFindingsCommand)
      .rejectsOnce(serviceError(SecurityHubServiceException, 'LimitExceededException', 429))
      .resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    expect(await hub.importFindings(findings(1))).toEqual({ sent: 1, failed: [] });
    expect(counter.total('securityhub')).toBe(2);
  });

  it('a transient error that outlasts the retries is reported for the batch, not thrown', async () => {
    const { hub, counter } = setup({ attempts: 2 });
    hubMock
      .on(BatchImportFindingsCommand)
      .rejects(serviceError(SecurityHubServiceException, 'InternalException', 500));
    const result = await hub.importFindings(findings(2));
    expect(result).toEqual({
      sent: 0,
      failed: ['f0', 'f1'].map((id) => ({ id, code: 'InternalException', message: expect.any(String) })),
    });
    expect(counter.total('securityhub')).toBe(2);
  });
});
