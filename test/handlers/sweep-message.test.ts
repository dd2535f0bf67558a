import { describe, expect, it } from 'vitest';
import { parseSweepMessage } from '../../functions/handlers/sweep-message.js';

const base = {
  version: 1,
  runId: 'sweep-2026-12-01T03:00:00Z',
  account: '111122223333',
  region: 'eu-west-1',
};

describe('sweep messages', () => {
  it('carry how many account-regions the run has, when the planner says so', () => {
    expect(parseSweepMessage(JSON.stringify({ ...base, scopes: 34 })).message).toEqual({
      ...base,
      scopes: 34,
    });
    // An earlier planner's message has no count: the worker sends its own summary.
    expect(parseSweepMessage(JSON.stringify(base)).message).toEqual(base);
  });

  it('refuse a count that is not a whole number of at least one, naming it', () => {
    for (const scopes of [0, -1, 1.5, '3', null])
      expect(parseSweepMessage(JSON.stringify({ ...base, scopes })).error, String(scopes)).toBe(
        'scopes must be a whole number >= 1',
      );
  });
});
