/**
 * Security Hub and EventBridge on the simulator, through the real SDK clients and the guard's
 * adapters: findings imported in their own account through the member role (and refused in another
 * account's), updated in place by transition, partial failures retried then imported or reported;
 * transition events on the guard's default bus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEventBridgeClient,
  createSecurityHubClient,
  createStsClient,
} from '../../functions/adapters/clients.js';
import { createEventBusAdapter } from '../../functions/adapters/event-bus.js';
import { createAccountPorts } from '../../functions/adapters/ports.js';
import { createSecurityHubAdapter } from '../../functions/adapters/security-hub.js';
import { createStsAdapter } from '../../functions/adapters/sts.js';
import type { AsffFinding } from '../../functions/findings/asff.js';
import { asffOfTransition } from '../../functions/findings/transition-asff.js';
import { transitionEvent } from '../../functions/findings/transition-event.js';
import { AwsSimulator } from '../../tools/simulator/server.js';
import { fastRetry } from '../adapters/helpers.js';
import { id, ACCOUNT as MEMBER, openFinding, steps } from '../findings/transitions.js';

const GUARD = '999988887777';
const REGION = 'eu-west-1';
const ROLE = 'KmsPerimeterGuardMember';
const FLAKY = `${id}-flaky`;

let sim: AwsSimulator;
let endpoint: string;

beforeAll(async () => {
  sim = new AwsSimulator({ faults: { failFindings: { [FLAKY]: 2 }, failEvents: { 'kpg-flaky-event': 1 } } });
  endpoint = await sim.start();
  sim.estate.roles.set(MEMBER, new Set([ROLE]));
});
afterAll(() => sim.stop());

const guardCredentials = async () => sim.credentialsFor(GUARD);

/** Security Hub ports per account-region as a handler builds them: the member role for other accounts. */
function hubPorts() {
  const sts = createStsAdapter(createStsClient({ region: REGION, endpoint, credentials: guardCredentials }));
  return createAccountPorts(
    createSecurityHubClient,
    (client) => createSecurityHubAdapter(client, { retry: fastRetry() }),
    {
      ownAccount: () => GUARD,
      roleName: ROLE,
      sessionName: 'test',
      sts,
      endpoint,
      credentials: guardCredentials,
    },
  );
}

const s = steps();
const numbered = (doc: AsffFinding, n: number) =>
  Array.from({ length: n }, (_, i) => ({ ...doc, Id: `${doc.Id}-${i}` }));

describe('Security Hub BatchImportFindings on the simulator', () => {
  it('imports a member account’s findings through the member role; a transition updates the same finding', async () => {
    const hub = await hubPorts()(MEMBER, REGION);
    expect(await hub.importFindings([asffOfTransition(s.new, openFinding())])).toEqual({
      sent: 1,
      failed: [],
    });
    const [stored] = sim.securityHub.findingsIn(MEMBER, REGION);
    expect(stored).toMatchObject({ Id: id, RecordState: 'ACTIVE', Compliance: { Status: 'FAILED' } });

    expect(await hub.importFindings([asffOfTransition(s.resolved, undefined)])).toEqual({
      sent: 1,
      failed: [],
    });
    const after = sim.securityHub.findingsIn(MEMBER, REGION).filter((f) => f.Id === id);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' } });
  });

  it('250 findings: three calls, all imported', async () => {
    const hub = await hubPorts()(MEMBER, REGION);
    const before = sim.calls.get('securityhub:BatchImportFindings') ?? 0;
    const result = await hub.importFindings(numbered(asffOfTransition(s.new, openFinding()), 250));
    expect(result).toEqual({ sent: 250, failed: [] });
    expect((sim.calls.get('securityhub:BatchImportFindings') ?? 0) - before).toBe(3);
  });

  it('a finding failed twice (FailedFindings) is retried alone and imported the third time', async () => {
    const hub = await hubPorts()(MEMBER, REGION);
    const before = sim.calls.get('securityhub:BatchImportFindings') ?? 0;
    const doc = { ...asffOfTransition(s.new, openFinding()), Id: FLAKY };
    expect(await hub.importFindings([doc, ...numbered(doc, 3)])).toEqual({ sent: 4, failed: [] });
    expect((sim.calls.get('securityhub:BatchImportFindings') ?? 0) - before).toBe(3);
    expect(sim.securityHub.findingsIn(MEMBER, REGION).some((f) => f.Id === FLAKY)).toBe(true);
  });

  it('a finding of another account is refused (FailedFindings) and reported after the retries', async () => {
    const hub = await hubPorts()(MEMBER, REGION);
    const doc = asffOfTransition(s.new, openFinding());
    const other = { ...doc, Id: `${id}-other`, AwsAccountId: '222233334444' };
    const result = await hub.importFindings([other, { ...doc, Id: `${id}-mine` }]);
    expect(result.sent).toBe(1);
    expect(result.failed).toEqual([
      { id: `${id}-other`, code: 'AccessDeniedException', message: expect.any(String) },
    ]);
  });

  it('imported with the guard’s own credentials, a member finding is refused for the whole call, not thrown', async () => {
    const hub = await hubPorts()(GUARD, REGION);
    const result = await hub.importFindings([asffOfTransition(s.new, openFinding())]);
    expect(result).toEqual({
      sent: 0,
      failed: [
        { id, code: 'AccessDeniedException', message: expect.stringContaining('BatchImportFindings') },
      ],
    });
  });

  it('Security Hub not enabled in the account-region: every finding reported with InvalidAccessException', async () => {
    sim.securityHub.disabled.add(`${MEMBER}:us-east-1`);
    const hub = await hubPorts()(MEMBER, 'us-east-1');
    const result = await hub.importFindings(numbered(asffOfTransition(s.new, openFinding()), 2));
    expect(result.sent).toBe(0);
    expect(result.failed.map((f) => f.code)).toEqual(['InvalidAccessException', 'InvalidAccessException']);
  });
});

describe('EventBridge PutEvents on the simulator', () => {
  const bus = () =>
    createEventBusAdapter(
      createEventBridgeClient({ region: REGION, endpoint, credentials: guardCredentials }),
      {
        retry: fastRetry(),
      },
    );

  it('puts each transition’s event on the guard’s default bus, as built', async () => {
    const entries = Object.values(s).map((st) => transitionEvent(st, undefined, GUARD));
    const before = sim.eventBus.events.length;
    expect(await bus().putEvents(entries)).toEqual({ sent: 6, failed: [] });
    const got = sim.eventBus.events.slice(before);
    expect(got.map((e) => e.detail.transition)).toEqual(Object.keys(s));
    for (const [i, e] of got.entries()) {
      expect(e).toMatchObject({
        account: GUARD,
        region: REGION,
        source: 'kms-perimeter-guard',
        detailType: 'KMS Perimeter Guard Finding',
        resources: entries[i]?.Resources,
        time: entries[i]?.Time,
      });
      expect(e.detail).toEqual(JSON.parse(entries[i]?.Detail as string));
    }
  });

  it('an entry that failed (InternalFailure) is put again alone; 23 entries go in 3 calls', async () => {
    const before = sim.calls.get('events:PutEvents') ?? 0;
    const flaky = transitionEvent(s.new, openFinding(), GUARD);
    const detail = { ...JSON.parse(flaky.Detail), findingId: 'kpg-flaky-event' };
    const entries = [
      { ...flaky, Detail: JSON.stringify(detail) },
      ...Array.from({ length: 22 }, () => flaky),
    ];
    expect(await bus().putEvents(entries)).toEqual({ sent: 23, failed: [] });
    expect((sim.calls.get('events:PutEvents') ?? 0) - before).toBe(4);
  });
});
