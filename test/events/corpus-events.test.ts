import { describe, expect, it } from 'vitest';
import { parseTrigger, TRIGGER_EVENTS, type TriggerResult } from '../../functions/events/index.js';
import { TAGGING_EVENTS } from '../../functions/events/types.js';
import { corpusAvailable, listCorpus, readCorpusJson } from '../corpus.js';

type Json = Record<string, unknown>;

const hasCorpus = corpusAvailable();
const EVENTS = 'events';
const SYNTH = 'events/synthesized';

function requestPolicy(file: string): string {
  const record = readCorpusJson<Json>(file);
  const detail = (record.detail ?? record) as Json;
  return (detail.requestParameters as Json).policy as string;
}

/**
 * Every real record in corpus/events, with the exact result it must give. Keys are file names;
 * a file added to the corpus without an entry here fails the suite.
 */
const EXPECTED: Record<string, (file: string) => TriggerResult> = {
  'ec2-AuthorizeSecurityGroupIngress-legacy-shape-permiso.json': () => ({
    kind: 'ignored',
    code: 'other-event',
    reason: 'ec2.amazonaws.com AuthorizeSecurityGroupIngress is not a guard trigger',
    eventId: 'fda2c392-49a1-464e-be83-d717e7d4769c',
  }),
  'ec2-CancelCapacityReservation-boolean-return-shape-permiso.json': () => ({
    kind: 'ignored',
    code: 'other-event',
    reason: 'ec2.amazonaws.com CancelCapacityReservation is not a guard trigger',
    eventId: 'c33224f7-985c-4d08-82a8-b8d1d3eb905e',
  }),
  // Trimmed console record: no userIdentity, no recipientAccountId; the account comes from the
  // response's numeric ownerId. A non-KMS service: still a trigger (the handler skips it after the
  // re-read shows the service, issue 3 item 2).
  'ec2-CreateVpcEndpoint-interface-console-permiso.json': () => ({
    kind: 'trigger',
    trigger: {
      family: 'endpoint',
      eventName: 'CreateVpcEndpoint',
      eventId: '089ca63b-f6f9-4e75-aec7-8e68ddee34a4',
      eventTime: '2023-11-30T07:19:13Z',
      account: '200802171337',
      region: 'us-east-1',
      resourceIds: ['vpce-db0c0ffee984e07fa'],
      serviceName: 'aws.api.us-east-1.kendra-ranking',
    },
  }),
  'ec2-DeleteFlowLogs-shape-reference-stratus.json': () => ({
    kind: 'ignored',
    code: 'other-event',
    reason: 'ec2.amazonaws.com DeleteFlowLogs is not a guard trigger',
    eventId: 'ded2f5af-f3a5-46d2-a170-a23206a32c36',
  }),
  'ec2-RunInstances-failed-UnauthorizedOperation-stratus.json': () => ({
    kind: 'ignored',
    code: 'other-event',
    reason: 'ec2.amazonaws.com RunInstances is not a guard trigger',
    eventId: '1a4debbb-12e9-4bde-b8c7-ea29002bb2a7',
  }),
  'eventbridge-envelope-ec2-DeleteTransitGatewayVpcAttachment-custodian.json': () => ({
    kind: 'ignored',
    code: 'other-event',
    reason: 'ec2.amazonaws.com DeleteTransitGatewayVpcAttachment is not a guard trigger',
    eventId: '10fe783b-14ea-4f67-8dbc-b1596716e57c',
  }),
  'kms-CreateKey-awsdocs-external-origin.json': () => ({
    kind: 'trigger',
    trigger: {
      family: 'key',
      eventName: 'CreateKey',
      eventId: '36327b37-f4f6-40a9-92ab-48064ec905a2',
      eventTime: '2022-08-10T22:38:27Z',
      account: '111122223333',
      region: 'us-west-2',
      actorArn: 'arn:aws:iam::111122223333:user/Alice',
      resourceIds: ['arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
      keyRef: {
        kind: 'arn',
        value: 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
    },
  }),
  // Trimmed record: the account comes from keyMetadata.aWSAccountId (sic) and the key ARN.
  'kms-CreateKey-by-cloudtrail-console-permiso.json': (file) => ({
    kind: 'trigger',
    trigger: {
      family: 'key',
      eventName: 'CreateKey',
      eventId: '6769cca9-7e24-4708-83b7-985a73b0c1dc',
      eventTime: '2023-12-22T02:14:39Z',
      account: '200802171337',
      region: 'us-east-2',
      policyText: requestPolicy(file),
      resourceIds: ['arn:aws:kms:us-east-2:200802171337:key/2f94fc0e-8fd3-42e3-9b0e-a5fd6de1d92e'],
      keyRef: {
        kind: 'arn',
        value: 'arn:aws:kms:us-east-2:200802171337:key/2f94fc0e-8fd3-42e3-9b0e-a5fd6de1d92e',
      },
    },
  }),
  'kms-CreateKey-console-permiso.json': (file) => ({
    kind: 'trigger',
    trigger: {
      family: 'key',
      eventName: 'CreateKey',
      eventId: '79d1650a-bbea-455a-abe0-d6d91e113a58',
      eventTime: '2023-06-05T01:18:33Z',
      account: '200802171337',
      region: 'us-east-1',
      policyText: requestPolicy(file),
      resourceIds: ['arn:aws:kms:us-east-1:200802171337:key/4c8e75cc-f147-4d61-95b6-27398da485d8'],
      keyRef: {
        kind: 'arn',
        value: 'arn:aws:kms:us-east-1:200802171337:key/4c8e75cc-f147-4d61-95b6-27398da485d8',
      },
    },
  }),
  'kms-Decrypt-failed-KMSInvalidStateException-awsdocs.json': () => ({
    kind: 'ignored',
    code: 'other-event',
    reason: 'kms.amazonaws.com Decrypt is not a guard trigger',
    eventId: 'b79603d5-4cde-46fc-819c-a7cf547b9df4',
  }),
  'kms-GetKeyPolicy-console-permiso.json': () => ({
    kind: 'ignored',
    code: 'other-event',
    reason: 'kms.amazonaws.com GetKeyPolicy is not a guard trigger',
    eventId: 'fa90db65-8f50-461b-8572-a6d4211bf07c',
  }),
  'kms-ListResourceTags-console-permiso.json': () => ({
    kind: 'ignored',
    code: 'other-event',
    reason: 'kms.amazonaws.com ListResourceTags is not a guard trigger',
    eventId: '47ec3579-b6fb-4cf1-801c-5a68ea109212',
  }),
  // The request names the key by id; resources[].ARN pins account and region, so the ARN is used.
  'kms-PutKeyPolicy-awsdocs.json': (file) => ({
    kind: 'trigger',
    trigger: {
      family: 'key',
      eventName: 'PutKeyPolicy',
      eventId: 'c217db1f-903f-4a2f-8f88-9580182d6313',
      eventTime: '2022-09-01T20:06:16Z',
      account: '111122223333',
      region: 'us-west-2',
      actorArn: 'arn:aws:iam::111122223333:user/Alice',
      policyText: requestPolicy(file),
      resourceIds: ['arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
      keyRef: {
        kind: 'arn',
        value: 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
    },
  }),
  // Panther-normalised: eventTime is not ISO (kept as recorded), resources[].arn lower-case, the
  // response carries the key ARN.
  'kms-PutKeyPolicy-console-panther.json': (file) => ({
    kind: 'trigger',
    trigger: {
      family: 'key',
      eventName: 'PutKeyPolicy',
      eventId: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
      eventTime: '2025-03-05 21:19:44.000000000',
      account: '123456789012',
      region: 'us-west-2',
      actorArn:
        'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_ExampleRole_xxxxxxxxxxxxxxxx/example.user',
      sessionIssuerArn:
        'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ExampleRole_xxxxxxxxxxxxxxxx',
      policyText: requestPolicy(file),
      resourceIds: ['arn:aws:kms:us-west-2:123456789012:key/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'],
      keyRef: {
        kind: 'arn',
        value: 'arn:aws:kms:us-west-2:123456789012:key/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
      },
    },
  }),
};

/** Wraps a bare record the way EventBridge delivers it (envelope observed on a real EC2 delivery). */
function envelope(record: Json, overrides: Json = {}): Json {
  const source = `aws.${String(record.eventSource).split('.')[0]}`;
  return {
    version: '0',
    id: '11111111-2222-3333-4444-555555555555',
    'detail-type': 'AWS API Call via CloudTrail',
    source,
    account: record.recipientAccountId ?? '200802171337',
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
    ...overrides,
  };
}

describe.skipIf(!hasCorpus)('parseTrigger on the real records of corpus/events', () => {
  const files = hasCorpus ? listCorpus(EVENTS) : [];

  it('has an expectation for every real record', () => {
    expect(files.map((f) => f.slice(EVENTS.length + 1)).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s', (file) => {
    const expected = EXPECTED[file.slice(EVENTS.length + 1)];
    expect(expected, `no expectation for ${file}`).toBeDefined();
    expect(parseTrigger(readCorpusJson(file))).toEqual(expected!(file));
  });

  it.each(files.filter((f) => !f.includes('eventbridge-envelope')))(
    'gives the same result for %s inside an EventBridge envelope',
    (file) => {
      const record = readCorpusJson<Json>(file);
      const bare = parseTrigger(record);
      const wrapped = parseTrigger(envelope(record));
      if (bare.kind === 'trigger' && wrapped.kind === 'trigger') {
        expect(wrapped.trigger).toEqual(bare.trigger);
      } else {
        expect(wrapped).toEqual(bare);
      }
    },
  );

  it('reads the real envelope as the record inside it', () => {
    const wrapped = readCorpusJson<Json>(
      `${EVENTS}/eventbridge-envelope-ec2-DeleteTransitGatewayVpcAttachment-custodian.json`,
    );
    expect(parseTrigger(wrapped)).toEqual(parseTrigger(wrapped.detail));
  });
});

describe.skipIf(!hasCorpus)('parseTrigger on corpus/events/synthesized', () => {
  it('ignores the failed ModifyVpcEndpoint and names its errorCode', () => {
    expect(parseTrigger(readCorpusJson(`${SYNTH}/ec2-ModifyVpcEndpoint-PrivateDns-failed.json`))).toEqual({
      kind: 'ignored',
      code: 'failed-call',
      reason: 'ModifyVpcEndpoint failed with errorCode Client.InvalidParameter',
    });
  });

  it('reads the synthesized ModifyVpcEndpoint envelope (policy document, numeric-free shape)', () => {
    const event = readCorpusJson<Json>(`${SYNTH}/ec2-ModifyVpcEndpoint-policy-and-privatedns.json`);
    const request = ((event.detail as Json).requestParameters as Json).ModifyVpcEndpointRequest as Json;
    expect(parseTrigger(event)).toEqual({
      kind: 'trigger',
      trigger: {
        family: 'endpoint',
        eventName: 'ModifyVpcEndpoint',
        eventId: '66666666-7777-8888-9999-000000000000',
        eventTime: '2024-01-01T00:00:00Z',
        account: '111122223333',
        region: 'us-east-1',
        actorArn: 'arn:aws:sts::111122223333:assumed-role/SomeRole/someone',
        policyText: request.PolicyDocument,
        resourceIds: ['vpce-0123456789abcdef0'],
      },
    });
  });

  it('rejects the PutKeyPolicy envelope template as it is (its detail is a placeholder string)', () => {
    expect(parseTrigger(readCorpusJson(`${SYNTH}/kms-PutKeyPolicy-eventbridge-envelope.json`))).toEqual({
      kind: 'invalid',
      issues: [{ path: '$.detail', message: 'expected the CloudTrail record (an object), got a string' }],
    });
  });

  it('reads the PutKeyPolicy envelope once its detail is the real record it names', () => {
    const template = readCorpusJson<Json>(`${SYNTH}/kms-PutKeyPolicy-eventbridge-envelope.json`);
    const record = readCorpusJson<Json>(`${EVENTS}/kms-PutKeyPolicy-awsdocs.json`);
    const result = parseTrigger({ ...template, detail: record });
    expect(result).toEqual(
      EXPECTED['kms-PutKeyPolicy-awsdocs.json']!(`${EVENTS}/kms-PutKeyPolicy-awsdocs.json`),
    );
  });

  it('treats the draft event patterns and the bus policy as invalid events, without throwing', () => {
    for (const name of [
      'rule-ec2-vpce-writes.json',
      'rule-kms-key-policy-writes.json',
      'rule-exclude-own-remediator-role.json',
      'central-bus-policy-org.json',
    ]) {
      expect(parseTrigger(readCorpusJson(`${SYNTH}/${name}`)).kind, name).toBe('invalid');
    }
  });

  it('reacts to exactly the event names the draft EventBridge patterns route to each family', () => {
    const endpointRule = readCorpusJson<{ detail: { eventName: string[] } }>(
      `${SYNTH}/rule-ec2-vpce-writes.json`,
    );
    const keyRule = readCorpusJson<{ detail: { eventName: string[] } }>(
      `${SYNTH}/rule-kms-key-policy-writes.json`,
    );
    const names = (family: string) =>
      Object.entries(TRIGGER_EVENTS)
        // Tagging events (exemption notices) and CreateGrant (the grants rule, issue 12) are the
        // guard's own additions, not in the drafts.
        .filter(
          ([name, spec]) =>
            spec.family === family && !TAGGING_EVENTS.includes(name as never) && name !== 'CreateGrant',
        )
        .map(([name]) => name);
    expect(endpointRule.detail.eventName.sort()).toEqual(names('endpoint').sort());
    expect(keyRule.detail.eventName.sort()).toEqual(names('key').sort());
  });
});
