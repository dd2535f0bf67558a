import type { AwsService, CallCounter } from '../engine/ports.js';

export interface RecordingCallCounter extends CallCounter {
  /** Calls per `service:Operation`, e.g. `{ 'kms:DescribeKey': 1 }`. */
  snapshot(): Record<string, number>;
  /** Calls in total, or for one service. */
  total(service?: AwsService): number;
  reset(): void;
}

/** A counter that remembers: benchmarks and tests read AWS calls per event from it. */
export function createCallCounter(): RecordingCallCounter {
  const counts = new Map<string, number>();
  return {
    count(service, operation) {
      const key = `${service}:${operation}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
    snapshot: () => Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))),
    total(service) {
      let sum = 0;
      for (const [key, n] of counts) if (!service || key.startsWith(`${service}:`)) sum += n;
      return sum;
    },
    reset: () => counts.clear(),
  };
}
