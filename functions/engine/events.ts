/**
 * Events: one CloudTrail record (through EventBridge) names resources to guard. Parse it (never
 * throws), ignore what is not ours, report what cannot be understood, guard the rest, publish.
 */
import { parseTrigger } from '../events/triggers.js';
import { TAGGING_EVENTS, type Trigger, type TriggerResult } from '../events/types.js';
import { type PipelineDeps, port, type ResourceContext, type ResourceOutcome } from './deps.js';
import { guardEndpoint, guardKey } from './guard.js';
import { loadAlerts, loadFindingsGate } from './lazy.js';
import { setsExemption } from './notices.js';
import { errorOutcome, handleResourceError, isRetryable } from './outcomes.js';
import type { Ec2Port, KmsPort, VpcEndpointRecord } from './ports.js';
import { publishAlerts } from './publish.js';

export interface EventOutcome {
  eventId?: string;
  kind: 'processed' | 'ignored' | 'invalid';
  reason?: string;
  resources: ResourceOutcome[];
  alertsPublished: number;
  alertsFailed: number;
}

const OPEN_STATUSES: readonly string[] = [
  'finding',
  'alerted',
  'dry-run',
  'remediation-failed',
  'remediated',
];
const hasOpenFinding = (r: ResourceOutcome) =>
  r.status === 'judged' && r.rules.some((x) => OPEN_STATUSES.includes(x.status));

/** Endpoints judged per event at most (a real record names one). */
const MAX_ENDPOINTS_PER_EVENT = 25;

/**
 * Read several endpoints in one DescribeVpcEndpoints call. EC2 fails the whole call when one id
 * does not exist (InvalidVpcEndpointId.NotFound), and any other failure is left to the per-endpoint
 * reads: an empty map means "read each one", never "gone".
 */
async function readEndpointsAtOnce(
  ec2: Ec2Port,
  ids: string[],
  deps: PipelineDeps,
): Promise<Map<string, VpcEndpointRecord>> {
  const out = new Map<string, VpcEndpointRecord>();
  if (ids.length < 2) return out;
  try {
    for await (const e of ec2.describeVpcEndpoints({ ids })) out.set(e.id, e);
  } catch (err) {
    if (isRetryable(err)) throw err;
    deps.log.debug('batched endpoint read failed; reading one by one', { error: String(err) });
    out.clear();
  }
  return out;
}

/** Process one trigger (already parsed): every resource it names, one PublishBatch for all alerts. */
export async function processTrigger(trigger: Trigger, deps: PipelineDeps): Promise<EventOutcome> {
  const ctx: ResourceContext = { account: trigger.account, region: trigger.region, trigger };
  const resources: ResourceOutcome[] = [];
  if (trigger.family === 'key') {
    const base = {
      type: 'kms-key' as const,
      id: trigger.keyRef.value,
      account: ctx.account,
      region: ctx.region,
    };
    let kms: KmsPort | undefined;
    try {
      kms = await port(deps.ports, 'kms')(ctx.account, ctx.region);
    } catch (err) {
      resources.push(await handleResourceError(err, base, deps, ctx, 'assume-role'));
    }
    if (kms) resources.push(await guardKey(kms, trigger.keyRef.value, ctx, deps));
  } else {
    let ec2: Ec2Port | undefined;
    try {
      ec2 = await port(deps.ports, 'ec2')(ctx.account, ctx.region);
    } catch (err) {
      const id = trigger.resourceIds.join(',');
      resources.push(
        await handleResourceError(
          err,
          { type: 'vpc-endpoint', id, account: ctx.account, region: ctx.region },
          deps,
          ctx,
          'assume-role',
        ),
      );
    }
    if (ec2) {
      // A real CreateVpcEndpoint or ModifyVpcEndpoint names one endpoint. A record naming thousands
      // is malformed or hostile: judge the first few, read them in one call, report the rest.
      const ids = trigger.resourceIds.slice(0, MAX_ENDPOINTS_PER_EVENT);
      if (trigger.resourceIds.length > ids.length) {
        const message = `event ${trigger.eventId} names ${trigger.resourceIds.length} VPC endpoints; the first ${ids.length} were judged, the next sweep judges the others`;
        resources.push(
          await errorOutcome(
            {
              type: 'vpc-endpoint',
              id: `${trigger.resourceIds.length} endpoints`,
              account: ctx.account,
              region: ctx.region,
            },
            'event',
            message,
            deps,
            ctx,
          ),
        );
      }
      const known = await readEndpointsAtOnce(ec2, ids, deps);
      for (const id of ids) resources.push(await guardEndpoint(ec2, id, ctx, deps, known.get(id)));
    }
  }
  // The ledger keeps the finding alerts of transitions only; it is consulted when a finding is open
  // or was remediated (a compliant event resolves nothing: the next sweep does).
  const alerts =
    deps.findings && resources.some(hasOpenFinding)
      ? await (await loadFindingsGate()).gateEvent(resources, deps, ctx.account, ctx.region)
      : resources.flatMap((r) => r.alerts);
  const { published, failed } = await publishAlerts(alerts, deps);
  return {
    eventId: trigger.eventId,
    kind: 'processed',
    resources,
    alertsPublished: published,
    alertsFailed: failed,
  };
}

/**
 * Process one raw EventBridge event for a handler of `family`: parse it (never throws), ignore what
 * is not ours, report what cannot be understood (logged with its id and alerted, never retried
 * forever), and guard the rest.
 */
export async function processEvent(
  event: unknown,
  family: Trigger['family'],
  deps: PipelineDeps,
): Promise<EventOutcome> {
  const parsed: TriggerResult = parseTrigger(event);
  if (parsed.kind === 'ignored') {
    deps.log.debug('event ignored', { eventId: parsed.eventId, code: parsed.code, reason: parsed.reason });
    deps.metrics.count('EventsIgnored');
    return {
      ...(parsed.eventId ? { eventId: parsed.eventId } : {}),
      kind: 'ignored',
      reason: parsed.reason,
      resources: [],
      alertsPublished: 0,
      alertsFailed: 0,
    };
  }
  if (parsed.kind === 'invalid') {
    const message = `event ${parsed.eventId ?? '(no eventID)'} cannot be understood: ${parsed.issues
      .map((i) => `${i.path}: ${i.message}`)
      .join('; ')}`;
    deps.log.error(message, { eventId: parsed.eventId, issues: parsed.issues });
    deps.metrics.count('EventsInvalid');
    const { errorAlert } = await loadAlerts();
    const alert = errorAlert({ stage: 'event', message, time: (deps.now ?? (() => new Date()))() });
    const { published, failed } = await publishAlerts([alert], deps);
    return {
      ...(parsed.eventId ? { eventId: parsed.eventId } : {}),
      kind: 'invalid',
      reason: message,
      resources: [],
      alertsPublished: published,
      alertsFailed: failed,
    };
  }
  const { trigger } = parsed;
  if (TAGGING_EVENTS.includes(trigger.eventName) && !setsExemption(trigger, deps.config)) {
    deps.metrics.count('EventsIgnored');
    return {
      eventId: trigger.eventId,
      kind: 'ignored',
      reason: `${trigger.eventName} does not set the exemption tag ${deps.config.exemptionTagKey}`,
      resources: [],
      alertsPublished: 0,
      alertsFailed: 0,
    };
  }
  if (trigger.family !== family) {
    // The EventBridge rules route each family to its own function; a stray event is a wiring error.
    deps.log.warn('event for the other handler ignored', {
      eventId: trigger.eventId,
      eventName: trigger.eventName,
    });
    deps.metrics.count('EventsIgnored');
    return {
      eventId: trigger.eventId,
      kind: 'ignored',
      reason: `${trigger.eventName} is not a ${family} event`,
      resources: [],
      alertsPublished: 0,
      alertsFailed: 0,
    };
  }
  return processTrigger(trigger, deps);
}
