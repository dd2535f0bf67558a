/**
 * The demo's scheduled sweeps: one SQS batch per run through the real sweep worker handler, with
 * the findings ledger in the simulator's DynamoDB. The first run alerts each open finding the
 * events did not already record, and one digest for the run; the second,
 * with no finding changed, sends no finding alert and no digest (a resource it still cannot read is
 * alerted again, with its account-region's summary: a coverage gap is repeated until fixed).
 */
import type { AwsSimulator } from '../simulator/server.js';
import { MEMBERS, OWN, REGIONS } from './estate.js';

export const DEMO_FINDINGS_TABLE = 'kms-perimeter-guard-findings';

export async function ledgerSweeps(
  sim: AwsSimulator,
  out: (text?: string) => void,
  context: Record<string, unknown>,
): Promise<{ messages: number; findingAlerts: number }[]> {
  const { handler } = await import('../../functions/handlers/sweep-worker.js');
  const scopes = [OWN, ...MEMBERS].flatMap((account) => REGIONS.map((region) => ({ account, region })));
  const sent: { messages: number; findingAlerts: number }[] = [];
  for (const run of [1, 2]) {
    const before = sim.estate.messages.length;
    const Records = scopes.map((s, i) => ({
      messageId: `demo-${run}-${i}`,
      body: JSON.stringify({
        version: 1,
        runId: `demo-sweep-${run}`,
        account: s.account,
        region: s.region,
        scopes: scopes.length,
      }),
    }));
    await handler({ Records } as never, { ...context, getRemainingTimeInMillis: () => 900_000 } as never);
    const messages = sim.estate.messages.slice(before);
    const findingAlerts = messages.filter((m) => m.attributes.kind === 'finding').length;
    sent.push({ messages: messages.length, findingAlerts });
    out(
      `sweep ${run} (${scopes.length} account-regions): ${messages.length} SNS messages, ${findingAlerts} finding alerts`,
    );
    for (const m of messages) out(`  - ${m.subject}`);
  }
  const imported = scopes.flatMap((s) => sim.securityHub.findingsIn(s.account, s.region));
  const active = imported.filter((f) => f.RecordState === 'ACTIVE').length;
  out(
    `Security Hub holds ${imported.length} findings of the guard in ${new Set(imported.map((f) => f.AwsAccountId)).size} accounts (${active} ACTIVE); the default bus got ${sim.eventBus.events.length} transition events`,
  );
  return sent;
}
