import type { EventOutcome } from '../engine/pipeline.js';

function protectedBy(r: EventOutcome['resources'][number]) {
  const found = (r.verdict?.results ?? []).flatMap((x) =>
    (x.protectedBy ?? []).map((p) => ({ rule: x.rule, policy: p.policy })),
  );
  return found.length > 0 ? { protectedBy: found } : {};
}

/** What a handler returns and logs: small, without policies or alert bodies. */
export function summarizeOutcome(outcome: EventOutcome) {
  return {
    eventId: outcome.eventId,
    kind: outcome.kind,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    resources: outcome.resources.map((r) => ({
      type: r.type,
      id: r.id,
      status: r.status,
      // A cross-region endpoint reaches KMS in another region than its own.
      ...(r.verdict?.resource.type === 'vpc-endpoint' && r.verdict.resource.serviceRegion
        ? { serviceRegion: r.verdict.resource.serviceRegion }
        : {}),
      ...(r.reason ? { reason: r.reason } : {}),
      writes: r.writes,
      rules: Object.fromEntries(r.rules.map((x) => [x.rule, x.status])),
      // Compliant only because an RCP denies what the policy alone allows: say which RCP.
      ...protectedBy(r),
    })),
    alertsPublished: outcome.alertsPublished,
    alertsFailed: outcome.alertsFailed,
  };
}
