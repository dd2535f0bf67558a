/**
 * The ledger's transitions, sent on: each to Security Hub in its finding's own account
 * (`securityHub.enabled`; one ASFF finding per transition, findings/transition-asff.ts) and to the
 * guard's default event bus (`eventBridge.enabled`; one event per transition,
 * findings/transition-event.ts). Pure orchestration over the ports: what a sink could not take after
 * its adapter's retries comes back as sentences, which the findings gate alerts once per run.
 */
import { type OpenFinding, openFindingsOfSweep } from '../findings/open-findings.js';
import { asffOfTransition } from '../findings/transition-asff.js';
import { transitionEvent } from '../findings/transition-event.js';
import type { EventBusPort, SecurityHubPort, SinkResult } from './finding-sinks.js';
import type { SettledTransitions, TransitionSink } from './findings-gate.js';
import { toReportResource } from './sweep-report.js';

export interface TransitionSinkPorts {
  /** Security Hub of one account-region (through the member role for another account). */
  securityHub?: (account: string, region: string) => Promise<SecurityHubPort>;
  /** The default bus of the guard's own account. */
  eventBus?: () => Promise<EventBusPort>;
  /** The guard's own account, named in each event. */
  guardAccount?: () => string | undefined;
}

/** The open findings an outcome reports, by finding id (a remediated one is not open: absent). */
function openFindingsOf(s: SettledTransitions): Map<string, OpenFinding> {
  if (!s.outcome) return new Map();
  return new Map(openFindingsOfSweep({ resources: [toReportResource(s.outcome)] }).map((f) => [f.id, f]));
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
    const asff = new Map<string, ReturnType<typeof asffOfTransition>[]>();
    const events: ReturnType<typeof transitionEvent>[] = [];
    const guardAccount = ports.guardAccount?.();
    for (const settled of batch) {
      const open = openFindingsOf(settled);
      for (const step of settled.steps) {
        const finding = open.get(step.next.id);
        if (ports.securityHub) {
          const where = `${step.next.subject.account}|${step.next.subject.region}`;
          asff.set(where, [...(asff.get(where) ?? []), asffOfTransition(step, finding)]);
        }
        if (ports.eventBus) events.push(transitionEvent(step, finding, guardAccount));
      }
    }
    const errors: string[] = [];
    const failAll = (sink: string, n: number, err: unknown) =>
      errors.push(`${sink}: ${n} finding transitions not sent: ${(err as Error).message ?? String(err)}`);
    for (const [where, findings] of asff) {
      const [account, region] = where.split('|') as [string, string];
      try {
        const port = await (ports.securityHub as NonNullable<TransitionSinkPorts['securityHub']>)(
          account,
          region,
        );
        errors.push(...said(`Security Hub ${account} ${region}`, await port.importFindings(findings)));
      } catch (err) {
        // The member role could not be assumed: the other accounts' imports go on.
        failAll(`Security Hub ${account} ${region}`, findings.length, err);
      }
    }
    if (ports.eventBus && events.length > 0) {
      try {
        errors.push(...said('EventBridge', await (await ports.eventBus()).putEvents(events)));
      } catch (err) {
        failAll('EventBridge', events.length, err);
      }
    }
    return errors;
  };
}
