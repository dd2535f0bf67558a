/**
 * Where the findings ledger's transitions go besides SNS: Security Hub (one ASFF finding per
 * transition, imported in the finding's own account: findings/transition-asff.ts) and the guard's
 * default event bus (one event per transition: findings/transition-event.ts). The adapters
 * (adapters/security-hub.ts, adapters/event-bus.ts) retry what AWS reports failed and return the
 * rest here, never throwing: one account's Security Hub being off loses nothing else of the run.
 */
import type { AsffFinding } from '../findings/asff.js';
import type { Step } from '../findings/lifecycle.js';
import type { OpenFinding } from '../findings/open-findings.js';
import { asffOfTransition } from '../findings/transition-asff.js';
import { type TransitionEventEntry, transitionEvent } from '../findings/transition-event.js';

/** What a sink did with a batch: how many went through, and each one that did not, by finding id. */
export interface SinkResult {
  sent: number;
  failed: { id: string; code: string; message: string }[];
}

/** BatchImportFindings in one account-region (the findings' own: AwsAccountId must be the caller's). */
export interface SecurityHubPort {
  importFindings(findings: readonly AsffFinding[]): Promise<SinkResult>;
}

/** PutEvents on the default bus of the guard's own account. */
export interface EventBusPort {
  putEvents(entries: readonly TransitionEventEntry[]): Promise<SinkResult>;
}

export interface SinkDeps {
  /** Security Hub of one account-region (`createAccountPorts`); absent: `securityHub.enabled` false. */
  securityHub?: (account: string, region: string) => Promise<SecurityHubPort>;
  /** The guard's default bus; absent: events off. */
  eventBus?: EventBusPort;
  /** The guard's own account, named in each event's detail. */
  guardAccount?: string;
}

export interface SinkReport {
  securityHub: SinkResult;
  events: SinkResult;
}

const none = (): SinkResult => ({ sent: 0, failed: [] });
const add = (to: SinkResult, r: SinkResult) => {
  to.sent += r.sent;
  to.failed.push(...r.failed);
};

/**
 * Every transition a run won, to each sink that is on: Security Hub grouped by the finding's
 * account-region (each imported there), then one batch of events. `findings`: the run's open
 * findings by id (their witness and proof go along; a closed finding has none). A port that cannot
 * be had (the member role refused) fails its own findings only; nothing here throws.
 */
export async function sendTransitions(
  transitions: readonly Step[],
  findings: ReadonlyMap<string, OpenFinding>,
  deps: SinkDeps,
): Promise<SinkReport> {
  const report: SinkReport = { securityHub: none(), events: none() };
  if (deps.securityHub) {
    const byScope = new Map<string, { account: string; region: string; docs: AsffFinding[] }>();
    for (const t of transitions) {
      const { account, region } = t.next.subject;
      const scope = byScope.get(`${account}:${region}`) ?? { account, region, docs: [] };
      scope.docs.push(asffOfTransition(t, findings.get(t.next.id)));
      byScope.set(`${account}:${region}`, scope);
    }
    for (const { account, region, docs } of byScope.values()) {
      try {
        add(report.securityHub, await (await deps.securityHub(account, region)).importFindings(docs));
      } catch (err) {
        const e = err as { name?: string; message?: string };
        const code = e.name ?? 'Error';
        for (const d of docs) report.securityHub.failed.push({ id: d.Id, code, message: e.message ?? '' });
      }
    }
  }
  if (deps.eventBus && transitions.length > 0) {
    const entries = transitions.map((t) => transitionEvent(t, findings.get(t.next.id), deps.guardAccount));
    try {
      add(report.events, await deps.eventBus.putEvents(entries));
    } catch (err) {
      const e = err as { name?: string; message?: string };
      for (const x of entries)
        report.events.failed.push({ id: x.findingId, code: e.name ?? 'Error', message: e.message ?? '' });
    }
  }
  return report;
}
