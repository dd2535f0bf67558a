/**
 * Where the findings ledger's transitions go besides SNS: Security Hub (one ASFF finding per
 * transition, imported in the finding's own account: findings/transition-asff.ts) and the guard's
 * default event bus (one event per transition: findings/transition-event.ts). The adapters
 * (adapters/security-hub.ts, adapters/event-bus.ts) retry what AWS reports failed and return the
 * rest here, never throwing: one account's Security Hub being off loses nothing else of the run.
 */
import type { AsffFinding } from '../findings/asff.js';
import type { TransitionEventEntry } from '../findings/transition-event.js';

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
