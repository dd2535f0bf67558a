/**
 * A small stateful in-memory AWS for pipeline tests: KMS keys and EC2 endpoints behind the guard's
 * own ports, with a write log, injectable faults and hooks that change state between calls (races).
 */

import { parseConfig } from '../../functions/config/load.js';
import type { GuardConfigInput } from '../../functions/config/schema.js';
import type { AlertEntry } from '../../functions/engine/alert-types.js';
import type { PipelineDeps } from '../../functions/engine/pipeline.js';
import type { Ec2Port, KeyDescription, KmsPort, VpcEndpointRecord } from '../../functions/engine/ports.js';
import { AwsCallError, ResourceNotFoundError } from '../../functions/errors.js';
import type { EndpointTrigger, KeyTrigger } from '../../functions/events/types.js';
import type { ExtraKeyState } from '../../functions/rules/reads.js';

/**
 * What a fake key answers for a read its test did not set: a compliant value, so a rule added
 * later (and turned on) does not change what unrelated tests see. Typed by the registry of reads:
 * a new read does not compile here until it has a default.
 */
export const DEFAULT_KEY_STATE: ExtraKeyState = {
  rotation: { enabled: true, rotationPeriodInDays: 365 },
  grants: [],
};

export const OWN = '111122223333';
export const OTHER = '444455556666';
export const REGION = 'us-east-1';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:${REGION}:${OWN}:key/${KEY_ID}`;
export const VPCE = 'vpce-0123456789abcdef0';
export const APPROVED_VPCE = 'vpce-0a1b2c3d4e5f6a7b8';
export const VPC = 'vpc-0a1b2c3d';

export const ROOT = {
  Sid: 'Root',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${OWN}:root` },
  Action: 'kms:*',
  Resource: '*',
};
export const PARTNER = {
  Sid: 'Partner',
  Effect: 'Allow',
  Principal: { AWS: OTHER },
  Action: ['kms:Decrypt', 'kms:DescribeKey'],
  Resource: '*',
};
export const policyText = (...statements: unknown[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);

export interface FakeKey {
  description: KeyDescription;
  policy: string;
  tags: Record<string, string>;
  /** What the extra key reads (rules/reads.ts) return. */
  state?: Partial<ExtraKeyState>;
  /** Alias names ListAliases returns for the key (`alias/aws/<service>` for an AWS-managed key). */
  aliases?: string[];
}

export type Fault = { code: string; classification: AwsCallError['classification']; times?: number };

export interface Call {
  op: string;
  id?: string;
}

export class FakeAws {
  keys = new Map<string, FakeKey>();
  endpoints = new Map<string, VpcEndpointRecord>();
  vpcDns = new Map<string, { enableDnsSupport: boolean; enableDnsHostnames: boolean }>();
  calls: Call[] = [];
  writes: { op: 'PutKeyPolicy' | 'ModifyVpcEndpoint' | 'RevokeGrant'; id: string; body: string }[] = [];
  faults = new Map<string, Fault>();
  /** Faults for one resource: key `${op}:${id}`. */
  faultsFor = new Map<string, Fault>();
  /** Probability that any call fails with a retryable error (after the adapters' budget). */
  throttleRate = 0;
  random: () => number = Math.random;
  /** Called before an operation runs (after faults): lets a test change state mid-flight. */
  before = new Map<string, (n: number) => void>();
  /** DescribeKey answers NotFound this many times first (eventual consistency after CreateKey). */
  notYetVisible = 0;
  /** Per-call latency in ms (random schedules for race tests); none by default. */
  latency: (() => number) | undefined;

  async pause(): Promise<void> {
    const ms = this.latency?.();
    if (ms !== undefined) await new Promise((resolve) => setTimeout(resolve, ms));
  }

  addKey(policy: string, extra: Partial<KeyDescription> = {}, tags: Record<string, string> = {}): FakeKey {
    const key: FakeKey = {
      description: {
        keyId: KEY_ID,
        arn: KEY_ARN,
        account: OWN,
        region: REGION,
        keyManager: 'CUSTOMER',
        keyState: 'Enabled',
        enabled: true,
        ...extra,
      },
      policy,
      tags,
    };
    this.keys.set(key.description.keyId, key);
    return key;
  }

  addEndpoint(extra: Partial<VpcEndpointRecord> = {}): VpcEndpointRecord {
    const e: VpcEndpointRecord = {
      id: VPCE,
      vpcId: VPC,
      serviceName: `com.amazonaws.${REGION}.kms`,
      vpcEndpointType: 'Interface',
      privateDnsEnabled: true,
      requesterManaged: false,
      policyDocument: JSON.stringify({
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: '*',
            Resource: '*',
            Condition: { StringEquals: { 'aws:PrincipalAccount': OWN } },
          },
        ],
      }),
      ownerId: OWN,
      state: 'available',
      tags: {},
      ...extra,
    };
    this.endpoints.set(e.id, e);
    this.vpcDns.set(
      e.vpcId,
      this.vpcDns.get(e.vpcId) ?? { enableDnsSupport: true, enableDnsHostnames: true },
    );
    return e;
  }

  count(op: string): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  enter(op: string, id?: string): void {
    this.calls.push({ op, ...(id ? { id } : {}) });
    if (this.throttleRate > 0 && this.random() < this.throttleRate) {
      throw new AwsCallError({
        service:
          op === 'ListKeys' ||
          op === 'ListAliases' ||
          op.endsWith('Key') ||
          op.endsWith('KeyPolicy') ||
          op === 'ListResourceTags'
            ? 'kms'
            : 'ec2',
        operation: op,
        code: 'ThrottlingException',
        classification: 'throttling',
        message: 'injected storm',
        ...(id ? { resourceId: id } : {}),
      });
    }
    const fault = (id ? this.faultsFor.get(`${op}:${id}`) : undefined) ?? this.faults.get(op);
    if (fault && (fault.times === undefined || fault.times > 0)) {
      if (fault.times !== undefined) fault.times--;
      throw new AwsCallError({
        service:
          op.startsWith('Describe') && !op.startsWith('DescribeKey')
            ? 'ec2'
            : op === 'ModifyVpcEndpoint'
              ? 'ec2'
              : 'kms',
        operation: op,
        code: fault.code,
        classification: fault.classification,
        message: `injected ${fault.code}`,
        ...(id ? { resourceId: id } : {}),
      });
    }
    this.before.get(op)?.(this.count(op));
  }

  private key(id: string, op: string): FakeKey {
    const k = this.keys.get(id) ?? [...this.keys.values()].find((x) => x.description.arn === id);
    if (!k)
      throw new ResourceNotFoundError({
        service: 'kms',
        operation: op,
        code: 'NotFoundException',
        classification: 'not-found',
        resourceId: id,
      });
    return k;
  }

  kms(): KmsPort {
    const self = this;
    return {
      readKeyState: async (read, id) => {
        await this.pause();
        this.enter(`ReadKeyState:${read}`, id);
        const state: ExtraKeyState = { ...DEFAULT_KEY_STATE, ...this.key(id, 'ReadKeyState').state };
        return state[read] as never;
      },
      listKeys: async function* () {
        self.enter('ListKeys');
        await self.pause();
        for (const k of [...self.keys.values()])
          yield { keyId: k.description.keyId, keyArn: k.description.arn };
      },
      listAliases: async function* () {
        self.enter('ListAliases');
        await self.pause();
        for (const k of [...self.keys.values()])
          for (const aliasName of k.aliases ?? []) yield { aliasName, targetKeyId: k.description.keyId };
      },
      describeKey: async (id) => {
        await this.pause();
        this.enter('DescribeKey', id);
        if (this.notYetVisible > 0) {
          this.notYetVisible--;
          throw new ResourceNotFoundError({
            service: 'kms',
            operation: 'DescribeKey',
            code: 'NotFoundException',
            classification: 'not-found',
            resourceId: id,
          });
        }
        return { ...this.key(id, 'DescribeKey').description };
      },
      getKeyPolicy: async (id) => {
        await this.pause();
        this.enter('GetKeyPolicy', id);
        return this.key(id, 'GetKeyPolicy').policy;
      },
      listResourceTags: async (id) => {
        await this.pause();
        this.enter('ListResourceTags', id);
        return { ...this.key(id, 'ListResourceTags').tags };
      },
      revokeGrant: async (id, grantId) => {
        await this.pause();
        this.enter('RevokeGrant', id);
        const k = this.key(id, 'RevokeGrant');
        const grants = k.state?.grants ?? [];
        if (!grants.some((g) => g.grantId === grantId))
          throw new AwsCallError({
            service: 'kms',
            operation: 'RevokeGrant',
            code: 'NotFoundException',
            classification: 'permanent',
            message: `grant ${grantId} not found`,
            resourceId: id,
          });
        k.state = { ...k.state, grants: grants.filter((g) => g.grantId !== grantId) };
        this.writes.push({ op: 'RevokeGrant', id, body: grantId });
      },
      putKeyPolicy: async (id, text) => {
        await this.pause();
        this.enter('PutKeyPolicy', id);
        const k = this.key(id, 'PutKeyPolicy');
        k.policy = text;
        this.writes.push({ op: 'PutKeyPolicy', id, body: text });
      },
    };
  }

  ec2(): Ec2Port {
    const get = (id: string) => {
      const e = this.endpoints.get(id);
      if (!e)
        throw new ResourceNotFoundError({
          service: 'ec2',
          operation: 'DescribeVpcEndpoints',
          code: 'InvalidVpcEndpointId.NotFound',
          classification: 'not-found',
          resourceId: id,
        });
      return e;
    };
    const self = this;
    return {
      describeVpcEndpoints: async function* (query) {
        self.enter('DescribeVpcEndpoints');
        await self.pause();
        const names = query?.filters?.['service-name'];
        const types = query?.filters?.['vpc-endpoint-type'];
        const ids = query?.ids;
        // Like EC2: one unknown id fails the whole call.
        for (const id of ids ?? []) get(id);
        for (const e of [...self.endpoints.values()]) {
          if (ids && !ids.includes(e.id)) continue;
          if (types && !types.includes(e.vpcEndpointType)) continue;
          if (!names || names.includes(e.serviceName)) yield structuredClone(e);
        }
      },
      describeVpcEndpoint: async (id) => {
        await this.pause();
        this.enter('DescribeVpcEndpoints', id);
        return structuredClone(get(id));
      },
      describeVpcDnsAttributes: async (vpcId) => {
        await this.pause();
        this.enter('DescribeVpcAttribute', vpcId);
        return { ...(this.vpcDns.get(vpcId) ?? { enableDnsSupport: false, enableDnsHostnames: false }) };
      },
      modifyVpcEndpoint: async (request) => {
        await this.pause();
        this.enter('ModifyVpcEndpoint', request.id);
        const e = get(request.id);
        if (request.privateDnsEnabled !== undefined) e.privateDnsEnabled = request.privateDnsEnabled;
        if (request.policyDocument !== undefined) e.policyDocument = request.policyDocument;
        this.writes.push({ op: 'ModifyVpcEndpoint', id: request.id, body: JSON.stringify(request) });
        return true;
      },
    };
  }
}

export interface Harness {
  aws: FakeAws;
  deps: PipelineDeps;
  alerts: AlertEntry[];
  logs: { level: string; message: string; extra?: Record<string, unknown> }[];
  metrics: { name: string; value: number; rule?: string }[];
}

export function harness(
  config: Partial<GuardConfigInput> = {},
  options: { portError?: Error; notifyError?: Error } = {},
): Harness {
  const aws = new FakeAws();
  const alerts: AlertEntry[] = [];
  const logs: Harness['logs'] = [];
  const metrics: Harness['metrics'] = [];
  const log = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    logs.push({ level, message, ...(extra ? { extra } : {}) });
  };
  const deps: PipelineDeps = {
    config: parseConfig(
      { trust: { accounts: [OWN] }, network: { vpceIds: [APPROVED_VPCE] }, ...config },
      'test',
    ),
    ports: {
      kms: async () => {
        if (options.portError) throw options.portError;
        return aws.kms();
      },
      ec2: async () => {
        if (options.portError) throw options.portError;
        return aws.ec2();
      },
    },
    notify: async (entries) => {
      if (options.notifyError) throw options.notifyError;
      alerts.push(...entries);
      return { failed: 0, errors: [] };
    },
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    metrics: {
      count(name, value = 1, rule) {
        metrics.push({ name, value, ...(rule ? { rule } : {}) });
      },
    },
    sleep: async () => {},
  };
  return { aws, deps, alerts, logs, metrics };
}

export function keyTrigger(
  eventName: 'PutKeyPolicy' | 'CreateKey' = 'PutKeyPolicy',
  account = OWN,
): KeyTrigger {
  return {
    family: 'key',
    eventName,
    eventId: 'evt-1',
    eventTime: '2026-11-24T00:00:00Z',
    account,
    region: REGION,
    actorArn: `arn:aws:iam::${account}:user/alice`,
    resourceIds: [KEY_ID],
    keyRef: { kind: 'id', value: KEY_ID },
  };
}

export function endpointTrigger(
  eventName: 'CreateVpcEndpoint' | 'ModifyVpcEndpoint' = 'ModifyVpcEndpoint',
): EndpointTrigger {
  return {
    family: 'endpoint',
    eventName,
    eventId: 'evt-2',
    eventTime: '2026-11-24T00:00:00Z',
    account: OWN,
    region: REGION,
    actorArn: `arn:aws:iam::${OWN}:user/alice`,
    resourceIds: [VPCE],
  };
}

/** The JSON finding document inside an alert entry (the `sqs` member of the message). */
export function alertDocument(entry: AlertEntry): Record<string, unknown> {
  return JSON.parse((JSON.parse(entry.Message) as Record<string, string>).sqs as string) as Record<
    string,
    unknown
  >;
}
