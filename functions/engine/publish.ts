import { AlertDeliveryError } from '../errors.js';
import type { AlertEntry } from './alert-types.js';
import type { PipelineDeps } from './deps.js';

/**
 * Publish alerts in PublishBatch calls. What SNS does not take after its retries is counted
 * (`AlertsFailed`, which an alarm watches), logged in full, and handed to `keepUndelivered` (a
 * queue): an alert is lost only if both fail, and then `AlertDeliveryError` is thrown so the
 * invocation fails visibly (Lambda's retry and error alarm) instead of returning success.
 */
export async function publishAlerts(
  alerts: AlertEntry[],
  deps: PipelineDeps,
): Promise<{ published: number; failed: number; kept: number }> {
  if (alerts.length === 0) return { published: 0, failed: 0, kept: 0 };
  let undelivered: AlertEntry[];
  let reason: string;
  try {
    const { failed, errors, failedIds } = await deps.notify(alerts);
    if (failed === 0) {
      deps.metrics.count('AlertsPublished', alerts.length);
      return { published: alerts.length, failed: 0, kept: 0 };
    }
    // Without ids, every entry counts as undelivered: a duplicate beats a lost alert.
    const ids = failedIds ? new Set(failedIds) : undefined;
    undelivered = ids ? alerts.filter((a) => ids.has(a.Id)) : alerts;
    reason = errors.join('; ') || `${failed} alerts refused`;
  } catch (err) {
    undelivered = alerts;
    reason = err instanceof Error ? err.message : String(err);
  }
  const published = alerts.length - undelivered.length;
  if (published > 0) deps.metrics.count('AlertsPublished', published);
  deps.metrics.count('AlertsFailed', undelivered.length);
  deps.log.error('alerts could not be published', {
    failed: undelivered.length,
    reason,
    alerts: undelivered.map((a) => ({ id: a.Id, subject: a.Subject, attributes: a.MessageAttributes })),
  });
  if (!deps.keepUndelivered) return { published, failed: undelivered.length, kept: 0 };
  try {
    await deps.keepUndelivered(undelivered, reason);
    deps.log.warn('undelivered alerts kept in the undelivered-alerts queue', { count: undelivered.length });
    return { published, failed: undelivered.length, kept: undelivered.length };
  } catch (err) {
    throw new AlertDeliveryError(undelivered.length, `${reason}; keeping them failed too: ${String(err)}`, {
      cause: err,
    });
  }
}
