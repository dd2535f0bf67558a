/**
 * A remediation is reported at least once (safety issue, item 6): alerts go out as each resource
 * settles, a sweep stops starting writes before its time runs out, what SNS refuses is kept in the
 * undelivered-alerts queue, and when that fails too the invocation fails instead of reporting success.
 */
import { describe, expect, it } from 'vitest';
import type { AlertEntry } from '../../functions/engine/alert-types.js';
import { processTrigger, publishAlerts } from '../../functions/engine/pipeline.js';
import { sweepAccountRegion } from '../../functions/engine/sweep.js';
import { AlertDeliveryError } from '../../functions/errors.js';
import { alertDocument, harness, keyTrigger, OWN, PARTNER, policyText, REGION, ROOT } from './fake-aws.js';

const remediateExternal = { rules: { 'key-no-external-principals': 'remediate' as const } };

function keysWithOutsideAccess(h: ReturnType<typeof harness>, n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${String(i).padStart(8, '0')}-aaaa-4bbb-8ccc-000000000000`;
    h.aws.addKey(policyText(ROOT, PARTNER), { keyId: id, arn: `arn:aws:kms:${REGION}:${OWN}:key/${id}` });
    ids.push(id);
  }
  return ids;
}

describe('alerts are published as each resource settles', () => {
  it('a sweep that stops early has already published the alert of every write it made', async () => {
    const h = harness(remediateExternal);
    keysWithOutsideAccess(h, 12);
    const published: AlertEntry[][] = [];
    let started = 0;
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, {
      concurrency: 1,
      publish: async (alerts) => {
        published.push(alerts);
        await publishAlerts(alerts, h.deps);
      },
      // The worker's clock: time runs out after 10 resources.
      shouldStop: () => ++started > 10,
    });
    expect(h.aws.writes).toHaveLength(10);
    // One publish per remediated key, each right after its write: none waits for the end.
    expect(published).toHaveLength(10);
    const remediated = h.alerts.filter((a) => a.MessageAttributes.status.StringValue === 'remediated');
    expect(remediated).toHaveLength(10);
    expect(new Set(remediated.map((a) => alertDocument(a).resource))).toHaveProperty('size', 10);
    // The two not started are reported, and the scope says the sweep is incomplete.
    expect(sweep.scope.notStarted).toBe(2);
    expect(sweep.scope.error).toMatch(/stopped before its time ran out: 2 resources not judged/);
    expect(sweep.resources.filter((r) => r.status === 'unreadable')).toHaveLength(2);
    expect(sweep.alerts).toHaveLength(0);
  });

  it('without a publisher (the CLI) the alerts are collected instead', async () => {
    const h = harness(remediateExternal);
    keysWithOutsideAccess(h, 3);
    const sweep = await sweepAccountRegion(OWN, REGION, h.deps, { concurrency: 2 });
    const remediated = sweep.alerts.filter((a) => a.MessageAttributes.status.StringValue === 'remediated');
    expect(remediated).toHaveLength(3);
    expect(h.alerts).toHaveLength(0);
  });
});

describe('alerts SNS refuses are kept, or the invocation fails', () => {
  it('SNS refuses one entry: that entry goes to the undelivered-alerts queue, counted and alarmed', async () => {
    const h = harness(remediateExternal);
    const kept: { entries: AlertEntry[]; reason: string }[] = [];
    h.deps.notify = async (entries) => ({
      failed: 1,
      errors: [`${entries[0]!.Id}: KMSDisabled: the topic's key is disabled`],
      failedIds: [entries[0]!.Id],
    });
    h.deps.keepUndelivered = async (entries, reason) => {
      kept.push({ entries, reason });
    };
    h.aws.addKey(policyText(ROOT, PARTNER));
    const out = await processTrigger(keyTrigger(), h.deps);
    expect(h.aws.writes).toHaveLength(1);
    expect(out.alertsFailed).toBe(1);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.entries[0]!.MessageAttributes.status.StringValue).toBe('remediated');
    expect(kept[0]!.reason).toMatch(/KMSDisabled/);
    expect(h.metrics).toContainEqual({ name: 'AlertsFailed', value: 1 });
  });

  it('SNS and the queue both fail: AlertDeliveryError, so Lambda retries and the errors alarm fires', async () => {
    const h = harness(remediateExternal, { notifyError: new Error('SNS down') });
    h.deps.keepUndelivered = async () => {
      throw new Error('SQS down');
    };
    h.aws.addKey(policyText(ROOT, PARTNER));
    await expect(processTrigger(keyTrigger(), h.deps)).rejects.toBeInstanceOf(AlertDeliveryError);
    expect(h.aws.writes).toHaveLength(1);
    const error = h.logs.find((l) => l.level === 'error' && /alerts could not be published/.test(l.message));
    // The log line carries what the alert said, so it is not lost with the invocation.
    expect(JSON.stringify(error?.extra)).toContain('remediated');
    expect(JSON.stringify(error?.extra)).toContain('key-no-external-principals');
  });

  it('a sweep whose alerts cannot be delivered stops instead of writing more', async () => {
    const h = harness(remediateExternal, { notifyError: new Error('SNS down') });
    h.deps.keepUndelivered = async () => {
      throw new Error('SQS down');
    };
    keysWithOutsideAccess(h, 5);
    await expect(
      sweepAccountRegion(OWN, REGION, h.deps, {
        concurrency: 1,
        publish: (alerts) => publishAlerts(alerts, h.deps),
      }),
    ).rejects.toBeInstanceOf(AlertDeliveryError);
    expect(h.aws.writes).toHaveLength(1);
  });
});
