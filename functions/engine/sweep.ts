/**
 * Scheduled sweeps: judge every KMS interface endpoint and every key of one account-region with
 * the same pipeline as the events (`guardEndpoint`, `guardKey`), so rules, modes, remediation and
 * alerts are identical. One resource that cannot be read becomes an `unreadable` result and the
 * sweep goes on; a retryable error still failing after the adapters' budget is tried again later in
 * the run, then reported, never dropped.
 */

import { AwsCallError, RoleAssumptionError } from '../errors.js';
import { isKmsServiceName } from '../rules/applicability.js';
import type { AlertEntry } from './alert-types.js';
import {
  guardEndpoint,
  guardKey,
  type PipelineDeps,
  type ResourceContext,
  type ResourceOutcome,
} from './pipeline.js';
import type { Ec2Port, KeyListEntry, KmsPort } from './ports.js';
import { forEachBounded } from './rate-limit.js';
import {
  type ReportResource,
  type ScopeResult,
  type ScopeSweep,
  toReportResource,
  unreadable,
} from './sweep-report.js';

export interface SweepProgress {
  account: string;
  region: string;
  judged: number;
  total: number;
}

export interface SweepOptions {
  /** Resources judged at once (bounded pool). */
  concurrency: number;
  /** Called after each resource (CLI progress). */
  onProgress?: (p: SweepProgress) => void;
  /** Passes over the resources that still failed with a retryable error (default 2). */
  retryPasses?: number;
  /** Wait before a retry pass (ms; default 2000, doubled each pass). */
  retryDelayMs?: number;
  /**
   * Publish each resource's alerts as soon as it is settled (the worker) instead of collecting
   * them: a worker that dies later has already reported every change it made, and memory does not
   * grow with findings.
   */
  publish?: (alerts: AlertEntry[]) => Promise<unknown>;
  /**
   * Called with every settled outcome (the findings ledger, engine/findings-gate.ts): returns the
   * alerts to publish or collect in place of the outcome's own.
   */
  gate?: (outcome: ResourceOutcome) => Promise<AlertEntry[]>;
  /**
   * Called with each resource as it settles instead of keeping it in the result (the CLI writes its
   * report as it goes): `resources` is then empty, and memory does not grow with resources.
   */
  onResource?: (r: ReportResource) => void;
  /**
   * Checked before each resource is started: true stops the sweep (a Lambda near its timeout must
   * not begin a write it may not live to report). Resources not started are reported as not judged.
   */
  shouldStop?: () => boolean;
}

const describeError = (err: unknown) =>
  err instanceof AwsCallError
    ? `${err.code}: ${err.message}`
    : err instanceof Error
      ? err.message
      : String(err);

/** A listed resource to judge; an endpoint carries what the listing said about it. */
type SweepItem =
  | { type: 'vpc-endpoint'; id: string; known?: Parameters<typeof guardEndpoint>[4] }
  | { type: 'kms-key'; id: string; known?: KeyListEntry };

interface ScopePorts {
  kms: KmsPort | undefined;
  ec2: Ec2Port | undefined;
}

const sleeper = (deps: PipelineDeps) =>
  deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

/**
 * Sweep one account-region. Never throws for AWS errors: a scope that cannot be swept at all is
 * reported in `scope.error`, every resource that was listed is in `resources`.
 */
export async function sweepAccountRegion(
  account: string,
  region: string,
  deps: PipelineDeps,
  options: SweepOptions,
): Promise<ScopeSweep> {
  const started = Date.now();
  const ctx: ResourceContext = { account, region };
  const scope: ScopeResult = {
    account,
    region,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    keys: { listed: 0, awsManaged: 0 },
    endpoints: { listed: 0 },
  };
  const resources: ReportResource[] = [];
  const alerts: AlertEntry[] = [];
  const finish = (): ScopeSweep => {
    scope.durationMs = Date.now() - started;
    return { scope, resources, alerts };
  };

  const ports = await openPorts(ctx, deps, scope);
  if (!ports) return finish();

  // 1. List (ids only: 10,000 keys are a few hundred KB), so progress has a total.
  const items = await listScope(ports, scope, deps, options);

  // 2. Judge with a bounded pool; retryable failures are set aside and tried again later.
  let judged = 0;
  const total = items.length;
  const done = async (r: ReportResource, outcome?: ResourceOutcome) => {
    if (options.onResource) options.onResource(r);
    else resources.push(r);
    const kept = outcome && options.gate ? await options.gate(outcome) : (outcome?.alerts ?? []);
    if (kept.length > 0) {
      if (options.publish) await options.publish(kept);
      else alerts.push(...kept);
    }
    if (r.status === 'skipped' && r.reason === 'AWS-managed key') scope.keys.awsManaged++;
    judged++;
    options.onProgress?.({ account, region, judged, total });
  };
  const judgeOne = async (item: SweepItem): Promise<ResourceOutcome> =>
    item.type === 'kms-key'
      ? guardKey(ports.kms as KmsPort, item.id, ctx, deps, item.known)
      : guardEndpoint(ports.ec2 as Ec2Port, item.id, ctx, deps, item.known);

  const notStarted = await judgeInPasses(items, judgeOne, done, ctx, deps, options);
  if (notStarted > 0) {
    scope.notStarted = notStarted;
    scope.error = `the sweep stopped before its time ran out: ${notStarted} resources not judged`;
  }
  return finish();
}

/** The account-region's ports; undefined, with `scope.error` set, when it cannot be reached. */
async function openPorts(
  ctx: ResourceContext,
  deps: PipelineDeps,
  scope: ScopeResult,
): Promise<ScopePorts | undefined> {
  const { account, region } = ctx;
  let kms: KmsPort | undefined;
  let ec2: Ec2Port | undefined;
  try {
    if (deps.ports.kms) kms = await deps.ports.kms(account, region);
    if (deps.ports.ec2) ec2 = await deps.ports.ec2(account, region);
  } catch (err) {
    scope.error =
      err instanceof RoleAssumptionError
        ? err.message
        : `cannot reach ${account}/${region}: ${describeError(err)}`;
    deps.log.error('account-region not swept', { account, region, error: scope.error });
    return undefined;
  }
  return { kms, ec2 };
}

/** Every endpoint and key of the scope, ids only; sets the listed counts (and `scope.error`). */
async function listScope(
  ports: ScopePorts,
  scope: ScopeResult,
  deps: PipelineDeps,
  options: SweepOptions,
): Promise<SweepItem[]> {
  const { account, region } = scope;
  const { kms, ec2 } = ports;
  const items: SweepItem[] = [];
  const sleep = sleeper(deps);
  const passes = options.retryPasses ?? 2;
  let delay = options.retryDelayMs ?? 2_000;
  for (let attempt = 0; ; attempt++) {
    items.length = 0;
    try {
      if (ec2) {
        // KMS interface endpoints only, whichever region's KMS they reach: a cross-region endpoint's
        // service name carries the other region (com.amazonaws.us-west-2.kms in us-east-1), so a
        // service-name filter on the local region would drop it. List the interface endpoints and
        // keep the KMS ones (standard and FIPS) by name.
        // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpoints.html (filter vpc-endpoint-type)
        for await (const e of ec2.describeVpcEndpoints({ filters: { 'vpc-endpoint-type': ['Interface'] } })) {
          if (isKmsServiceName(e.serviceName)) items.push({ type: 'vpc-endpoint', id: e.id, known: e });
        }
      }
      scope.endpoints.listed = items.length;
      if (kms) {
        for await (const k of kms.listKeys()) items.push({ type: 'kms-key', id: k.keyId, known: k });
      }
      scope.keys.listed = items.length - scope.endpoints.listed;
      if (kms && scope.keys.listed > 0) await markAwsManaged(kms, items, scope, deps);
      break;
    } catch (err) {
      // A listing that fails with a retryable error is started again (the pages are not resumable
      // across a failed call); a permanent failure, or one that outlasts the passes, is reported
      // and whatever was listed is still judged.
      const retryable = err instanceof AwsCallError && err.retryable;
      if (retryable && attempt < passes) {
        await sleep(delay);
        delay *= 2;
        continue;
      }
      scope.endpoints.listed = items.filter((i) => i.type === 'vpc-endpoint').length;
      scope.keys.listed = items.length - scope.endpoints.listed;
      scope.error = `listing failed in ${account}/${region}: ${describeError(err)}`;
      deps.log.error('listing failed', { account, region, error: scope.error });
      break;
    }
  }
  return items;
}

/**
 * AWS creates an `alias/aws/<service>` alias for each AWS-managed key, and no one else may create
 * one (CreateAlias: "The alias/aws/ prefix is reserved for AWS managed keys"), so one paginated
 * ListAliases tells the listed AWS-managed keys apart: they are skipped without a DescribeKey each.
 * Nothing is written on this: a key that has a finding is read again with DescribeKey before it is
 * reported or remediated, whatever the aliases said. When ListAliases fails (denied, or throttled
 * past the adapters' retries) every key is read as before, and the scope says so.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
 */
async function markAwsManaged(
  kms: KmsPort,
  items: SweepItem[],
  scope: ScopeResult,
  deps: PipelineDeps,
): Promise<void> {
  const awsManaged = new Set<string>();
  try {
    for await (const a of kms.listAliases()) {
      if (a.targetKeyId && a.aliasName.startsWith(AWS_ALIAS_PREFIX)) awsManaged.add(a.targetKeyId);
    }
  } catch (err) {
    scope.keys.aliasesUnread = `ListAliases failed (${describeError(err)}): AWS-managed keys were told by DescribeKey, one call per key`;
    deps.log.warn('ListAliases failed; AWS-managed keys are told by DescribeKey', {
      account: scope.account,
      region: scope.region,
      error: describeError(err),
    });
    return;
  }
  for (const item of items) {
    if (item.type === 'kms-key' && item.known && awsManaged.has(item.known.keyId))
      item.known = { ...item.known, managedBy: 'AWS' };
  }
}

const AWS_ALIAS_PREFIX = 'alias/aws/';

/**
 * Judge the items with a bounded pool, in passes: the resources still failing with a retryable
 * error are tried again after a growing wait, then reported. Returns how many were not started.
 */
async function judgeInPasses(
  items: SweepItem[],
  judgeOne: (item: SweepItem) => Promise<ResourceOutcome>,
  done: (r: ReportResource, outcome?: ResourceOutcome) => Promise<void>,
  ctx: ResourceContext,
  deps: PipelineDeps,
  options: SweepOptions,
): Promise<number> {
  const { account, region } = ctx;
  const sleep = sleeper(deps);
  const passes = options.retryPasses ?? 2;
  let delay = options.retryDelayMs ?? 2_000;
  let pending = items;
  let notStarted = 0;
  for (let pass = 0; pending.length > 0; pass++) {
    const retry: { item: SweepItem; err: unknown }[] = [];
    await forEachBounded(pending, options.concurrency, async (item) => {
      if (options.shouldStop?.()) {
        notStarted++;
        await done(
          unreadable(item.type, item.id, ctx, 'not judged: the sweep stopped before its time ran out'),
        );
        return;
      }
      let outcome: ResourceOutcome;
      try {
        outcome = await judgeOne({ ...item, ...(pass > 0 ? { known: undefined } : {}) });
      } catch (err) {
        // Retryable AWS errors (still failing after the adapters' budget) escape the pipeline:
        // keep the resource for a later pass. Anything else is reported at once, never retried blind.
        if (err instanceof AwsCallError && err.retryable) retry.push({ item, err });
        else {
          deps.log.error('resource not judged', { account, region, id: item.id, error: describeError(err) });
          await done(unreadable(item.type, item.id, ctx, `not judged: ${describeError(err)}`));
        }
        return;
      }
      // Outside the try: an alert that cannot be delivered stops the sweep (AlertDeliveryError).
      await done(toReportResource(outcome), outcome);
    });
    if (retry.length === 0) break;
    if (pass >= passes) {
      for (const { item, err } of retry) {
        await done(
          unreadable(
            item.type,
            item.id,
            ctx,
            `still failing after ${pass + 1} passes: ${describeError(err)}`,
          ),
        );
      }
      break;
    }
    deps.log.warn('resources to retry after transient errors', {
      account,
      region,
      count: retry.length,
      pass,
    });
    await sleep(delay);
    delay *= 2;
    pending = retry.map((r) => r.item);
  }
  return notStarted;
}
