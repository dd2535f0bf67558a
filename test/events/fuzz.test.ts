import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';
import { type PipelineDeps, processEvent } from '../../functions/engine/pipeline.js';
import type { Ec2Port, KmsPort, VpcEndpointRecord } from '../../functions/engine/ports.js';
import { parseTrigger, type TriggerResult } from '../../functions/events/index.js';
import { corpusAvailable, listCorpus, readCorpusJson } from '../corpus.js';
import { DEFAULT_KEY_STATE } from '../engine/fake-aws.js';

type JsonPath = (string | number)[];

/** Real events (corpus), the synthesized envelope with its real detail, and two hand-written seeds. */
function seeds(): unknown[] {
  const out: unknown[] = [
    {
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.ec2',
      account: 111122223333,
      region: 'eu-west-1',
      detail: {
        eventID: 'seed-1',
        eventTime: '2024-05-01T10:00:00Z',
        eventSource: 'ec2.amazonaws.com',
        eventName: 'ModifyVpcEndpoint',
        awsRegion: 'eu-west-1',
        requestParameters: { Req: { VpcEndpointId: [{ content: 'vpce-0a1b2c3d', tag: 1 }] } },
      },
    },
    {
      eventID: 'seed-2',
      eventTime: '2024-05-01T10:00:00Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'PutKeyPolicy',
      awsRegion: 'eu-west-1',
      recipientAccountId: '111122223333',
      requestParameters: { keyId: 'alias/prod', policy: '{}' },
      resources: [{ ARN: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
    },
  ];
  if (corpusAvailable()) {
    for (const file of listCorpus('events')) out.push(readCorpusJson(file));
    const template = readCorpusJson<Record<string, unknown>>(
      'events/synthesized/kms-PutKeyPolicy-eventbridge-envelope.json',
    );
    out.push({ ...template, detail: readCorpusJson('events/kms-PutKeyPolicy-awsdocs.json') });
    for (const name of [
      'ec2-ModifyVpcEndpoint-policy-and-privatedns.json',
      'ec2-ModifyVpcEndpoint-PrivateDns-failed.json',
    ]) {
      out.push(readCorpusJson(`events/synthesized/${name}`));
    }
  }
  return out;
}

/** Every path to a value inside `value` (the root excluded). */
function paths(value: unknown, prefix: JsonPath = []): JsonPath[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value as Record<string, unknown>);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

/** The same value as another JSON type (string ↔ number, object ↔ array, ...). */
function retype(value: unknown): unknown {
  if (typeof value === 'string') return Number.isNaN(Number(value)) ? [value] : Number(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return String(value);
  if (value === null) return {};
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]));
  if (typeof value === 'object') return Object.values(value as object);
  return null;
}

type Mutation = { at: number; op: 'delete' | 'replace' | 'retype' | 'empty'; value: unknown };

function mutate(seed: unknown, mutations: Mutation[]): unknown {
  const event = structuredClone(seed);
  for (const m of mutations) {
    const all = paths(event);
    if (all.length === 0) break;
    const path = all[m.at % all.length]!;
    let parent = event as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const key = path.at(-1)!;
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (m.op === 'replace') parent[key] = m.value;
    else if (m.op === 'retype') parent[key] = retype(parent[key]);
    else parent[key] = '';
  }
  return event;
}

function assertWellFormed(result: TriggerResult): void {
  expect(['trigger', 'ignored', 'invalid']).toContain(result.kind);
  if (result.kind === 'invalid') {
    expect(result.issues.length).toBeGreaterThan(0);
    for (const issue of result.issues) {
      expect(issue.path).toMatch(/^\$/);
      expect(typeof issue.message).toBe('string');
    }
  } else if (result.kind === 'ignored') {
    expect(result.reason.length).toBeGreaterThan(0);
  } else {
    const t = result.trigger;
    expect(t.account).toMatch(/^\d{12}$/);
    expect(t.region.length).toBeGreaterThan(0);
    expect(t.eventId.length).toBeGreaterThan(0);
    expect(t.resourceIds.length).toBeGreaterThan(0);
    if (t.family === 'key') expect(t.resourceIds).toEqual([t.keyRef.value]);
    else for (const id of t.resourceIds) expect(id).toMatch(/^vpce-/);
  }
}

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'replace', 'retype', 'empty'),
  value: fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(
      null,
      '',
      0,
      111122223333,
      'vpce-0a1b2c3d',
      'arn:aws:kms:eu-west-1:111122223333:key/x',
      {},
      [],
    ),
  ),
});

describe('parseTrigger fuzzed with mutated real events', () => {
  const all = seeds();

  it('never throws and always returns one well-formed kind', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.nat({ max: all.length - 1 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
        (i, ms) => {
          const event = mutate(all[i], ms);
          let result: TriggerResult | undefined;
          expect(() => {
            result = parseTrigger(event);
          }).not.toThrow();
          assertWellFormed(result!);
          seen.add(result!.kind);
        },
      ),
      { numRuns: 4000 },
    );
    // The mutations are mild enough to leave some events readable: all three outcomes occur.
    expect([...seen].sort()).toEqual(['ignored', 'invalid', 'trigger']);
  });

  it('never throws on arbitrary values', () => {
    fc.assert(
      fc.property(
        fc.anything({ maxDepth: 4, withNullPrototype: true, withMap: true, withBigInt: true }),
        (value) => {
          assertWellFormed(parseTrigger(value));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws when a real event is wrapped in arbitrary envelopes', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: all.length - 1 }),
        fc.dictionary(
          fc.constantFrom('detail-type', 'source', 'account', 'region', 'id', 'x'),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        (i, extra) => {
          assertWellFormed(parseTrigger({ ...extra, detail: all[i] }));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

/** Ports over one non-compliant key and one non-compliant KMS endpoint, whatever id is asked for. */
function fakePorts(writes: string[]): PipelineDeps['ports'] {
  const externalPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Root',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:root' },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'Partner',
        Effect: 'Allow',
        Principal: { AWS: '444455556666' },
        Action: 'kms:Decrypt',
        Resource: '*',
      },
    ],
  });
  const kms: KmsPort = {
    readKeyState: async (read) => DEFAULT_KEY_STATE[read],
    revokeGrant: async () => {
      throw new Error('not expected');
    },
    describeKey: async (keyId) => ({
      keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      arn: `arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab#${keyId}`,
      account: '111122223333',
      region: 'eu-west-1',
      keyManager: 'CUSTOMER',
      keyState: 'Enabled',
    }),
    getKeyPolicy: async () => externalPolicy,
    listResourceTags: async () => ({}),
    putKeyPolicy: async (keyId) => {
      writes.push(`PutKeyPolicy ${keyId}`);
    },
    listKeys: async function* () {},
    listAliases: async function* () {},
  };
  const endpoint = (id: string): VpcEndpointRecord => ({
    id,
    vpcId: 'vpc-0a1b2c3d',
    serviceName: 'com.amazonaws.eu-west-1.kms',
    vpcEndpointType: 'Interface',
    privateDnsEnabled: false,
    requesterManaged: false,
    state: 'available',
    tags: {},
  });
  const ec2: Ec2Port = {
    describeVpcEndpoints: async function* () {},
    describeVpcEndpoint: async (id) => endpoint(id),
    describeVpcDnsAttributes: async () => ({ enableDnsSupport: true, enableDnsHostnames: true }),
    modifyVpcEndpoint: async (request) => {
      writes.push(`ModifyVpcEndpoint ${request.id}`);
      return true;
    },
  };
  return { kms: async () => kms, ec2: async () => ec2 };
}

describe('the pipeline fuzzed with mutated real events', () => {
  const all = seeds();
  const config = parseConfig(
    {
      trust: { accounts: ['111122223333'] },
      rules: { 'key-no-external-principals': 'remediate', 'endpoint-private-dns': 'remediate' },
    },
    'fuzz',
  );
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };

  it('never throws, writes only for events that parse as triggers, and reports every unreadable event', async () => {
    const kinds = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: all.length - 1 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('key' as const, 'endpoint' as const),
        async (i, ms, family) => {
          const event = mutate(all[i], ms);
          const writes: string[] = [];
          const published: string[] = [];
          const deps: PipelineDeps = {
            config,
            ports: fakePorts(writes),
            notify: async (entries) => {
              published.push(...entries.map((e) => e.Subject));
              return { failed: 0, errors: [] };
            },
            log: quiet,
            metrics: { count() {} },
            sleep: async () => {},
          };
          const parsed = parseTrigger(event);
          const outcome = await processEvent(event, family, deps);
          kinds.set(outcome.kind, (kinds.get(outcome.kind) ?? 0) + 1);
          if (parsed.kind !== 'trigger' || parsed.trigger.family !== family) {
            expect(writes).toEqual([]);
            expect(outcome.kind).not.toBe('processed');
          }
          if (parsed.kind === 'invalid') {
            expect(outcome.kind).toBe('invalid');
            expect(published).toHaveLength(1);
            expect(published[0]).toMatch(/guard error/);
          }
        },
      ),
      { numRuns: 2000 },
    );
    expect([...kinds.keys()].sort()).toEqual(['ignored', 'invalid', 'processed']);
  });
});
