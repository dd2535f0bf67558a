/**
 * A loopback AWS simulator for tests, the demo and end-to-end benchmarks. It speaks the real wire
 * protocols of exactly the operations the guard uses, so the unmodified SDK clients (and the AWS
 * CLI) run against it through an endpoint override:
 * - KMS, Organizations and CloudTrail: JSON 1.1 (`X-Amz-Target`), errors as `{"__type", "message"}`;
 * - EC2: Query, XML responses with `item` sets, errors as `<Response><Errors><Error>`;
 * - SNS and STS: Query, XML responses with `member` lists, errors as `<ErrorResponse>`;
 * - EventBridge: JSON 1.1 (`AWSEvents.PutEvents`, tools/simulator/eventbridge.ts);
 * - Security Hub: REST-JSON (`POST /findings/import`, tools/simulator/security-hub.ts), errors as
 *   `{"message"}` with the code in `x-amzn-errortype`.
 * The caller's account and region come from the SigV4 credential scope; signatures are not checked.
 * Never bundled into the Lambdas.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { evaluate } from '../../functions/policy/evaluate.js';
import { parsePolicyText } from '../../functions/policy/parse.js';
import { prng } from '../prng.js';
import { DYNAMODB_TARGET_PREFIX, SimDynamoDb } from './dynamodb.js';
import { Estate, type SimEndpoint, type SimGrant, type SimKey, type SimTrail } from './estate.js';
import { SimEventBus } from './eventbridge.js';
import { organizationsCall } from './organizations.js';
import { SimSecurityHub } from './security-hub.js';

export type FaultKind = 'throttle' | 'server-error' | 'timeout' | 'drop';

export interface FaultOptions {
  /** Probability per call of each fault, 0 to 1. */
  rates?: Partial<Record<FaultKind, number>>;
  /** Seed of the fault dice: the same seed and call order give the same faults. */
  seed?: number;
  /**
   * A policy changed between the guard's read and its write: right after a read returns a key
   * policy (GetKeyPolicy) or an endpoint with a policy (DescribeVpcEndpoints), the simulator adds
   * one statement to it, once per resource, as its owner would.
   */
  concurrentEdits?: boolean;
  /** How long a `timeout` holds the request before closing the connection (ms). */
  holdMs?: number;
  /** Security Hub: finding Id → how many of its first imports fail (FailedFindings, InternalException). */
  failFindings?: Record<string, number>;
  /** EventBridge: detail `findingId` → how many of its first puts fail (entry ErrorCode InternalFailure). */
  failEvents?: Record<string, number>;
}

export interface SimulatorOptions {
  /** Added to every call (ms). */
  latencyMs?: number;
  /** Token buckets per account-region and operation; over the quota AWS's throttling error is returned. */
  quotas?: Record<string, { rate: number; burst: number }>;
  faults?: FaultOptions;
}

/** The statement a concurrent edit adds: its Sid names the resource, so tests can look for it. */
export const concurrentEditSid = (resourceId: string) =>
  `ChangedMeanwhile${resourceId.replace(/[^A-Za-z0-9]/g, '')}`;

class SimError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface Caller {
  account: string;
  arn: string;
  region: string;
  service: string;
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const tag = (name: string, value: string | number | boolean | undefined) =>
  value === undefined ? '' : `<${name}>${xmlEscape(String(value))}</${name}>`;

export class AwsSimulator {
  readonly estate = new Estate();
  /** The findings table's DynamoDB (dynalite), reached through this endpoint. */
  readonly dynamodb = new SimDynamoDb();
  /** Access key id → who uses it. */
  private readonly accessKeys = new Map<string, { account: string; arn: string }>();
  private server: Server | undefined;
  private readonly buckets = new Map<string, { tokens: number; last: number }>();
  /** Calls served per `service:Operation`. */
  readonly calls = new Map<string, number>();
  /** Calls answered with a throttling error because they were over a quota (not injected). */
  throttledByQuota = 0;
  /** When set, every answered call is appended: operation, and when it arrived and was answered. */
  callLog: { call: string; start: number; end: number }[] | undefined;
  /** Faults injected per kind (`drop` counts both kinds of drop). */
  readonly faultsInjected = new Map<FaultKind, number>();
  /** Resources a concurrent edit changed, with the statement it added. */
  readonly concurrentEdits: { kind: 'key' | 'endpoint'; id: string; statement: Record<string, unknown> }[] =
    [];
  private readonly edited = new Set<string>();
  private readonly random: () => number;
  /** Security Hub's imported findings per account-region (BatchImportFindings). */
  readonly securityHub: SimSecurityHub;
  /** Events put on the default buses (PutEvents). */
  readonly eventBus: SimEventBus;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.random = prng(options.faults?.seed ?? 1);
    this.securityHub = new SimSecurityHub(options.faults?.failFindings);
    this.eventBus = new SimEventBus(options.faults?.failEvents);
  }

  /** The fault to inject into this call, if any (one roll per call). */
  private rollFault(): FaultKind | undefined {
    const rates = this.options.faults?.rates;
    if (!rates) return undefined;
    let r = this.random();
    for (const kind of ['throttle', 'server-error', 'timeout', 'drop'] as const) {
      const p = rates[kind] ?? 0;
      if (r < p) {
        this.faultsInjected.set(kind, (this.faultsInjected.get(kind) ?? 0) + 1);
        return kind;
      }
      r -= p;
    }
    return undefined;
  }

  /** Credentials for an account's root identity (what a test or the demo signs with). */
  credentialsFor(account: string): { accessKeyId: string; secretAccessKey: string } {
    const accessKeyId = `AKIASIM${account}`;
    this.accessKeys.set(accessKeyId, { account, arn: `arn:aws:iam::${account}:root` });
    return { accessKeyId, secretAccessKey: 'simulator' };
  }

  /** Listens on 127.0.0.1 (`port` 0: any free port) and returns the endpoint URL. */
  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    await this.dynamodb.stop();
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections?.();
      this.server?.close(() => resolve());
    });
  }

  // ----------------------------------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const auth = String(req.headers.authorization ?? '');
    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target.startsWith(DYNAMODB_TARGET_PREFIX)) {
      const call = `dynamodb:${target.slice(DYNAMODB_TARGET_PREFIX.length)}`;
      this.calls.set(call, (this.calls.get(call) ?? 0) + 1);
      return this.dynamodb.forward(req, body, res);
    }
    const service = scope?.[3] ?? (target.startsWith('TrentService') ? 'kms' : 'unknown');
    const who = this.accessKeys.get(scope?.[1] ?? '');
    const json = target !== '';
    // REST-JSON (Security Hub): the operation is the method and path.
    const rest = service === 'securityhub';
    const params = json || rest ? {} : Object.fromEntries(new URLSearchParams(body));
    // `TrentService.ListKeys`, `CloudTrail_20131101.DescribeTrails` (the AWS CLI sends the long form,
    // `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails`): the operation is last.
    const operation = rest
      ? `${req.method} ${req.url?.split('?')[0]}` === 'POST /findings/import'
        ? 'BatchImportFindings'
        : `${req.method} ${req.url}`
      : json
        ? (target.split('.').pop() ?? '')
        : String((params as Record<string, string>).Action ?? '');
    let dropAfter = false;
    const arrived = performance.now();
    const send = (
      status: number,
      contentType: string,
      text: string,
      headers: Record<string, string> = {},
    ) => {
      this.callLog?.push({ call: `${service}:${operation}`, start: arrived, end: performance.now() });
      // A connection lost after the operation took effect: the caller never learns that it did.
      if (dropAfter) {
        req.socket.destroy();
        return;
      }
      res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': randomUUID(), ...headers });
      res.end(text);
    };
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
    this.calls.set(`${service}:${operation}`, (this.calls.get(`${service}:${operation}`) ?? 0) + 1);
    const fault = who && scope ? this.rollFault() : undefined;
    if (fault === 'timeout') {
      // Accept the request and never answer; close the connection after a while (the client's own
      // request timeout should have given up long before).
      const timer = setTimeout(() => req.socket.destroy(), this.options.faults?.holdMs ?? 30_000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (fault === 'drop') {
      // Half the drops lose the request, half lose the answer to a call that did take effect.
      if (this.random() < 0.5) {
        req.socket.destroy();
        return;
      }
      dropAfter = true;
    }
    try {
      if (!who || !scope)
        throw new SimError(
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
        );
      const caller: Caller = { account: who.account, arn: who.arn, region: scope[2] as string, service };
      if (fault === 'throttle') throw this.throttlingError(service);
      if (fault === 'server-error') throw this.serverError(service);
      this.throttle(caller, operation);
      if (service === 'kms')
        return send(
          200,
          'application/x-amz-json-1.1',
          JSON.stringify(this.kms(operation, JSON.parse(body || '{}'), caller)),
        );
      if (service === 'organizations') {
        return send(
          200,
          'application/x-amz-json-1.1',
          JSON.stringify(this.organizations(operation, JSON.parse(body || '{}'))),
        );
      }
      if (service === 'cloudtrail') {
        return send(
          200,
          'application/x-amz-json-1.1',
          JSON.stringify(this.cloudtrail(operation, JSON.parse(body || '{}'), caller)),
        );
      }
      if (service === 'securityhub' || service === 'events') {
        const out = this.sinks(service, operation, JSON.parse(body || '{}'), caller);
        return send(200, rest ? 'application/json' : 'application/x-amz-json-1.1', JSON.stringify(out));
      }
      const p = params as Record<string, string>;
      if (service === 'ec2') return send(200, 'text/xml', this.ec2(operation, p, caller));
      if (service === 'sns') return send(200, 'text/xml', this.sns(operation, p, caller));
      if (service === 'sts') return send(200, 'text/xml', this.sts(operation, p, caller));
      throw new SimError('UnknownService', `the simulator does not serve ${service}`);
    } catch (err) {
      const e = err instanceof SimError ? err : new SimError('InternalFailure', String(err), 500);
      if (rest)
        return send(e.status, 'application/json', JSON.stringify({ message: e.message }), {
          'x-amzn-errortype': e.code,
        });
      if (json)
        return send(
          e.status,
          'application/x-amz-json-1.1',
          JSON.stringify({ __type: e.code, message: e.message }),
        );
      if (service === 'ec2') {
        return send(
          e.status,
          'text/xml',
          `<Response><Errors><Error>${tag('Code', e.code)}${tag('Message', e.message)}</Error></Errors>${tag('RequestID', randomUUID())}</Response>`,
        );
      }
      return send(
        e.status,
        'text/xml',
        `<ErrorResponse><Error>${tag('Type', e.status >= 500 ? 'Receiver' : 'Sender')}${tag('Code', e.code)}${tag('Message', e.message)}</Error>${tag('RequestId', randomUUID())}</ErrorResponse>`,
      );
    }
  }

  private throttle(caller: Caller, operation: string): void {
    // EC2 evaluates each API on its own bucket; "ec2:Describe" gives the size and refill of every
    // non-mutating action's bucket that has no quota of its own.
    // https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
    const op = `${caller.service}:${operation}`;
    const nonMutating = caller.service === 'ec2' && /^(Describe|Get|List)/.test(operation);
    const q = this.options.quotas?.[op] ?? (nonMutating ? this.options.quotas?.['ec2:Describe'] : undefined);
    if (!q) return;
    const bucket = op;
    const key = `${caller.account}:${caller.region}:${bucket}`;
    const now = performance.now();
    const b = this.buckets.get(key) ?? { tokens: q.burst, last: now };
    b.tokens = Math.min(q.burst, b.tokens + ((now - b.last) / 1000) * q.rate);
    b.last = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) {
      this.throttledByQuota++;
      throw this.throttlingError(caller.service);
    }
    b.tokens -= 1;
  }

  /** Each service's own throttling answer (code and HTTP status). */
  private throttlingError(service: string): SimError {
    // Security Hub's rate limit: https://docs.aws.amazon.com/securityhub/1.0/APIReference/CommonErrors.html
    if (service === 'securityhub') return new SimError('LimitExceededException', 'Rate exceeded', 429);
    if (service === 'events') return new SimError('ThrottlingException', 'Rate exceeded', 400);
    if (service === 'ec2') return new SimError('RequestLimitExceeded', 'Request limit exceeded.', 503);
    if (service === 'kms') return new SimError('ThrottlingException', 'Rate exceeded', 400);
    if (service === 'organizations')
      return new SimError(
        'TooManyRequestsException',
        "AWS Organizations can't complete your request because another request is already in progress.",
        400,
      );
    return new SimError('Throttling', 'Rate exceeded', 400);
  }

  /** Each service's own internal-error answer. */
  private serverError(service: string): SimError {
    if (service === 'kms') return new SimError('KMSInternalException', 'An internal error occurred.', 500);
    if (service === 'securityhub') return new SimError('InternalException', 'Internal service failure.', 500);
    if (service === 'ec2') return new SimError('InternalError', 'An internal error has occurred.', 500);
    if (service === 'organizations')
      return new SimError(
        'ServiceException',
        "AWS Organizations can't complete your request because of an internal service error.",
        500,
      );
    return new SimError(
      'InternalFailure',
      'The request processing has failed because of an unknown error.',
      500,
    );
  }

  /**
   * A concurrent edit, once per resource, right after the guard read it: the owner appends one
   * statement (`statement` is given the resource's Sid) to the policy text and the new text is kept.
   */
  private editAfterRead(
    kind: 'key' | 'endpoint',
    id: string,
    policy: string,
    statement: Record<string, unknown>,
    keep: (text: string) => void,
  ): void {
    if (!this.options.faults?.concurrentEdits || this.edited.has(id)) return;
    this.edited.add(id);
    const added = { Sid: concurrentEditSid(id), ...statement };
    const doc = JSON.parse(policy) as { Statement: unknown };
    doc.Statement = [...(Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]), added];
    keep(JSON.stringify(doc, null, 2));
    this.concurrentEdits.push({ kind, id, statement: added });
  }

  // ------------------------------------------------------------------------------------------ KMS

  private key(ref: unknown, caller: Caller): SimKey {
    const k = typeof ref === 'string' ? this.estate.findKey(ref, caller.account, caller.region) : undefined;
    if (!k) throw new SimError('NotFoundException', `Key '${String(ref)}' does not exist`);
    return k;
  }

  /**
   * Grants: CreateGrant returns a 64-hex-digit id; ListGrants pages with Limit (1-100, default 50)
   * and Marker; RevokeGrant of an unknown grant id is NotFoundException.
   * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html
   */
  private grants(op: string, input: Record<string, unknown>, caller: Caller): unknown {
    const k = this.key(input.KeyId, caller);
    k.grants ??= [];
    if (op === 'CreateGrant') {
      const grantId = createHash('sha256')
        .update(`${k.keyId}:${k.grants.length}:${String(input.GranteePrincipal)}`)
        .digest('hex');
      k.grants.push({
        grantId,
        granteePrincipal: String(input.GranteePrincipal),
        operations: Array.isArray(input.Operations) ? input.Operations.map(String) : [],
        issuingAccount: `arn:aws:iam::${caller.account}:root`,
        ...(typeof input.RetiringPrincipal === 'string'
          ? { retiringPrincipal: input.RetiringPrincipal }
          : {}),
        ...(typeof input.Name === 'string' ? { name: input.Name } : {}),
        ...(input.Constraints && typeof input.Constraints === 'object'
          ? { constraints: input.Constraints as NonNullable<SimGrant['constraints']> }
          : {}),
      });
      return { GrantId: grantId, GrantToken: Buffer.from(grantId).toString('base64') };
    }
    if (op === 'RevokeGrant') {
      const before = k.grants.length;
      k.grants = k.grants.filter((g) => g.grantId !== input.GrantId);
      if (k.grants.length === before)
        throw new SimError('NotFoundException', `Grant ${String(input.GrantId)} not found`);
      return {};
    }
    if (k.denyRead)
      throw new SimError(
        'AccessDeniedException',
        `User: ${caller.arn} is not authorized to perform: kms:ListGrants`,
      );
    const limit = Number(input.Limit ?? 50);
    if (!(limit >= 1 && limit <= 100))
      throw new SimError('ValidationException', 'Limit must be between 1 and 100');
    const start = input.Marker ? Number(input.Marker) : 0;
    const page = k.grants.slice(start, start + limit);
    const more = start + limit < k.grants.length;
    return {
      Grants: page.map((g) => ({
        KeyId: this.estate.keyArn(k),
        GrantId: g.grantId,
        ...(g.name ? { Name: g.name } : {}),
        CreationDate: 1_700_000_000,
        GranteePrincipal: g.granteePrincipal,
        ...(g.retiringPrincipal ? { RetiringPrincipal: g.retiringPrincipal } : {}),
        IssuingAccount: g.issuingAccount ?? `arn:aws:iam::${k.account}:root`,
        Operations: g.operations,
        ...(g.constraints ? { Constraints: g.constraints } : {}),
      })),
      Truncated: more,
      ...(more ? { NextMarker: String(start + limit) } : {}),
    };
  }

  /**
   * ReplicateKey: a replica of a multi-Region primary key (same `mrk-` key id) in another region of
   * the estate, with the request's policy (else the default key policy) and tags.
   * https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html
   */
  private replicateKey(input: Record<string, unknown>, caller: Caller): unknown {
    const k = this.key(input.KeyId, caller);
    if (!k.keyId.startsWith('mrk-'))
      throw new SimError(
        'UnsupportedOperationException',
        `${this.estate.keyArn(k)} is not a multi-Region key`,
      );
    const region = String(input.ReplicaRegion ?? '');
    if (region === k.region || !this.estate.regions.includes(region))
      throw new SimError(
        'ValidationException',
        `ReplicaRegion ${region} is not another region of the estate`,
      );
    if (this.estate.findKey(k.keyId, caller.account, region))
      throw new SimError('AlreadyExistsException', `${k.keyId} already has a replica in ${region}`);
    const policy =
      typeof input.Policy === 'string'
        ? input.Policy
        : JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'Enable IAM User Permissions',
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${caller.account}:root` },
                Action: 'kms:*',
                Resource: '*',
              },
            ],
          });
    if (!parsePolicyText(policy).ok)
      throw new SimError('MalformedPolicyDocumentException', 'The policy is malformed');
    const tags = Array.isArray(input.Tags)
      ? Object.fromEntries(
          (input.Tags as { TagKey?: string; TagValue?: string }[]).map((t) => [
            String(t.TagKey),
            String(t.TagValue ?? ''),
          ]),
        )
      : {};
    const replica = this.estate.addKey({ keyId: k.keyId, account: k.account, region, policy, tags });
    return {
      ReplicaKeyMetadata: {
        AWSAccountId: replica.account,
        KeyId: replica.keyId,
        Arn: this.estate.keyArn(replica),
        KeyManager: 'CUSTOMER',
        KeyState: 'Enabled',
        Enabled: true,
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        Origin: 'AWS_KMS',
        MultiRegion: true,
        CreationDate: 1_700_000_000,
      },
      ReplicaPolicy: policy,
      ReplicaTags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    };
  }

  /**
   * ListAliases without KeyId: the aliases of every key of the account-region, and one predefined
   * AWS alias no key has yet (no TargetKeyId), as KMS lists them. Limit 1-100, default 50.
   * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html
   */
  private listAliases(input: Record<string, unknown>, caller: Caller): unknown {
    const limit = Number(input.Limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw new SimError('ValidationException', `Limit ${String(input.Limit)} is not between 1 and 100`);
    const prefix = `arn:aws:kms:${caller.region}:${caller.account}:`;
    const all: { AliasName: string; AliasArn: string; TargetKeyId?: string }[] = [
      { AliasName: 'alias/aws/sim-predefined', AliasArn: `${prefix}alias/aws/sim-predefined` },
    ];
    for (const k of this.estate.keys.values()) {
      if (k.account !== caller.account || k.region !== caller.region) continue;
      for (const name of k.aliases ?? [])
        all.push({ AliasName: name, AliasArn: `${prefix}${name}`, TargetKeyId: k.keyId });
    }
    const start = input.Marker ? Number(input.Marker) : 0;
    const more = start + limit < all.length;
    return {
      Aliases: all.slice(start, start + limit),
      Truncated: more,
      ...(more ? { NextMarker: String(start + limit) } : {}),
    };
  }

  private kms(op: string, input: Record<string, unknown>, caller: Caller): unknown {
    switch (op) {
      case 'ListKeys': {
        const all = [...this.estate.keys.values()].filter(
          (k) => k.account === caller.account && k.region === caller.region,
        );
        const start = input.Marker ? Number(input.Marker) : 0;
        const limit = Number(input.Limit ?? 100);
        const page = all.slice(start, start + limit);
        const more = start + limit < all.length;
        return {
          Keys: page.map((k) => ({ KeyId: k.keyId, KeyArn: this.estate.keyArn(k) })),
          Truncated: more,
          ...(more ? { NextMarker: String(start + limit) } : {}),
        };
      }
      case 'ListAliases':
        return this.listAliases(input, caller);
      case 'ReplicateKey':
        return this.replicateKey(input, caller);
      case 'DescribeKey': {
        const k = this.key(input.KeyId, caller);
        return {
          KeyMetadata: {
            AWSAccountId: k.account,
            KeyId: k.keyId,
            Arn: this.estate.keyArn(k),
            KeyManager: k.keyManager,
            KeyState: k.keyState,
            Enabled: k.keyState === 'Enabled',
            KeyUsage: 'ENCRYPT_DECRYPT',
            KeySpec: 'SYMMETRIC_DEFAULT',
            Origin: 'AWS_KMS',
            CreationDate: 1_700_000_000,
            MultiRegion: k.keyId.startsWith('mrk-'),
          },
        };
      }
      case 'GetKeyPolicy': {
        const k = this.key(input.KeyId, caller);
        if (k.denyRead)
          throw new SimError(
            'AccessDeniedException',
            `User: ${caller.arn} is not authorized to perform: kms:GetKeyPolicy`,
          );
        const answer = { Policy: k.policy, PolicyName: 'default' };
        if (k.keyManager === 'CUSTOMER') {
          const own = { AWS: `arn:aws:iam::${k.account}:root` };
          this.editAfterRead(
            'key',
            k.keyId,
            k.policy,
            { Effect: 'Allow', Principal: own, Action: 'kms:DescribeKey', Resource: '*' },
            (text) => {
              k.policy = text;
            },
          );
        }
        return answer;
      }
      case 'GetKeyRotationStatus': {
        // KMS API Reference, GetKeyRotationStatus: the period is returned only while rotation is on;
        // AWS-managed keys rotate every year, always. New customer keys start with rotation off.
        const k = this.key(input.KeyId, caller);
        if (k.denyRead)
          throw new SimError(
            'AccessDeniedException',
            `User: ${caller.arn} is not authorized to perform: kms:GetKeyRotationStatus`,
          );
        const enabled = k.keyManager === 'AWS' || k.rotation?.enabled === true;
        return {
          KeyId: this.estate.keyArn(k),
          KeyRotationEnabled: enabled,
          ...(enabled
            ? { RotationPeriodInDays: k.keyManager === 'AWS' ? 365 : (k.rotation?.periodDays ?? 365) }
            : {}),
        };
      }
      case 'ListResourceTags': {
        const k = this.key(input.KeyId, caller);
        return {
          Tags: Object.entries(k.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
          Truncated: false,
        };
      }
      case 'CreateGrant':
      case 'ListGrants':
      case 'RevokeGrant':
        return this.grants(op, input, caller);
      case 'PutKeyPolicy': {
        const k = this.key(input.KeyId, caller);
        if (k.keyManager === 'AWS')
          throw new SimError('AccessDeniedException', 'AWS-managed key policies cannot be changed');
        const text = String(input.Policy ?? '');
        if (Buffer.byteLength(text) > 32_768)
          throw new SimError('MalformedPolicyDocumentException', 'The policy exceeds 32 KB');
        const parsed = parsePolicyText(text);
        if (!parsed.ok)
          throw new SimError(
            'MalformedPolicyDocumentException',
            `The new key policy is malformed: ${parsed.issues[0]?.message}`,
          );
        // The lockout safety check, simple form: the caller must still be able to call PutKeyPolicy.
        if (input.BypassPolicyLockoutSafetyCheck !== true) {
          const decision = evaluate(parsed.value, {
            principal: { AWS: caller.arn },
            action: 'kms:PutKeyPolicy',
            resource: this.estate.keyArn(k),
            context: {
              'aws:PrincipalAccount': caller.account,
              'kms:CallerAccount': caller.account,
              'aws:PrincipalArn': caller.arn,
              'aws:SourceIp': '203.0.113.10',
            },
          }).decision;
          if (decision !== 'allow') {
            throw new SimError(
              'MalformedPolicyDocumentException',
              'The new key policy will not allow you to update the key policy in the future.',
            );
          }
        }
        k.policy = text;
        return {};
      }
      default:
        throw new SimError('UnknownOperationException', `KMS ${op} is not simulated`);
    }
  }

  // ------------------------------------------------------------------------ Security Hub, events

  private sinks(service: string, op: string, input: Record<string, unknown>, caller: Caller): unknown {
    const fail = (code: string, message: string, status?: number) => new SimError(code, message, status);
    if (service === 'securityhub' && op === 'BatchImportFindings')
      return this.securityHub.batchImportFindings(input, caller, fail);
    if (service === 'events' && op === 'PutEvents') return this.eventBus.putEvents(input, caller, fail);
    throw new SimError('UnknownOperationException', `${service} ${op} is not simulated`);
  }

  // ---------------------------------------------------------------------------------------- Orgs

  private organizations(op: string, input: Record<string, unknown>): unknown {
    return organizationsCall(this.estate, op, input, (code, message) => new SimError(code, message));
  }

  // ----------------------------------------------------------------------------------- CloudTrail

  /**
   * Trails the caller sees in its region: its own trails homed there, its own multi-region trails
   * and organization trails of its organization from other regions as shadow trails (unless
   * `includeShadowTrails` is false). https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html
   */
  private visibleTrails(caller: Caller, includeShadowTrails: boolean): SimTrail[] {
    const member = this.estate.accounts.some((a) => a.id === caller.account);
    return this.estate.trails.filter((t) => {
      const mine = t.account === caller.account || (t.isOrganizationTrail && member);
      if (!mine) return false;
      if (t.homeRegion === caller.region) return t.account === caller.account || includeShadowTrails;
      return (t.isMultiRegion || t.isOrganizationTrail) && includeShadowTrails;
    });
  }

  /** A trail by name (its own region) or ARN (any region that sees it): TrailNotFoundException otherwise. */
  private trail(ref: unknown, caller: Caller): SimTrail {
    const t = this.visibleTrails(caller, true).find((x) =>
      typeof ref === 'string' && ref.startsWith('arn:')
        ? this.estate.trailArn(x) === ref
        : x.name === ref && x.homeRegion === caller.region,
    );
    if (!t) {
      throw new SimError(
        'TrailNotFoundException',
        `Unknown trail: ${String(ref)} for the user: ${caller.account}`,
      );
    }
    return t;
  }

  private cloudtrail(op: string, input: Record<string, unknown>, caller: Caller): unknown {
    switch (op) {
      case 'DescribeTrails': {
        const names = Array.isArray(input.trailNameList) ? input.trailNameList.map(String) : [];
        const trails = this.visibleTrails(caller, input.includeShadowTrails !== false).filter(
          (t) => names.length === 0 || names.includes(t.name) || names.includes(this.estate.trailArn(t)),
        );
        return {
          trailList: trails.map((t) => ({
            Name: t.name,
            S3BucketName: `cloudtrail-${t.account}`,
            IncludeGlobalServiceEvents: true,
            IsMultiRegionTrail: t.isMultiRegion,
            HomeRegion: t.homeRegion,
            TrailARN: this.estate.trailArn(t),
            LogFileValidationEnabled: true,
            HasCustomEventSelectors: t.eventSelectors !== undefined || t.advancedEventSelectors !== undefined,
            HasInsightSelectors: false,
            IsOrganizationTrail: t.isOrganizationTrail,
          })),
        };
      }
      case 'GetTrailStatus': {
        const t = this.trail(input.Name, caller);
        return {
          IsLogging: t.isLogging,
          ...(t.isLogging ? { StartLoggingTime: 1_700_000_000 } : { StopLoggingTime: 1_700_000_000 }),
        };
      }
      case 'GetEventSelectors': {
        const t = this.trail(input.TrailName, caller);
        if (t.advancedEventSelectors) {
          return { TrailARN: this.estate.trailArn(t), AdvancedEventSelectors: t.advancedEventSelectors };
        }
        return {
          TrailARN: this.estate.trailArn(t),
          EventSelectors: (t.eventSelectors ?? [{ ReadWriteType: 'All', IncludeManagementEvents: true }]).map(
            (e) => ({ ...e, DataResources: [], ExcludeManagementEventSources: [] }),
          ),
        };
      }
      default:
        throw new SimError('UnknownOperationException', `CloudTrail ${op} is not simulated`);
    }
  }

  // ------------------------------------------------------------------------------------------ EC2

  private endpointXml(e: SimEndpoint): string {
    return `<item>${tag('vpcEndpointId', e.id)}${tag('vpcEndpointType', e.type)}${tag('vpcId', e.vpcId)}${tag('serviceName', e.serviceName)}${e.serviceRegion ? tag('serviceRegion', e.serviceRegion) : ''}${tag('state', e.state)}${tag('policyDocument', e.policyDocument)}${tag('privateDnsEnabled', e.privateDnsEnabled)}${tag('requesterManaged', false)}${tag('ownerId', e.account)}<tagSet/></item>`;
  }

  private ec2(op: string, p: Record<string, string>, caller: Caller): string {
    const ns = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
    const rid = tag('requestId', randomUUID());
    const list = (prefix: string) =>
      Object.entries(p)
        .filter(([k]) => k.startsWith(prefix))
        .map(([, v]) => v);
    switch (op) {
      case 'DescribeVpcEndpoints': {
        const ids = list('VpcEndpointId.');
        const names: string[] = [];
        const types: string[] = [];
        for (const [k, v] of Object.entries(p)) {
          const m = /^Filter\.(\d+)\.Name$/.exec(k);
          if (m && v === 'service-name') names.push(...list(`Filter.${m[1]}.Value.`));
          if (m && v === 'vpc-endpoint-type') types.push(...list(`Filter.${m[1]}.Value.`));
        }
        let all = [...this.estate.endpoints.values()].filter(
          (e) => e.account === caller.account && e.region === caller.region,
        );
        if (ids.length) {
          const missing = ids.filter((id) => !all.some((e) => e.id === id));
          if (missing.length)
            throw new SimError(
              'InvalidVpcEndpointId.NotFound',
              `The Vpc Endpoint Id '${missing[0]}' does not exist`,
            );
          all = all.filter((e) => ids.includes(e.id));
        }
        if (names.length) all = all.filter((e) => names.includes(e.serviceName));
        if (types.length) all = all.filter((e) => types.includes(e.type));
        const start = p.NextToken ? Number(p.NextToken) : 0;
        const size = p.MaxResults ? Number(p.MaxResults) : 1000;
        const page = all.slice(start, start + size);
        const next = start + size < all.length ? tag('nextToken', String(start + size)) : '';
        const xml = `<DescribeVpcEndpointsResponse ${ns}>${rid}<vpcEndpointSet>${page.map((e) => this.endpointXml(e)).join('')}</vpcEndpointSet>${next}</DescribeVpcEndpointsResponse>`;
        for (const e of page) {
          if (e.policyDocument === undefined) continue; // AWS's full-access default: nothing to append to
          this.editAfterRead(
            'endpoint',
            e.id,
            e.policyDocument,
            {
              Effect: 'Allow',
              Principal: '*',
              Action: 'kms:DescribeKey',
              Resource: '*',
              Condition: { StringEquals: { 'aws:PrincipalAccount': e.account } },
            },
            (text) => {
              e.policyDocument = text;
            },
          );
        }
        return xml;
      }
      case 'DescribeVpcAttribute': {
        const attrs = this.estate.vpcs.get(`${caller.account}:${caller.region}:${p.VpcId}`);
        if (!attrs) throw new SimError('InvalidVpcID.NotFound', `The vpc ID '${p.VpcId}' does not exist`);
        const value = p.Attribute === 'enableDnsSupport' ? attrs.enableDnsSupport : attrs.enableDnsHostnames;
        return `<DescribeVpcAttributeResponse ${ns}>${rid}${tag('vpcId', p.VpcId)}<${p.Attribute}>${tag('value', value)}</${p.Attribute}></DescribeVpcAttributeResponse>`;
      }
      case 'ModifyVpcEndpoint': {
        const e = this.estate.endpoints.get(p.VpcEndpointId ?? '');
        if (!e || e.account !== caller.account || e.region !== caller.region) {
          throw new SimError(
            'InvalidVpcEndpointId.NotFound',
            `The Vpc Endpoint Id '${p.VpcEndpointId}' does not exist`,
          );
        }
        if (p.PrivateDnsEnabled === 'true') {
          const attrs = this.estate.vpcs.get(`${caller.account}:${caller.region}:${e.vpcId}`);
          if (!attrs?.enableDnsSupport || !attrs.enableDnsHostnames) {
            throw new SimError(
              'InvalidParameter',
              'To set PrivateDnsEnabled, you must set the enableDnsSupport and enableDnsHostnames VPC attributes to true.',
            );
          }
          e.privateDnsEnabled = true;
        } else if (p.PrivateDnsEnabled === 'false') e.privateDnsEnabled = false;
        if (p.PolicyDocument !== undefined) {
          if (p.PolicyDocument.length > 20_480 || !parsePolicyText(p.PolicyDocument).ok) {
            throw new SimError('InvalidPolicyDocument', 'The policy document is not valid');
          }
          e.policyDocument = p.PolicyDocument;
        }
        return `<ModifyVpcEndpointResponse ${ns}>${rid}${tag('return', true)}</ModifyVpcEndpointResponse>`;
      }
      case 'DescribeRegions':
        return `<DescribeRegionsResponse ${ns}>${rid}<regionInfo>${this.estate.regions
          .map(
            (r) =>
              `<item>${tag('regionName', r)}${tag('regionEndpoint', `ec2.${r}.amazonaws.com`)}${tag('optInStatus', 'opt-in-not-required')}</item>`,
          )
          .join('')}</regionInfo></DescribeRegionsResponse>`;
      default:
        throw new SimError('InvalidAction', `EC2 ${op} is not simulated`);
    }
  }

  // ------------------------------------------------------------------------------------------ SNS

  private sns(op: string, p: Record<string, string>, _caller: Caller): string {
    const ns = 'xmlns="http://sns.amazonaws.com/doc/2010-03-31/"';
    const meta = `<ResponseMetadata>${tag('RequestId', randomUUID())}</ResponseMetadata>`;
    if (op === 'Publish') {
      const id = randomUUID();
      this.estate.messages.push({
        topicArn: p.TopicArn ?? '',
        id,
        message: p.Message ?? '',
        ...(p.Subject ? { subject: p.Subject } : {}),
        ...(p.MessageStructure ? { messageStructure: p.MessageStructure } : {}),
        attributes: {},
      });
      return `<PublishResponse ${ns}><PublishResult>${tag('MessageId', id)}</PublishResult>${meta}</PublishResponse>`;
    }
    if (op !== 'PublishBatch') throw new SimError('InvalidAction', `SNS ${op} is not simulated`);
    const entries = new Map<string, Record<string, string>>();
    for (const [k, v] of Object.entries(p)) {
      const m = /^PublishBatchRequestEntries\.member\.(\d+)\.(.+)$/.exec(k);
      if (!m) continue;
      const e = entries.get(m[1] as string) ?? {};
      e[m[2] as string] = v;
      entries.set(m[1] as string, e);
    }
    if (entries.size > 10)
      throw new SimError(
        'TooManyEntriesInBatchRequest',
        'The batch request contains more entries than permissible.',
      );
    let ok = '';
    for (const e of entries.values()) {
      const attributes: Record<string, string> = {};
      for (const [k, v] of Object.entries(e)) {
        const m = /^MessageAttributes\.entry\.(\d+)\.Name$/.exec(k);
        if (m) attributes[v] = e[`MessageAttributes.entry.${m[1]}.Value.StringValue`] ?? '';
      }
      if ((e.Subject ?? '').length >= 100)
        throw new SimError('InvalidParameter', 'Subject must be less than 100 characters');
      const id = randomUUID();
      this.estate.messages.push({
        topicArn: p.TopicArn ?? '',
        id: e.Id ?? id,
        message: e.Message ?? '',
        ...(e.Subject ? { subject: e.Subject } : {}),
        ...(e.MessageStructure ? { messageStructure: e.MessageStructure } : {}),
        attributes,
      });
      ok += `<member>${tag('Id', e.Id)}${tag('MessageId', id)}</member>`;
    }
    return `<PublishBatchResponse ${ns}><PublishBatchResult><Successful>${ok}</Successful><Failed/></PublishBatchResult>${meta}</PublishBatchResponse>`;
  }

  // ------------------------------------------------------------------------------------------ STS

  private sts(op: string, p: Record<string, string>, caller: Caller): string {
    const ns = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"';
    const meta = `<ResponseMetadata>${tag('RequestId', randomUUID())}</ResponseMetadata>`;
    if (op === 'GetCallerIdentity') {
      return `<GetCallerIdentityResponse ${ns}><GetCallerIdentityResult>${tag('Account', caller.account)}${tag('Arn', caller.arn)}${tag('UserId', caller.account)}</GetCallerIdentityResult>${meta}</GetCallerIdentityResponse>`;
    }
    if (op !== 'AssumeRole') throw new SimError('InvalidAction', `STS ${op} is not simulated`);
    const m = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(p.RoleArn ?? '');
    if (!m || !this.estate.roles.get(m[1] as string)?.has(m[2] as string)) {
      throw new SimError(
        'AccessDenied',
        `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${p.RoleArn}`,
        403,
      );
    }
    const account = m[1] as string;
    const session = p.RoleSessionName ?? 'session';
    const accessKeyId = `ASIASIM${account}${randomUUID().slice(0, 4).toUpperCase()}`;
    this.accessKeys.set(accessKeyId, {
      account,
      arn: `arn:aws:sts::${account}:assumed-role/${m[2]}/${session}`,
    });
    const expiration = new Date(Date.now() + Number(p.DurationSeconds ?? 3600) * 1000).toISOString();
    return `<AssumeRoleResponse ${ns}><AssumeRoleResult><Credentials>${tag('AccessKeyId', accessKeyId)}${tag('SecretAccessKey', 'simulator')}${tag('SessionToken', `token-${accessKeyId}`)}${tag('Expiration', expiration)}</Credentials><AssumedRoleUser>${tag('Arn', `arn:aws:sts::${account}:assumed-role/${m[2]}/${session}`)}${tag('AssumedRoleId', `AROASIM:${session}`)}</AssumedRoleUser></AssumeRoleResult>${meta}</AssumeRoleResponse>`;
  }
}
