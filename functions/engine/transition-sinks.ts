/**
 * The findings gate's sink: a batch of settled transitions sent on through `sendTransitions`
 * (engine/finding-sinks.ts: Security Hub in each finding's own account, the guard's default event
 * bus), with the open findings the outcomes report, so each carries its witness. What the sinks do
 * not take after their adapters' retries comes back as sentences, alerted once per run.
 */

import type { Step } from '../findings/lifecycle.js';
import { type OpenFinding, openFindingsOfSweep } from '../findings/open-findings.js';
import {
  type EventBusPort,
  type SecurityHubPort,
  type SinkResult,
  sendTransitions,
} from './finding-sinks.js';
import type { TransitionSink } from './findings-gate.js';
import { toReportResource } from './sweep-report.js';

export interface TransitionSinkPorts {
  /** Security Hub of one account-region (through the member role for another account). */
  securityHub?: (account: string, region: string) => Promise<SecurityHubPort>;
  /** The default bus of the guard's own account (loaded on first use). */
  eventBus?: () => Promise<EventBusPort>;
  /** The guard's own account, named in each event. */
  guardAccount?: () => string | undefined;
}

const said = (sink: string, r: SinkResult) =>
  r.failed.length === 0
    ? []
    : [
        `${sink}: ${r.failed.length} of ${r.failed.length + r.sent} finding transitions not taken (${r.failed
          .slice(0, 3)
          .map((f) => `${f.id}: ${f.code}: ${f.message}`)
          .join('; ')}${r.failed.length > 3 ? '; ...' : ''})`,
      ];

export function createTransitionSink(ports: TransitionSinkPorts): TransitionSink | undefined {
  if (!ports.securityHub && !ports.eventBus) return undefined;
  return async (batch) => {
    const steps: Step[] = [];
    const findings = new Map<string, OpenFinding>();
    for (const settled of batch) {
      steps.push(...settled.steps);
      // The open findings the outcome reports (a remediated one is closed: built from its record).
      if (settled.outcome)
        for (const f of openFindingsOfSweep({ resources: [toReportResource(settled.outcome)] }))
          findings.set(f.id, f);
    }
    const errors: string[] = [];
    let eventBus: EventBusPort | undefined;
    try {
      eventBus = await ports.eventBus?.();
    } catch (err) {
      errors.push(`EventBridge: ${steps.length} finding transitions not sent: ${(err as Error).message}`);
    }
    const guardAccount = ports.guardAccount?.();
    const report = await sendTransitions(steps, findings, {
      ...(ports.securityHub ? { securityHub: ports.securityHub } : {}),
      ...(eventBus ? { eventBus } : {}),
      ...(guardAccount ? { guardAccount } : {}),
    });
    return [...errors, ...said('Security Hub', report.securityHub), ...said('EventBridge', report.events)];
  };
}
