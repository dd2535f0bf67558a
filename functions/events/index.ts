export { classifyKeyRef } from './key-claims.js';
export { parseTrigger, TRIGGER_EVENTS } from './triggers.js';
export type { Trigger, TriggerResult } from './types.js';
