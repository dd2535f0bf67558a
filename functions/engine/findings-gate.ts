/**
 * Between judging and publishing: the findings ledger decides which finding alerts go out. A
 * finding alert is published when its finding made a transition subscribers hear about (new,
 * changed witness or severity, reopened, remediated) or, with `alerts.on: "every"`, whenever the
 * finding is open; a finding that is no longer found sends one `finding-resolved` notice. Other
 * alerts (errors, notices) pass as they are. The transitions also go to the sinks (Security Hub,
 * EventBridge) when those are configured.
 *
 * Without a ledger (the CLI, a deployment without the table) every alert passes, as before.
 */

import { findingId, partitionOf, resourceArnOf, subjectOf } from '../findings/finding-id.js';
import type { Step } from '../findings/lifecycle.js';
import { type LedgerRecord, scopeOf } from '../findings/lifecycle.js';
import type { RuleId } from '../rules/types.js';
import type { AlertEntry } from './alert-types.js';
import type { PipelineDeps, ResourceOutcome } from './deps.js';
import { loadAlerts } from './lazy.js';
import {
  type AlertsOn,
  type LedgerPort,
  type LedgerResult,
  type LedgerSession,
  observationsOf,
  openLedgerSession,
} from './ledger.js';
import type { RunDigestPort } from './run-digest.js';

/** A resource's outcome with the transitions it won, for the sinks. */
export interface SettledTransitions {
  steps: Step[];
  /** The outcome the steps came from; absent for findings resolved because a sweep did not see them. */
  outcome?: ResourceOutcome;
}

/**
 * Where transitions go besides SNS (Security Hub, EventBridge: engine/transition-sinks.ts); must not
 * throw. Returns what could not be sent, in sentences.
 */
export type TransitionSink = (batch: SettledTransitions[]) => Promise<string[]>;

/** The ledger as the pipeline uses it (`PipelineDeps.findings`). */
export interface FindingsLedger {
  port: LedgerPort;
  /** The table's name, for messages. */
  table: string;
  alertsOn: AlertsOn;
  sink?: TransitionSink;
  /** The sweep runs' digests (the worker that completes a run sends its one summary). */
  runs?: RunDigestPort;
  /**
   * Kept for the container's life: the table's failure was alerted and the table has not worked
   * since, so a table that stays down is alerted once, not once per event.
   */
  state: { failureAlerted: boolean };
}

export interface FindingsGate {
  /** The alerts of one outcome to publish. */
  gate(outcome: ResourceOutcome): Promise<AlertEntry[]>;
  /**
   * The end of the run: a complete sweep resolves the findings it did not see (except those of
   * resources in `keep`: listed but not judged, or judged with the rule saying nothing); the
   * ledger's failure, if any, is alerted (once per container while it lasts).
   */
  finish(options: { complete: boolean; keep?: Set<string> }): Promise<AlertEntry[]>;
  result(): LedgerResult | undefined;
}

/** Sink batches are flushed at this many transitions (a Security Hub import takes 100 findings). */
const SINK_BATCH = 100;

const isFindingAlert = (a: AlertEntry) => a.MessageAttributes.kind.StringValue === 'finding';

export function openFindingsGate(
  deps: PipelineDeps,
  account: string,
  region: string,
  options: { wholeScope: boolean },
): FindingsGate {
  const ledger = deps.findings;
  if (!ledger) {
    return { gate: async (o) => o.alerts, finish: async () => [], result: () => undefined };
  }
  const now = deps.now ?? (() => new Date());
  const session: LedgerSession = openLedgerSession(
    ledger.port,
    scopeOf({ partition: partitionOf(region), account, region }),
    ledger.alertsOn,
    () => now().toISOString(),
    options,
  );
  let pending: SettledTransitions[] = [];
  let pendingSteps = 0;
  const sinkErrors: string[] = [];
  const flush = async () => {
    if (!ledger.sink || pending.length === 0) return;
    const batch = pending;
    pending = [];
    pendingSteps = 0;
    sinkErrors.push(...(await ledger.sink(batch)));
  };
  const settled = async (steps: Step[], outcome?: ResourceOutcome) => {
    if (!ledger.sink || steps.length === 0) return;
    pending.push({ steps, ...(outcome ? { outcome } : {}) });
    pendingSteps += steps.length;
    if (pendingSteps >= SINK_BATCH) await flush();
  };
  return {
    async gate(outcome) {
      const observed = await session.observe(observationsOf(outcome), resourceArnOf(outcome));
      await settled(observed.steps, outcome);
      const out = outcome.alerts.filter((a) => {
        if (!isFindingAlert(a)) return true;
        const rule = a.MessageAttributes.rule.StringValue as RuleId;
        return observed.alert.has(findingId(subjectOf(outcome, rule)));
      });
      out.push(...(await resolvedNotices(observed.steps, 'seen compliant', deps)));
      return out;
    },
    async finish({ complete, keep }) {
      const out: AlertEntry[] = [];
      if (complete) {
        const steps = await session.resolveUnseen((r) => keep?.has(r.subject.resourceArn) ?? false);
        await settled(steps);
        out.push(...(await resolvedNotices(steps, 'not found by a complete sweep', deps)));
      }
      await flush();
      if (sinkErrors.length > 0) out.push(await sinkAlert(sinkErrors, account, region, deps));
      const error = session.result().ledgerError;
      if (error === undefined) {
        ledger.state.failureAlerted = false;
        return out;
      }
      deps.log.error('findings ledger unavailable: alerting every open finding', {
        table: ledger.table,
        error,
      });
      if (!ledger.state.failureAlerted) {
        ledger.state.failureAlerted = true;
        const { errorAlert } = await loadAlerts();
        out.push(
          errorAlert({
            stage: 'ledger',
            account,
            region,
            message: `the findings ledger (DynamoDB table ${ledger.table}) cannot be used: ${error}. Until it works again every open finding is alerted whenever it is seen, and nothing is resolved; this is said once per function container.`,
            time: now(),
          }),
        );
      }
      return out;
    },
    result: () => session.result(),
  };
}

/** What Security Hub or EventBridge did not take, after their retries: one error alert per run. */
async function sinkAlert(errors: string[], account: string, region: string, deps: PipelineDeps) {
  deps.log.error('finding transitions not sent', { errors });
  const { errorAlert } = await loadAlerts();
  return errorAlert({
    stage: 'publish',
    account,
    region,
    message: `finding transitions could not be sent on (the ledger and SNS have them): ${errors.join(' | ')}`,
    time: (deps.now ?? (() => new Date()))(),
  });
}

/** One `finding-resolved` notice per resolved transition (alerted: it closes what an alert opened). */
async function resolvedNotices(steps: Step[], why: string, deps: PipelineDeps): Promise<AlertEntry[]> {
  const resolved = steps.filter((s) => s.transition === 'resolved');
  if (resolved.length === 0) return [];
  const { noticeAlert } = await loadAlerts();
  return resolved.map(({ next }) => {
    const r: LedgerRecord = next;
    const arn = r.subject.resourceArn;
    const type = arn.includes(':vpc-endpoint/') ? 'vpc-endpoint' : 'kms-key';
    const id = arn.slice(arn.lastIndexOf('/') + 1);
    return noticeAlert({
      notice: 'finding-resolved',
      severity: r.severity,
      message: `${r.subject.rule} on ${type} ${id} is resolved (${why}); it was open since ${r.firstSeen}. Finding id ${r.id}.`,
      account: r.subject.account,
      region: r.subject.region,
      resource: {
        type,
        id,
        ...(type === 'kms-key' ? { arn } : {}),
        account: r.subject.account,
        region: r.subject.region,
      },
      rules: [r.subject.rule],
      time: (deps.now ?? (() => new Date()))(),
    });
  });
}

/**
 * An event's alerts through the ledger: each resource's items read (one Query on its ARN) and its
 * transitions written. Loaded only for an event with an open or remediated finding (engine/lazy.ts):
 * a compliant event, the common case, reads no ledger and loads no DynamoDB client, and a finding
 * it fixed is resolved by the next sweep.
 */
export async function gateEvent(
  resources: ResourceOutcome[],
  deps: PipelineDeps,
  account: string,
  region: string,
): Promise<AlertEntry[]> {
  const gate = openFindingsGate(deps, account, region, { wholeScope: false });
  const alerts: AlertEntry[] = [];
  for (const r of resources) alerts.push(...(await gate.gate(r)));
  alerts.push(...(await gate.finish({ complete: false })));
  return alerts;
}
