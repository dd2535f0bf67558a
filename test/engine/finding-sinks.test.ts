/**
 * sendTransitions: the transitions a run won go to Security Hub in their own account-region and
 * to the guard's bus, each with its open finding when the run has one; a sink that is off gets
 * nothing, and a port that cannot be had (or throws) fails its own findings only.
 */
import { describe, expect, it } from 'vitest';
import {
  type EventBusPort,
  type SecurityHubPort,
  sendTransitions,
} from '../../functions/engine/finding-sinks.js';
import type { AsffFinding } from '../../functions/findings/asff.js';
import type { Step } from '../../functions/findings/lifecycle.js';
import type { TransitionEventEntry } from '../../functions/findings/transition-event.js';
import { ACCOUNT, id, openFinding, steps } from '../findings/transitions.js';

const OTHER = '222233334444';

/** The reopened step moved to another account (a second account-region of the run). */
function inOther(st: Step): Step {
  const subject = { ...st.next.subject, account: OTHER };
  return { ...st, next: { ...st.next, id: `${id}-other`, subject } };
}

function fakeHub() {
  const imported = new Map<string, AsffFinding[]>();
  const hub = async (account: string, region: string): Promise<SecurityHubPort> => ({
    async importFindings(findings) {
      imported.set(`${account}:${region}`, [...(imported.get(`${account}:${region}`) ?? []), ...findings]);
      return { sent: findings.length, failed: [] };
    },
  });
  return { imported, hub };
}

function fakeBus() {
  const put: TransitionEventEntry[] = [];
  const bus: EventBusPort = {
    async putEvents(entries) {
      put.push(...entries);
      return { sent: entries.length, failed: [] };
    },
  };
  return { put, bus };
}

describe('sendTransitions', () => {
  const s = steps();
  const findings = new Map([[id, openFinding()]]);

  it('imports each transition in its own account-region and puts one event each', async () => {
    const { imported, hub } = fakeHub();
    const { put, bus } = fakeBus();
    const transitions = [s.new, inOther(s.reopened)];
    const report = await sendTransitions(transitions, findings, {
      securityHub: hub,
      eventBus: bus,
      guardAccount: '999988887777',
    });
    expect(report).toEqual({ securityHub: { sent: 2, failed: [] }, events: { sent: 2, failed: [] } });
    expect([...imported.keys()]).toEqual([`${ACCOUNT}:eu-west-1`, `${OTHER}:eu-west-1`]);
    expect(
      imported.get(`${ACCOUNT}:eu-west-1`)?.[0]?.ProductFields['kms-perimeter-guard/witness'],
    ).toBeDefined();
    // The other account's finding has no open finding in the map: built from its record.
    expect(imported.get(`${OTHER}:eu-west-1`)?.[0]).toMatchObject({
      AwsAccountId: OTHER,
      Workflow: { Status: 'NEW' },
    });
    expect(put.map((e) => JSON.parse(e.Detail).guardAccount)).toEqual(['999988887777', '999988887777']);
  });

  it('a sink that is off gets nothing', async () => {
    const { put, bus } = fakeBus();
    const report = await sendTransitions([s.resolved], findings, { eventBus: bus });
    expect(report.securityHub).toEqual({ sent: 0, failed: [] });
    expect(put).toHaveLength(1);
    expect(await sendTransitions([], findings, { eventBus: bus })).toEqual({
      securityHub: { sent: 0, failed: [] },
      events: { sent: 0, failed: [] },
    });
    expect(put).toHaveLength(1);
  });

  it('an account whose port cannot be had fails its own findings only', async () => {
    const { imported, hub } = fakeHub();
    const refusing = async (account: string, region: string) => {
      if (account === OTHER)
        throw Object.assign(new Error(`cannot assume the member role in ${OTHER}`), {
          name: 'RoleAssumptionError',
        });
      return hub(account, region);
    };
    const report = await sendTransitions([s.new, inOther(s.reopened)], findings, { securityHub: refusing });
    expect(report.securityHub).toEqual({
      sent: 1,
      failed: [
        {
          id: `${id}-other`,
          code: 'RoleAssumptionError',
          message: `cannot assume the member role in ${OTHER}`,
        },
      ],
    });
    expect([...imported.keys()]).toEqual([`${ACCOUNT}:eu-west-1`]);
  });

  it('a bus that throws fails its entries, reported, not thrown', async () => {
    const bus: EventBusPort = {
      putEvents: async () => {
        throw new Error('boom');
      },
    };
    const report = await sendTransitions([s.new, s.changed], findings, { eventBus: bus });
    expect(report.events.failed.map((f) => [f.id, f.message])).toEqual([
      [id, 'boom'],
      [id, 'boom'],
    ]);
  });
});
