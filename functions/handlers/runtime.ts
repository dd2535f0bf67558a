/**
 * What every guard Lambda shares: configuration validated at cold start, Powertools logger and
 * metrics, SNS and STS adapters, and the pipeline's dependencies. Module scope on purpose: built once
 * per container and reused by every invocation.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { createCallCounter, type RecordingCallCounter } from '../adapters/counter.js';
import { loadConfigFromEnv } from '../config/load.js';
import type { GuardConfig } from '../config/schema.js';
import type { AlertEntry } from '../engine/alert-types.js';
import type { GuardLog, GuardMetrics, KeepUndelivered, Notify, PipelineDeps } from '../engine/pipeline.js';
import type { SnsPort, StsPort } from '../engine/ports.js';
import { ConfigError } from '../errors.js';
import { findingsLedger } from './findings-runtime.js';

const SERVICE_NAME = 'kms-perimeter-guard';
const METRICS_NAMESPACE = 'KmsPerimeterGuard';

export interface Runtime {
  config: GuardConfig;
  logger: Logger;
  metrics: Metrics;
  topicArn: string;
  /** Endpoint override (GUARD_AWS_ENDPOINT_URL) for every client. */
  endpoint?: string;
  /** Set from each invocation's context: the account and region the function runs in. */
  bind(context: Pick<Context, 'invokedFunctionArn'>): void;
  ownAccount(): string;
  region: string;
  /** Loaded on first use: only events from other accounts need STS. */
  sts: StsPort;
  /** AWS calls made by this container (sweep reports read and reset it per account-region). */
  counter: RecordingCallCounter;
  deps(ports: PipelineDeps['ports']): PipelineDeps;
}

export interface RuntimeOptions {
  /**
   * The logger's JMESPath search, for handlers whose middleware finds the correlation id in the
   * event (`correlationIdPath`); only they carry it in their bundle.
   */
  correlationIdSearchFn?: (expression: string, data: unknown) => unknown;
}

const ARN_ACCOUNT = /^arn:aws[\w-]*:lambda:[\w-]+:(\d{12}):function:/;

/**
 * Build the runtime from the environment. Throws (failing the cold start, so the deployment is
 * visibly broken rather than silently judging against a wrong trust boundary) when the
 * configuration or ALERT_TOPIC_ARN is missing or invalid; the message names the field.
 */
export function createRuntime(
  env: Record<string, string | undefined> = process.env,
  options: RuntimeOptions = {},
): Runtime {
  const config = loadConfigFromEnv(env);
  const topicArn = env.ALERT_TOPIC_ARN;
  if (!topicArn || !/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+(\.fifo)?$/.test(topicArn)) {
    throw new ConfigError('environment', [
      {
        path: 'ALERT_TOPIC_ARN',
        message: `must be an SNS topic ARN, got ${JSON.stringify(topicArn ?? null)}`,
      },
    ]);
  }
  const region = env.AWS_REGION ?? topicArn.split(':')[3] ?? 'us-east-1';
  const endpoint = env.GUARD_AWS_ENDPOINT_URL;
  const logger = new Logger({
    serviceName: SERVICE_NAME,
    ...(options.correlationIdSearchFn ? { correlationIdSearchFn: options.correlationIdSearchFn } : {}),
  });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  let ownAccount: string | undefined = env.GUARD_OWN_ACCOUNT;
  const counter = createCallCounter();
  const clientOptions = { region, ...(endpoint ? { endpoint } : {}) };
  // SNS and STS are loaded on first use (dynamic imports become separate chunks in the Lambda
  // bundle): a compliant event from the function's own account, the common case, needs neither,
  // so the cold start does not parse them.
  let snsPort: Promise<SnsPort> | undefined;
  const sns = () =>
    (snsPort ??= Promise.all([import('../adapters/sns-client.js'), import('../adapters/sns.js')]).then(
      ([client, adapter]) => adapter.createSnsAdapter(client.createSnsClient(clientOptions), { counter }),
    ));
  let stsPort: Promise<StsPort> | undefined;
  const loadSts = () =>
    (stsPort ??= Promise.all([import('../adapters/sts-client.js'), import('../adapters/sts.js')]).then(
      ([client, adapter]) => adapter.createStsAdapter(client.createStsClient(clientOptions), { counter }),
    ));
  const sts: StsPort = {
    credentialsForAccount: async (account, roleName, options) =>
      (await loadSts()).credentialsForAccount(account, roleName, options),
  };

  const log: GuardLog = {
    debug: (m, e) => logger.debug(m, e ?? {}),
    info: (m, e) => logger.info(m, e ?? {}),
    warn: (m, e) => logger.warn(m, e ?? {}),
    error: (m, e) => logger.error(m, e ?? {}),
  };
  const guardMetrics: GuardMetrics = {
    count(name, value = 1, rule) {
      if (value === 0) return;
      // Always the service-wide total (what the alarms watch: a CloudWatch alarm matches one exact
      // dimension set), and per rule as well when the metric has one.
      metrics.addMetric(name, MetricUnit.Count, value);
      if (rule === undefined) return;
      const single = metrics.singleMetric();
      single.addDimension('rule', rule);
      single.addMetric(name, MetricUnit.Count, value);
    },
  };
  const notify: Notify = async (entries: AlertEntry[]) => {
    const results = await (await sns()).publishBatch(topicArn, entries);
    const failures = results.filter((r) => !r.ok);
    return {
      failed: failures.length,
      errors: failures.map((f) => (f.ok ? '' : `${f.id}: ${f.code}: ${f.message}`)),
      failedIds: failures.map((f) => f.id),
    };
  };
  // Alerts SNS would not take go to the undelivered-alerts queue (alarmed), one message each.
  const undeliveredQueue = env.UNDELIVERED_ALERTS_QUEUE_URL;
  let sqs: Promise<{ send: (bodies: { id: string; body: string }[]) => Promise<number> }> | undefined;
  const keepUndelivered: KeepUndelivered | undefined = undeliveredQueue
    ? async (entries, reason) => {
        sqs ??= Promise.all([import('../adapters/sqs-client.js'), import('../adapters/queue.js')]).then(
          ([client, queue]) => {
            const c = client.createSqsClient(clientOptions);
            return { send: (bodies) => queue.sendMessages(c, undeliveredQueue, bodies, { counter }) };
          },
        );
        const time = new Date().toISOString();
        await (await sqs).send(
          entries.map((e, i) => ({
            id: `a${i}`,
            body: JSON.stringify({ kind: 'undelivered-alert', topicArn, reason, time, alert: e }),
          })),
        );
      }
    : undefined;

  const findings = findingsLedger(env.FINDINGS_TABLE, {
    config,
    clientOptions,
    counter,
    ownAccount: () => ownAccount,
    member: () => ({
      ownAccount: () => runtime.ownAccount(),
      roleName: config.memberRoleName,
      sessionName: sessionName(env.AWS_LAMBDA_FUNCTION_NAME),
      sts,
      ...(endpoint ? { endpoint } : {}),
    }),
  });

  const runtime: Runtime = {
    config,
    logger,
    metrics,
    topicArn,
    region,
    sts,
    counter,
    ...(endpoint ? { endpoint } : {}),
    bind(context) {
      const match = ARN_ACCOUNT.exec(context.invokedFunctionArn ?? '');
      if (match?.[1]) ownAccount = match[1];
    },
    ownAccount() {
      if (!ownAccount) throw new Error('own account unknown: no invoked function ARN yet');
      return ownAccount;
    },
    deps(ports) {
      return {
        config,
        ports,
        notify,
        log,
        metrics: guardMetrics,
        ...(keepUndelivered ? { keepUndelivered } : {}),
        ...(findings ? { findings } : {}),
      };
    },
  };
  return runtime;
}

/** RoleSessionName for member-account sessions: names the function so CloudTrail shows who acted. */
function sessionName(functionName: string | undefined): string {
  return `kms-perimeter-guard-${functionName ?? 'local'}`.slice(0, 64);
}

/** How the handlers reach member accounts: the configured role, a session named after the function. */
export function memberPortOptions(runtime: Runtime) {
  return {
    ownAccount: () => runtime.ownAccount(),
    roleName: runtime.config.memberRoleName,
    sessionName: sessionName(process.env.AWS_LAMBDA_FUNCTION_NAME),
    sts: runtime.sts,
    ...(runtime.endpoint ? { endpoint: runtime.endpoint } : {}),
  };
}
