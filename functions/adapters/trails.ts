/**
 * Does a CloudTrail trail log this region's write management events? EventBridge receives the
 * "AWS API Call via CloudTrail" events the guard reacts to only where one does
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html).
 */
import {
  type CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { type AdapterOptions, createCaller } from './call.js';

export interface TrailCoverage {
  region: string;
  /** Trails that log this region's write management events and are logging now. */
  covering: string[];
  /** Why the other trails seen do not count. */
  notCovering: { trail: string; reason: string }[];
}

interface Selectors {
  EventSelectors?: { IncludeManagementEvents?: boolean; ReadWriteType?: string }[];
  AdvancedEventSelectors?: {
    FieldSelectors?: { Field?: string; Equals?: string[]; NotEquals?: string[] }[];
  }[];
}

/** Basic selectors: management events with ReadWriteType All or WriteOnly. Advanced: a Management category selector not limited to reads. */
export function logsWriteManagementEvents(s: Selectors): boolean {
  if (s.AdvancedEventSelectors?.length) {
    return s.AdvancedEventSelectors.some((sel) => {
      const fields = sel.FieldSelectors ?? [];
      const category = fields.find((f) => f.Field === 'eventCategory');
      const readOnly = fields.find((f) => f.Field === 'readOnly');
      const management = category?.Equals?.includes('Management') === true;
      const writes =
        !readOnly ||
        readOnly.Equals?.includes('false') === true ||
        readOnly.NotEquals?.includes('true') === true;
      return management && writes;
    });
  }
  return (s.EventSelectors ?? [{ IncludeManagementEvents: true, ReadWriteType: 'All' }]).some(
    (e) => e.IncludeManagementEvents !== false && (e.ReadWriteType ?? 'All') !== 'ReadOnly',
  );
}

export async function trailCoverage(
  client: CloudTrailClient,
  region: string,
  options: AdapterOptions = {},
): Promise<TrailCoverage> {
  const call = createCaller('cloudtrail', options);
  // Shadow trails: multi-region and organization trails created elsewhere that apply here.
  const out = await call('DescribeTrails', region, () =>
    client.send(new DescribeTrailsCommand({ includeShadowTrails: true })),
  );
  const coverage: TrailCoverage = { region, covering: [], notCovering: [] };
  for (const trail of out.trailList ?? []) {
    const name = trail.TrailARN ?? trail.Name ?? 'unnamed';
    if (trail.HomeRegion !== region && !trail.IsMultiRegionTrail) {
      coverage.notCovering.push({ trail: name, reason: `single-region trail of ${trail.HomeRegion}` });
      continue;
    }
    const status = await call('GetTrailStatus', name, () =>
      client.send(new GetTrailStatusCommand({ Name: name })),
    );
    if (!status.IsLogging) {
      coverage.notCovering.push({ trail: name, reason: 'not logging' });
      continue;
    }
    const selectors: Selectors = await call('GetEventSelectors', name, () =>
      client.send(new GetEventSelectorsCommand({ TrailName: name })),
    );
    if (!logsWriteManagementEvents(selectors)) {
      coverage.notCovering.push({ trail: name, reason: 'does not log write management events' });
      continue;
    }
    coverage.covering.push(name);
  }
  return coverage;
}
