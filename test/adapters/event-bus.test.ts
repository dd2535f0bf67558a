/**
 * The event bus adapter: PutEvents on the default bus in requests of at most 10 entries (and
 * 256 KB), entries EventBridge reports failed with a retryable code sent again alone, the others
 * reported at once; a call that fails reported for its entries, never thrown.
 */
import {
  EventBridgeClient,
  EventBridgeServiceException,
  PutEventsCommand,
  type PutEventsCommandInput,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createEventBridgeClient } from '../../functions/adapters/clients.js';
import { createCallCounter } from '../../functions/adapters/counter.js';
import { createEventBusAdapter } from '../../functions/adapters/event-bus.js';
import { type TransitionEventEntry, transitionEvent } from '../../functions/findings/transition-event.js';
import { openFinding, steps } from '../findings/transitions.js';
import { fastRetry, serviceError } from './helpers.js';

const ebMock = mockClient(EventBridgeClient);

function setup(retryOverrides = {}) {
  const counter = createCallCounter();
  const retry = fastRetry(retryOverrides);
  const bus = createEventBusAdapter(createEventBridgeClient({ region: 'eu-west-1' }), { counter, retry });
  return { bus, counter, retry };
}

/** n entries named e0, e1, ... (their finding ids), as transitionEvent builds them. */
const entries = (n: number, detail?: string): TransitionEventEntry[] =>
  Array.from({ length: n }, (_, i) => {
    const e = transitionEvent(steps().new, openFinding(), '999988887777');
    return { ...e, findingId: `e${i}`, ...(detail ? { Detail: detail } : {}) };
  });

/** Answers each entry by its Detail's `n` (set by `numbered`): fail[n] = [code, times]. */
function answer(fail: Record<number, [string, number]> = {}) {
  const seen = new Map<number, number>();
  ebMock.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => {
    const Entries = (input.Entries ?? []).map((e) => {
      const n = (JSON.parse(e.Detail ?? '{}') as { n: number }).n;
      const count = (seen.get(n) ?? 0) + 1;
      seen.set(n, count);
      const f = fail[n];
      return f && count <= f[1]
        ? { ErrorCode: f[0], ErrorMessage: `${f[0]} (test)` }
        : { EventId: `ev-${n}-${count}` };
    });
    return { FailedEntryCount: Entries.filter((e) => 'ErrorCode' in e).length, Entries };
  });
}
const numbered = (n: number) => entries(n).map((e, i) => ({ ...e, Detail: JSON.stringify({ n: i }) }));
const sent = () =>
  ebMock
    .commandCalls(PutEventsCommand)
    .map((c) =>
      (c.args[0].input.Entries ?? []).map((e) => (JSON.parse(e.Detail ?? '{}') as { n: number }).n),
    );

beforeEach(() => {
  ebMock.reset();
});

describe('putEvents: requests', () => {
  it('puts 23 entries in 3 requests (10 + 10 + 3) on the default bus, as built', async () => {
    const { bus, counter } = setup();
    answer();
    const all = entries(23);
    expect(await bus.putEvents(all)).toEqual({ sent: 23, failed: [] });
    const calls = ebMock.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    const first = calls[0]?.args[0].input.Entries?.[0];
    expect(first).toEqual({
      Source: 'kms-perimeter-guard',
      DetailType: 'KMS Perimeter Guard Finding',
      Detail: all[0]?.Detail,
      Resources: all[0]?.Resources,
      Time: new Date(all[0]?.Time as string),
    });
    expect(first?.EventBusName).toBeUndefined();
    expect(counter.snapshot()).toEqual({ 'events:PutEvents': 3 });
  });

  it('keeps each request under 256 KB: entries of 100 KB go two by two', async () => {
    const { bus } = setup();
    answer();
    const big = entries(5).map((e, i) => ({
      ...e,
      Detail: JSON.stringify({ n: i, pad: 'x'.repeat(100_000) }),
    }));
    expect((await bus.putEvents(big)).sent).toBe(5);
    expect(sent()).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('an entry over 256 KB is reported, not sent', async () => {
    const { bus } = setup();
    answer();
    const [e] = entries(1, JSON.stringify({ pad: 'x'.repeat(262_144) }));
    expect(await bus.putEvents([e!])).toEqual({
      sent: 0,
      failed: [{ id: 'e0', code: 'EntryTooLarge', message: expect.stringContaining('bytes') }],
    });
    expect(ebMock).not.toHaveReceivedAnyCommand();
  });
});

describe('putEvents: failed entries', () => {
  it('retries only entries failed with a retryable code (InternalFailure, ThrottlingException)', async () => {
    const { bus, retry } = setup();
    answer({ 2: ['InternalFailure', 1], 12: ['ThrottlingException', 2] });
    expect(await bus.putEvents(numbered(15))).toEqual({ sent: 15, failed: [] });
    expect(sent().slice(2)).toEqual([[2, 12], [12]]);
    expect(retry.delays).toEqual([50, 100]);
  });

  it('a non-retryable code is reported at once; a retryable one that persists after the last attempt', async () => {
    const { bus, counter } = setup({ attempts: 3 });
    answer({ 0: ['MalformedDetail', 9], 1: ['InternalFailure', 9] });
    const result = await bus.putEvents(numbered(3));
    expect(result.sent).toBe(1);
    expect(result.failed).toEqual([
      { id: 'e0', code: 'MalformedDetail', message: 'MalformedDetail (test)' },
      { id: 'e1', code: 'InternalFailure', message: 'InternalFailure (test)' },
    ]);
    expect(sent()).toEqual([[0, 1, 2], [1], [1]]);
    expect(counter.total('events')).toBe(3);
  });

  it('a permanent error of the call fails its entries only; a transient one is retried', async () => {
    const { bus, counter } = setup();
    ebMock
      .on(PutEventsCommand)
      .rejectsOnce(serviceError(EventBridgeServiceException, 'AccessDeniedException', 400, 'not authorized'))
      .rejectsOnce(serviceError(EventBridgeServiceException, 'InternalException', 500))
      .resolves({
        FailedEntryCount: 0,
        Entries: Array.from({ length: 5 }, (_, i) => ({ EventId: `ev${i}` })),
      });
    const result = await bus.putEvents(entries(15));
    expect(result.sent).toBe(5);
    expect(result.failed.map((f) => [f.id, f.code])).toEqual(
      Array.from({ length: 10 }, (_, i) => [`e${i}`, 'AccessDeniedException']),
    );
    expect(counter.total('events')).toBe(3);
  });
});
