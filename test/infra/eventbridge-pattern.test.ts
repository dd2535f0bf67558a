/**
 * The in-repo EventBridge pattern matcher against the behaviour the EventBridge documentation
 * describes for each operator, then the guard's two rules (infra/event-patterns.json) against every
 * record of the corpus: they match exactly the successful calls the handlers act on.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTrigger } from '../../functions/events/triggers.js';
import { type EventPattern, InvalidPatternError, matchesPattern } from '../../infra/eventbridge-pattern.js';
import { corpusAvailable, listCorpus, readCorpusJson } from '../corpus.js';

const m = (pattern: unknown, event: unknown) => matchesPattern(pattern as EventPattern, event);

describe('EventBridge pattern syntax (documented behaviour)', () => {
  it('exact values: any listed value matches; fields are ANDed; nesting follows the event', () => {
    const p = { source: ['aws.ec2', 'aws.kms'], detail: { state: ['running'] } };
    expect(m(p, { source: 'aws.kms', detail: { state: 'running' } })).toBe(true);
    expect(m(p, { source: 'aws.s3', detail: { state: 'running' } })).toBe(false);
    expect(m(p, { source: 'aws.kms', detail: { state: 'stopped' } })).toBe(false);
    expect(m(p, { source: 'aws.kms' })).toBe(false);
  });
  it('numbers, null and booleans match by value and type', () => {
    expect(m({ a: [300] }, { a: 300 })).toBe(true);
    expect(m({ a: [300] }, { a: '300' })).toBe(false);
    expect(m({ a: [null] }, { a: null })).toBe(true);
    expect(m({ a: [true] }, { a: true })).toBe(true);
    expect(m({ a: [''] }, { a: '' })).toBe(true);
  });
  it('an event array matches when any element matches', () => {
    expect(m({ resources: ['arn:a'] }, { resources: ['arn:b', 'arn:a'] })).toBe(true);
    expect(m({ resources: ['arn:c'] }, { resources: ['arn:b', 'arn:a'] })).toBe(false);
  });
  it('prefix and suffix, also ignoring case', () => {
    expect(m({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(m({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-03T18:43:48Z' })).toBe(false);
    expect(m({ service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] }, { service: 'eventbridge' })).toBe(
      true,
    );
    expect(m({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' })).toBe(true);
    expect(m({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' })).toBe(false);
    expect(m({ FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] }, { FileName: 'image.PNG' })).toBe(
      true,
    );
  });
  it('anything-but: a value, a list, a prefix, a suffix, ignoring case, a wildcard', () => {
    expect(m({ state: [{ 'anything-but': 'initializing' }] }, { state: 'running' })).toBe(true);
    expect(m({ state: [{ 'anything-but': 'initializing' }] }, { state: 'initializing' })).toBe(false);
    expect(m({ x: [{ 'anything-but': 123 }] }, { x: 456 })).toBe(true);
    expect(m({ state: [{ 'anything-but': ['stopped', 'overloaded'] }] }, { state: 'stopped' })).toBe(false);
    expect(m({ Region: [{ 'anything-but': { prefix: 'us-' } }] }, { Region: 'eu-west-1' })).toBe(true);
    expect(m({ Region: [{ 'anything-but': { prefix: 'us-' } }] }, { Region: 'us-east-1' })).toBe(false);
    expect(m({ FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.txt' })).toBe(true);
    expect(
      m({ state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] }, { state: 'INITIALIZING' }),
    ).toBe(false);
    expect(m({ FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { FilePath: '/usr/lib/x' })).toBe(
      false,
    );
    expect(m({ FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { FilePath: '/usr/bin/x' })).toBe(
      true,
    );
  });
  it('numeric ranges', () => {
    const p = { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] };
    expect(m(p, { 'c-count': 5 })).toBe(true);
    expect(m(p, { 'c-count': 0 })).toBe(false);
    expect(m(p, { 'c-count': '3' })).toBe(false);
    expect(m({ n: [{ numeric: ['=', 3.0e2] }] }, { n: 300 })).toBe(true);
  });
  it('exists: true and false, on leaves', () => {
    expect(m({ detail: { 'c-count': [{ exists: true }] } }, { detail: { 'c-count': 3 } })).toBe(true);
    expect(m({ detail: { 'c-count': [{ exists: false }] } }, { detail: { 'c-count': 3 } })).toBe(false);
    expect(m({ detail: { 'c-count': [{ exists: false }] } }, { detail: {} })).toBe(true);
    expect(m({ detail: { 'c-count': [{ exists: false }] } }, {})).toBe(true);
  });
  it('equals-ignore-case, wildcard and cidr', () => {
    expect(m({ name: [{ 'equals-ignore-case': 'alice' }] }, { name: 'ALICE' })).toBe(true);
    expect(
      m(
        { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
        { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' },
      ),
    ).toBe(true);
    expect(m({ f: [{ wildcard: 'a\\*b' }] }, { f: 'a*b' })).toBe(true);
    expect(m({ f: [{ wildcard: 'a\\*b' }] }, { f: 'axb' })).toBe(false);
    expect(m({ 'source-ip': [{ cidr: '10.0.0.0/24' }] }, { 'source-ip': '10.0.0.255' })).toBe(true);
    expect(m({ 'source-ip': [{ cidr: '10.0.0.0/24' }] }, { 'source-ip': '10.0.1.0' })).toBe(false);
  });
  it('$or: any alternative, ANDed with the other fields', () => {
    const p = {
      source: ['aws.ec2'],
      $or: [{ 'c-count': [{ numeric: ['>', 0] }] }, { 'd-count': [{ numeric: ['<', 10] }] }],
    };
    expect(m(p, { source: 'aws.ec2', 'd-count': 5 })).toBe(true);
    expect(m(p, { source: 'aws.ec2', 'c-count': 0, 'd-count': 50 })).toBe(false);
    expect(m(p, { source: 'aws.kms', 'c-count': 1 })).toBe(false);
  });
  it('rejects what EventBridge rejects', () => {
    for (const bad of [
      { a: [] },
      { a: 'x' },
      { a: [{ nope: 1 }] },
      { a: [{ numeric: ['~', 1] }] },
      { $or: [{ a: ['x'] }] },
    ]) {
      expect(() => m(bad, { a: 'x' }), JSON.stringify(bad)).toThrow(InvalidPatternError);
    }
  });
});

const patterns = JSON.parse(
  readFileSync(new URL('../../infra/event-patterns.json', import.meta.url), 'utf8'),
) as Record<'endpointEvents' | 'keyEvents', EventPattern>;

/** Corpus records as EventBridge delivers them: bare CloudTrail records get the envelope. */
function asEnvelope(record: Record<string, unknown>): Record<string, unknown> {
  if ('detail' in record) return record;
  const service = String(record.eventSource ?? '').split('.')[0];
  return {
    version: '0',
    id: 'env',
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${service}`,
    account: String(record.recipientAccountId ?? '111122223333'),
    time: String(record.eventTime ?? ''),
    region: String(record.awsRegion ?? 'us-east-1'),
    resources: [],
    detail: record,
  };
}

describe.skipIf(!corpusAvailable())('the guard’s EventBridge rules against every corpus record', () => {
  const files = [
    ...listCorpus('events'),
    ...listCorpus('events/synthesized').filter((f) => /ModifyVpcEndpoint|PutKeyPolicy/.test(f)),
  ];
  it.each(files)('%s', (file) => {
    const event = asEnvelope(readCorpusJson<Record<string, unknown>>(file));
    const parsed = parseTrigger(event);
    const family = parsed.kind === 'trigger' ? parsed.trigger.family : undefined;
    // A rule must deliver exactly the successful trigger calls of its family, nothing else.
    expect(matchesPattern(patterns.endpointEvents, event)).toBe(family === 'endpoint');
    expect(matchesPattern(patterns.keyEvents, event)).toBe(family === 'key');
  });

  it('the corpus has matching and non-matching records for both rules', () => {
    const events = files.map((f) => asEnvelope(readCorpusJson<Record<string, unknown>>(f)));
    for (const p of [patterns.endpointEvents, patterns.keyEvents]) {
      expect(events.some((e) => matchesPattern(p, e))).toBe(true);
      expect(events.some((e) => !matchesPattern(p, e))).toBe(true);
    }
  });
});
