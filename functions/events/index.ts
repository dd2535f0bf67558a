export {
  accountIdSchema,
  CLOUDTRAIL_DETAIL_TYPE,
  type CloudTrailEnvelope,
  type CloudTrailRecord,
  cloudTrailRecordSchema,
  eventBridgeEnvelopeSchema,
  normalizeAccountId,
  regionSchema,
  userIdentitySchema,
} from './envelope.js';
export {
  classifyKeyRef,
  parseTrigger,
  TRIGGER_EVENT_NAMES,
  TRIGGER_EVENTS,
  type TriggerEventSpec,
} from './triggers.js';
export type {
  EndpointEventName,
  EndpointTrigger,
  IgnoredCode,
  Issue,
  KeyEventName,
  KeyRef,
  KeyRefKind,
  KeyTrigger,
  Trigger,
  TriggerEventName,
  TriggerFamily,
  TriggerResult,
} from './types.js';
