/** What the KMS event-fixture tests share: a recorded event, the guard's EventBridge patterns, an envelope. */
import { readFileSync } from 'node:fs';
import type { EventPattern } from '../../infra/eventbridge-pattern.js';

export type Json = Record<string, unknown>;

/** A fresh copy of test/fixtures/events/<name> (tests mutate it). */
export const fixtureRecord = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8')) as Json;

export const patterns = JSON.parse(
  readFileSync(new URL('../../infra/event-patterns.json', import.meta.url), 'utf8'),
) as Record<'endpointEvents' | 'keyEvents', EventPattern>;

/** The record as EventBridge delivers it ("AWS API Call via CloudTrail", source aws.kms). */
export const kmsEnvelope = (detail: Json, at: { account: string; region: string; time: string }) => ({
  version: '0',
  id: 'env',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.kms',
  ...at,
  resources: [],
  detail,
});
