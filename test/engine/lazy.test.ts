/**
 * The lazily loaded halves of the engine are imported once per container: a warm event awaits the
 * kept promise instead of resolving the module again.
 */
import { describe, expect, it } from 'vitest';
import { loadAlerts, loadApply, loadRemediation } from '../../functions/engine/lazy.js';

describe('lazy engine modules', () => {
  it.each([
    ['remediation', loadRemediation, 'planRemediations'],
    ['apply', loadApply, 'applyPlanned'],
    ['alerts', loadAlerts, 'noticeAlert'],
  ] as const)('%s: one import, the same module on every use', async (_name, load, member) => {
    const first = load();
    expect(load()).toBe(first);
    const loaded = (await first) as Record<string, unknown>;
    expect(typeof loaded[member]).toBe('function');
    expect(await load()).toBe(loaded);
  });
});
