/**
 * The acting half of the guard loop: remediation prechecks that read AWS, the one write of every
 * planned change, and its read-back. Loaded on first use (the guard imports it when a plan exists),
 * so an event on a compliant resource never parses it at cold start.
 */
import { AwsCallError } from '../errors.js';
import { remediationOf } from '../remediations/index.js';
import type { ChangeAction, ResourceWrite } from '../remediations/types.js';
import type { ChangePlan, Resource } from '../rules/types.js';
import { defaultSleep, type PipelineDeps, READ_BACK_DELAY_MS } from './deps.js';
import type { ResourceDriver } from './kinds/types.js';
import { type Applied, isRetryable } from './outcomes.js';
import type { RemediationDecision } from './remediation.js';

export type Planned = Extract<RemediationDecision, { status: 'planned' }>;

/** Remediation prechecks that read AWS (private DNS: the VPC's DNS attributes): refusals, with why. */
export async function precheck<P>(
  driver: ResourceDriver<P, unknown, unknown>,
  port: P,
  resource: Resource,
  decisions: RemediationDecision[],
): Promise<RemediationDecision[]> {
  const reads = driver.precheckReads(port);
  const out: RemediationDecision[] = [];
  for (const d of decisions) {
    const module = d.status === 'planned' ? remediationOf(d.plan.kind) : undefined;
    const check = module?.precheck as
      | ((r: typeof reads & object, res: Resource, p: ChangePlan) => Promise<string | undefined>)
      | undefined;
    if (d.status !== 'planned' || !check || !reads) {
      out.push(d);
      continue;
    }
    const refusal = await check(reads, resource, d.plan);
    out.push(refusal ? { rule: d.rule, status: 'refused', reason: refusal, plan: d.plan } : d);
  }
  return out;
}

/** Write every planned change in one call, then read back until each is confirmed. */
export async function applyPlanned<P>(
  driver: ResourceDriver<P, unknown, unknown>,
  port: P,
  id: string,
  planned: Planned[],
  applied: Applied,
  deps: PipelineDeps,
): Promise<number> {
  const write: ResourceWrite = {};
  for (const d of planned)
    (remediationOf(d.plan.kind).contribute as (p: ChangePlan, w: ResourceWrite) => void)(d.plan, write);
  try {
    await driver.write(port, id, write);
  } catch (err) {
    if (isRetryable(err) || !(err instanceof AwsCallError)) throw err;
    // e.g. KMS refusing the policy (its lockout safety check): report, do not retry. The calls
    // before the failing one were made (a revoked grant stays revoked), the later ones were not.
    const failedAt = driver.writeOrder.indexOf(err.operation as ChangeAction);
    for (const d of planned) {
      const at = driver.writeOrder.indexOf(remediationOf(d.plan.kind).action);
      if (failedAt >= 0 && at < failedAt) applied.remediated.add(d.rule);
      else if (failedAt >= 0 && at > failedAt)
        applied.failed.set(
          d.rule,
          `not attempted: ${err.operation} failed first (${err.code}: ${err.message})`,
        );
      else
        applied.failed.set(
          d.rule,
          `${err.operation || driver.writeAction} failed: ${err.code}: ${err.message}`,
        );
    }
    return failedAt > 0 ? 1 : 0;
  }
  const sleep = deps.sleep ?? defaultSleep;
  const confirmedBy = (back: Awaited<ReturnType<typeof driver.readBack>>) =>
    planned.every((d) =>
      (remediationOf(d.plan.kind).confirmed as (b: typeof back, p: ChangePlan, w: ResourceWrite) => boolean)(
        back,
        d.plan,
        write,
      ),
    );
  let back = await driver.readBack(port, id);
  for (let attempt = 2; attempt <= driver.readBackAttempts && !confirmedBy(back); attempt++) {
    await sleep(READ_BACK_DELAY_MS);
    back = await driver.readBack(port, id);
  }
  const confirmed = confirmedBy(back);
  if (!confirmed) deps.log.warn('the resource read back does not show the change', { resourceId: id });
  for (const d of planned) {
    if (confirmed) applied.remediated.add(d.rule);
    else applied.failed.set(d.rule, driver.unconfirmed(back));
  }
  return 1;
}
