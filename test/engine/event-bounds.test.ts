/**
 * Events that name too much, and events delivered several times (safety issue, item 8).
 */
import { describe, expect, it } from 'vitest';
import { processTrigger, REPLAY_JITTER_MS } from '../../functions/engine/pipeline.js';
import {
  alertDocument,
  endpointTrigger,
  harness,
  keyTrigger,
  PARTNER,
  policyText,
  ROOT,
} from './fake-aws.js';

const vpce = (i: number) => `vpce-${i.toString(16).padStart(17, '0')}`;

describe('an event naming thousands of endpoints', () => {
  it('judges the first 25 with one batched read each way, and reports the rest instead of 10,000 calls', async () => {
    const h = harness();
    for (let i = 0; i < 30; i++) h.aws.addEndpoint({ id: vpce(i) });
    const trigger = { ...endpointTrigger(), resourceIds: Array.from({ length: 10_000 }, (_, i) => vpce(i)) };
    const out = await processTrigger(trigger, h.deps);
    const judged = out.resources.filter((r) => r.status === 'judged');
    expect(judged).toHaveLength(25);
    // One batched DescribeVpcEndpoints for the 25, nothing per endpoint (all compliant).
    expect(h.aws.count('DescribeVpcEndpoints')).toBe(1);
    const error = out.resources.find((r) => r.status === 'error');
    expect(error?.reason).toMatch(/names 10000 VPC endpoints; the first 25 were judged/);
    expect(alertDocument(h.alerts.at(-1)!)).toMatchObject({ kind: 'error', stage: 'event' });
  });

  it('an unknown id in the batch falls back to one read per endpoint (the missing one ends quietly)', async () => {
    const h = harness();
    h.aws.addEndpoint({ id: vpce(1) });
    h.aws.addEndpoint({ id: vpce(2) });
    const trigger = { ...endpointTrigger(), resourceIds: [vpce(1), vpce(2), vpce(3)] };
    const out = await processTrigger(trigger, h.deps);
    expect(out.resources.map((r) => r.status)).toEqual(['judged', 'judged', 'gone']);
  });
});

describe('replayed events', () => {
  it('an event-triggered write waits a random time before its final re-read; a sweep does not', async () => {
    const h = harness({ rules: { 'key-no-external-principals': 'remediate' } });
    const waits: number[] = [];
    h.deps.sleep = async (ms) => {
      waits.push(ms);
    };
    h.deps.random = () => 0.5;
    h.aws.addKey(policyText(ROOT, PARTNER));
    await processTrigger(keyTrigger(), h.deps);
    expect(waits).toContain(Math.floor(0.5 * REPLAY_JITTER_MS));
    expect(h.aws.writes).toHaveLength(1);
  });

  it('a replay that re-reads after the first copy wrote judges the key compliant and writes nothing', async () => {
    const h = harness({ rules: { 'key-no-external-principals': 'remediate' } });
    h.aws.addKey(policyText(ROOT, PARTNER));
    // The copies run at once; the random waits put the second one after the first one's write.
    let turn = 0;
    h.deps.random = () => (turn++ === 0 ? 0 : 0.99);
    h.deps.sleep = (ms) => new Promise((r) => setTimeout(r, ms / 20));
    const [a, b] = await Promise.all([
      processTrigger(keyTrigger(), h.deps),
      processTrigger(keyTrigger(), h.deps),
    ]);
    expect(h.aws.writes).toHaveLength(1);
    const statuses = [a, b].map(
      (o) => o.resources[0]?.rules.find((r) => r.rule === 'key-no-external-principals')?.status,
    );
    expect(statuses.sort()).toEqual(['compliant', 'remediated']);
  });
});
