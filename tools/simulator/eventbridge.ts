/**
 * EventBridge in the simulator: PutEvents (JSON 1.1, `AWSEvents.PutEvents`) on the default bus of
 * the caller's account-region, as the API reference describes it
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html): 1 to 10 entries
 * a call; each answered at its own index with an EventId, or an ErrorCode (an entry without Source,
 * DetailType or Detail: InvalidArgument; a Detail that is not a JSON object: MalformedDetail); the
 * entries of a call together under 256 KB (entry size as
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html counts it).
 * Accepted events are kept for tests and the demo to read back.
 */
import { randomUUID } from 'node:crypto';

interface Caller {
  account: string;
  region: string;
}
type Fail = (code: string, message: string, status?: number) => Error;

export interface SimEvent {
  account: string;
  region: string;
  id: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources: string[];
  /** ISO 8601; the arrival time when the entry had none. */
  time: string;
}

const entryBytes = (e: Record<string, unknown>) =>
  (e.Time !== undefined ? 14 : 0) +
  ['Source', 'DetailType', 'Detail'].reduce((n, k) => n + Buffer.byteLength(String(e[k] ?? '')), 0) +
  (Array.isArray(e.Resources)
    ? e.Resources.reduce((n: number, r) => n + Buffer.byteLength(String(r)), 0)
    : 0);

function parseDetail(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export class SimEventBus {
  /** Events accepted on the default buses, in arrival order. */
  readonly events: SimEvent[] = [];
  /** Fault: detail `findingId` → how many more puts of it fail (InternalFailure) before one succeeds. */
  private readonly failures: Map<string, number>;

  constructor(failEvents: Record<string, number> = {}) {
    this.failures = new Map(Object.entries(failEvents));
  }

  private accept(
    e: Record<string, unknown>,
    caller: Caller,
  ): { EventId: string } | { ErrorCode: string; ErrorMessage: string } {
    if (!e.Source || !e.DetailType || !e.Detail)
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameters Source, DetailType and Detail are required.',
      };
    const detail = parseDetail(String(e.Detail));
    if (!detail) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const key = String(detail.findingId ?? '');
    const left = this.failures.get(key) ?? 0;
    if (left > 0) {
      this.failures.set(key, left - 1);
      return { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure (injected)' };
    }
    const id = randomUUID();
    const time =
      typeof e.Time === 'number' ? new Date(e.Time * 1000).toISOString() : new Date().toISOString();
    this.events.push({
      account: caller.account,
      region: caller.region,
      id,
      source: String(e.Source),
      detailType: String(e.DetailType),
      detail,
      resources: Array.isArray(e.Resources) ? e.Resources.map(String) : [],
      time,
    });
    return { EventId: id };
  }

  putEvents(input: Record<string, unknown>, caller: Caller, fail: Fail): unknown {
    const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
    if (entries.length < 1 || entries.length > 10)
      throw fail('ValidationException', 'Entries must contain between 1 and 10 entries.', 400);
    if (entries.reduce((n, e) => n + entryBytes(e), 0) >= 262_144)
      throw fail('ValidationException', 'Total size of the entries in the request is over the limit.', 400);
    for (const e of entries) {
      const bus = e.EventBusName;
      if (bus !== undefined && bus !== 'default' && !String(bus).endsWith(':event-bus/default'))
        throw fail('ResourceNotFoundException', `Event bus ${String(bus)} does not exist.`, 400);
    }
    const Entries = entries.map((e) => this.accept(e, caller));
    return { FailedEntryCount: Entries.filter((e) => 'ErrorCode' in e).length, Entries };
  }
}
