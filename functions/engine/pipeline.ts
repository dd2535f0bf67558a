/**
 * The one pipeline behind events, sweeps and the CLI's live commands:
 * resolve ids → read state → judge → plan → prove the plan safe → apply or report → notify.
 *
 * Pure orchestration over ports (engine/ports.ts): no `@aws-sdk` import here, so every path,
 * races and failures included, is tested with in-memory ports or client mocks. This module is the
 * engine's front door; the parts live in deps.ts (types), guard.ts (the loop), kinds/ (keys and
 * endpoints), outcomes.ts, notices.ts, publish.ts and events.ts.
 */
export * from './deps.js';
export { type EventOutcome, processEvent, processTrigger } from './events.js';
export { guardEndpoint, guardKey, REPLAY_JITTER_MS } from './guard.js';
export { publishAlerts } from './publish.js';
