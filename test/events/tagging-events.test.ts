/**
 * New exemptions are alerted once, by the tagging event that sets them (safety issue, item 7):
 * KMS TagResource and EC2 CreateTags on VPC endpoints are triggers only when they set the
 * exemption tag; the notice says granted (rules, until, who) or ignored (and why).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processEvent } from '../../functions/engine/pipeline.js';
import { parseTrigger } from '../../functions/events/triggers.js';
import { type EventPattern, matchesPattern } from '../../infra/eventbridge-pattern.js';
import { alertDocument, harness, KEY_ARN, OWN, PARTNER, policyText, ROOT } from '../engine/fake-aws.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const patterns = JSON.parse(
  readFileSync(new URL('../../infra/event-patterns.json', import.meta.url), 'utf8'),
) as Record<'endpointEvents' | 'keyEvents', EventPattern>;

const envelope = (record: Record<string, unknown>) => ({
  version: '0',
  id: 'env',
  'detail-type': 'AWS API Call via CloudTrail',
  source: `aws.${String(record.eventSource).split('.')[0]}`,
  account: String(record.recipientAccountId),
  time: String(record.eventTime),
  region: String(record.awsRegion),
  resources: [],
  detail: record,
});

function tagResource(tags: { tagKey: string; tagValue: string }[]) {
  const record = fixture('kms-TagResource-awsdocs.json');
  const params = record.requestParameters as Record<string, unknown>;
  return {
    ...record,
    awsRegion: 'us-east-1',
    requestParameters: { ...params, keyId: KEY_ARN, tags },
    resources: [],
  };
}

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

describe('tagging events', () => {
  it('parses the documented TagResource record (key ARN, tags) and CreateTags on an endpoint', () => {
    const kms = parseTrigger(fixture('kms-TagResource-awsdocs.json'));
    expect(kms).toMatchObject({
      kind: 'trigger',
      trigger: { family: 'key', eventName: 'TagResource', tags: [{ key: 'Department', value: 'IT' }] },
    });
    const ec2 = parseTrigger(fixture('ec2-CreateTags-vpce-exemption.json'));
    expect(ec2).toMatchObject({
      kind: 'trigger',
      trigger: {
        family: 'endpoint',
        resourceIds: ['vpce-0a1b2c3d4e5f6a7b8'],
        tags: [{ key: 'kms-perimeter-guard:exempt' }],
      },
    });
    expect(parseTrigger(fixture('ec2-CreateTags-instance.json'))).toMatchObject({
      kind: 'ignored',
      code: 'other-event',
    });
  });

  it('the EventBridge rules deliver TagResource and CreateTags on endpoints, not CreateTags on instances', () => {
    expect(matchesPattern(patterns.keyEvents, envelope(fixture('kms-TagResource-awsdocs.json')))).toBe(true);
    expect(
      matchesPattern(patterns.endpointEvents, envelope(fixture('ec2-CreateTags-vpce-exemption.json'))),
    ).toBe(true);
    expect(matchesPattern(patterns.endpointEvents, envelope(fixture('ec2-CreateTags-instance.json')))).toBe(
      false,
    );
    expect(matchesPattern(patterns.keyEvents, envelope(fixture('ec2-CreateTags-vpce-exemption.json')))).toBe(
      false,
    );
  });

  it('a tag other than the exemption tag is ignored: no read, no alert', async () => {
    const h = harness();
    h.aws.addKey(policyText(ROOT, PARTNER));
    const out = await processEvent(tagResource([{ tagKey: 'Department', tagValue: 'IT' }]), 'key', h.deps);
    expect(out.kind).toBe('ignored');
    expect(h.aws.calls).toEqual([]);
    expect(h.alerts).toEqual([]);
  });

  it('a new exemption is alerted once: who, which rules, until when', async () => {
    const h = harness();
    const value = `key-no-external-principals;until=${inDays(30)}`;
    h.aws.addKey(policyText(ROOT, PARTNER), {}, { 'kms-perimeter-guard:exempt': value });
    await processEvent(
      tagResource([{ tagKey: 'kms-perimeter-guard:exempt', tagValue: value }]),
      'key',
      h.deps,
    );
    const docs = h.alerts.map(alertDocument);
    const notices = docs.filter((d) => d.kind === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ notice: 'exemption-granted', rules: ['key-no-external-principals'] });
    expect(String(notices[0]!.message)).toContain('arn:aws:iam::111122223333:user/Alice exempted kms-key');
    // The exempt finding itself is not alerted.
    expect(docs.filter((d) => d.kind === 'finding' && d.rule === 'key-no-external-principals')).toEqual([]);
  });

  it('an exemption without an end date is refused, said once, and the finding stays alerted', async () => {
    const h = harness();
    h.aws.addKey(policyText(ROOT, PARTNER), {}, { 'kms-perimeter-guard:exempt': '*' });
    await processEvent(tagResource([{ tagKey: 'kms-perimeter-guard:exempt', tagValue: '*' }]), 'key', h.deps);
    const docs = h.alerts.map(alertDocument);
    const notice = docs.find((d) => d.kind === 'notice');
    expect(notice).toMatchObject({ notice: 'exemption-ignored' });
    expect((notice!.details as string[]).join()).toMatch(/no end date/);
    expect(docs.some((d) => d.kind === 'finding' && d.rule === 'key-no-external-principals')).toBe(true);
  });

  it('CreateTags setting an exemption on an endpoint: one notice for that endpoint', async () => {
    const h = harness();
    h.aws.addEndpoint({
      id: 'vpce-0a1b2c3d4e5f6a7b8',
      tags: { 'kms-perimeter-guard:exempt': `endpoint-private-dns;until=${inDays(10)}` },
    });
    const record = fixture('ec2-CreateTags-vpce-exemption.json');
    const params = record.requestParameters as { tagSet: { items: { key: string; value: string }[] } };
    params.tagSet.items[0]!.value = `endpoint-private-dns;until=${inDays(10)}`;
    await processEvent({ ...record, awsRegion: 'us-east-1', recipientAccountId: OWN }, 'endpoint', h.deps);
    const notices = h.alerts.map(alertDocument).filter((d) => d.kind === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      notice: 'exemption-granted',
      resource: { id: 'vpce-0a1b2c3d4e5f6a7b8' },
    });
  });
});
