/**
 * EventBridge events per transition: source, detail type, resources and time as users' rules match
 * them; a detail that validates against the published schema (schema/finding-event.v1.schema.json);
 * the whole entry under EventBridge's 256 KB, the witness clipped (and said so) when it would not fit.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  EVENT_MAX_ENTRY_BYTES,
  eventEntryBytes,
  type TransitionEventDetail,
  transitionEvent,
} from '../../functions/findings/transition-event.js';
import type { Witness } from '../../functions/policy/types.js';
import { type EventPattern, matchesPattern } from '../../infra/eventbridge-pattern.js';
import { ACCOUNT, id, KEY, openFinding, steps, T1, WITNESS } from './transitions.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validDetail = ajv.compile(JSON.parse(readFileSync('schema/finding-event.v1.schema.json', 'utf8')));
const detailOf = (e: { Detail: string }) => JSON.parse(e.Detail) as TransitionEventDetail;
const GUARD = '999988887777';

describe('transitionEvent', () => {
  const s = steps();

  it('every transition, with and without its open finding, gives a detail the schema accepts', () => {
    for (const [t, st] of Object.entries(s)) {
      for (const f of [openFinding(), undefined]) {
        const detail = detailOf(transitionEvent(st, f, GUARD));
        expect(validDetail(detail), `${t}: ${JSON.stringify(validDetail.errors)}`).toBe(true);
        expect(detail).toMatchObject({ transition: t, state: st.next.state, findingId: id });
      }
    }
  });

  it('an entry users route by source and detail type, about the resource, at the transition time', () => {
    const e = transitionEvent(s.changed, openFinding(), GUARD);
    const arn = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY}`;
    expect(e).toMatchObject({
      findingId: id,
      Source: 'kms-perimeter-guard',
      DetailType: 'KMS Perimeter Guard Finding',
      Resources: [arn],
      Time: T1,
    });
    expect(detailOf(e)).toEqual({
      schemaVersion: 1,
      findingId: id,
      transition: 'changed',
      state: 'open',
      rule: 'key-no-external-principals',
      title: 'Key policies admit no external principal',
      severity: 'high',
      description: `kms-key ${KEY}: arn:aws:iam::444455556666:root may call kms:Decrypt`,
      resource: { type: 'kms-key', id: KEY, arn, account: ACCOUNT, region: 'eu-west-1', partition: 'aws' },
      firstSeen: s.changed.next.firstSeen,
      lastSeen: T1,
      proof: 'witness',
      witness: WITNESS,
      guardAccount: GUARD,
    });
  });

  it('resolved without a finding: described from the record, no witness, no guard account unless given', () => {
    const d = detailOf(transitionEvent(s.resolved, undefined));
    expect(d.witness).toBeUndefined();
    expect(d.guardAccount).toBeUndefined();
    expect(d.description).toContain(`resolved at ${T1}`);
    expect(d.resource).toMatchObject({ type: 'kms-key', id: KEY });
  });

  it('counts bytes as EventBridge does: 14 for Time, UTF-8 of Source, DetailType, Detail, Resources', () => {
    const e = { Source: 'é', DetailType: 'ab', Detail: '{"x":"€"}', Resources: ['r1', 'r2'] };
    expect(eventEntryBytes(e)).toBe(14 + 2 + 2 + 11 + 4);
  });

  it('a witness too large for one entry is clipped, still valid, and the detail says so', () => {
    const huge: Witness = {
      ...WITNESS,
      context: Object.fromEntries(
        Array.from({ length: 200 }, (_, i) => [`aws:PrincipalTag/k${i}`, 'v'.repeat(2000)]),
      ),
    };
    const e = transitionEvent(s.new, openFinding(huge), GUARD);
    expect(eventEntryBytes(e)).toBeLessThanOrEqual(EVENT_MAX_ENTRY_BYTES);
    const d = detailOf(e);
    expect(d.witnessClipped).toBe(true);
    expect(Object.keys(d.witness?.context ?? {})).toHaveLength(200);
    expect(d.witness?.context['aws:PrincipalTag/k0']).toMatch(/^v+…$/);
    expect(validDetail(d), JSON.stringify(validDetail.errors)).toBe(true);
    // A small witness is never touched.
    expect(detailOf(transitionEvent(s.new, openFinding(), GUARD)).witnessClipped).toBeUndefined();
  });

  it('a witness that does not fit even clipped is left out, and the detail says so', () => {
    const keys: Witness = {
      ...WITNESS,
      context: Object.fromEntries(
        Array.from({ length: 20_000 }, (_, i) => [`aws:PrincipalTag/key${i}`, 'v']),
      ),
    };
    const e = transitionEvent(s.new, openFinding(keys));
    expect(eventEntryBytes(e)).toBeLessThanOrEqual(EVENT_MAX_ENTRY_BYTES);
    const d = detailOf(e);
    expect(d.witness).toBeUndefined();
    expect(d.witnessClipped).toBe(true);
    expect(validDetail(d), JSON.stringify(validDetail.errors)).toBe(true);
  });

  it('the description is clipped to 4096 characters', () => {
    const d = detailOf(transitionEvent(s.new, { ...openFinding(), description: 'd'.repeat(10_000) }));
    expect([...d.description]).toHaveLength(4096);
    expect(validDetail(d), JSON.stringify(validDetail.errors)).toBe(true);
  });
});

describe('the README’s example rule', () => {
  // The event EventBridge delivers for an entry: its fields under their event names.
  const delivered = (e: ReturnType<typeof transitionEvent>) => ({
    version: '0',
    source: e.Source,
    'detail-type': e.DetailType,
    account: GUARD,
    region: 'eu-west-1',
    time: e.Time,
    resources: e.Resources,
    detail: JSON.parse(e.Detail),
  });
  const pattern = JSON.parse(
    /--event-pattern '([^']+)'/.exec(readFileSync('README.md', 'utf8'))?.[1] ?? 'null',
  ) as EventPattern;

  it('routes new and reopened high findings, and nothing else', () => {
    const s = steps();
    const routed = Object.entries(s)
      .filter(([, st]) => matchesPattern(pattern, delivered(transitionEvent(st, openFinding(), GUARD))))
      .map(([t]) => t);
    expect(routed).toEqual(['new', 'reopened']);
    const medium = { ...openFinding(), severity: 'medium' as const };
    expect(matchesPattern(pattern, delivered(transitionEvent(s.new, medium, GUARD)))).toBe(false);
  });
});
