/**
 * One sweep of one account-region against mocked AWS (aws-sdk-client-mock under the real adapters)
 * answering after 20 ms per call and enforcing the real AWS quotas (SPEC §6) with its own token
 * buckets, the guard's client-side buckets at half of each quota. Run by `sweep.bench.ts` as a
 * bundled child process under plain node, so its memory is the sweep's, as deployed, not a
 * TypeScript loader's: `node runner.mjs <keys> <endpoints> <throttle> <serverError> <concurrency>`.
 */
import {
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  KMSServiceException,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { createCallCounter } from '../functions/adapters/counter.js';
import { createEc2Adapter } from '../functions/adapters/ec2.js';
import { createEc2Client } from '../functions/adapters/ec2-client.js';
import { createKmsAdapter } from '../functions/adapters/kms.js';
import { createKmsClient } from '../functions/adapters/kms-client.js';
import { parseConfig } from '../functions/config/load.js';
import type { PipelineDeps } from '../functions/engine/pipeline.js';
import { RateLimiter } from '../functions/engine/rate-limit.js';
import { sweepAccountRegion } from '../functions/engine/sweep.js';
import { AWS_QUOTAS } from './aws-quotas.js';
import { nowMs, prng, trackPeakRss } from './lib.js';

const OWN = '111122223333';
const REGION = 'us-east-1';
const LATENCY_MS = 20;

/** A non-blocking server-side bucket: answers "throttled" instead of waiting. */
class ServerBucket {
  private tokens: number;
  private last = performance.now();
  constructor(private readonly limit: { rate: number; burst: number }) {
    this.tokens = limit.burst;
  }
  admit(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) / 1000) * this.limit.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function installMocks(
  keys: number,
  endpoints: number,
  faults: { throttle: number; serverError: number },
  seed: number,
) {
  const kms = mockClient(KMSClient);
  const ec2 = mockClient(EC2Client);
  const rand = prng(seed);
  const buckets = Object.fromEntries(Object.entries(AWS_QUOTAS).map(([k, v]) => [k, new ServerBucket(v)]));
  const served = { throttled: 0, serverErrors: 0 };
  const kmsError = (name: string, status: number) =>
    new KMSServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
      message: name,
    });
  const ec2Error = (name: string, status: number) =>
    new EC2ServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
      message: name,
    });
  // The mock library records every call (sinon); forget them now and then (outside any call, as
  // sinon requires) so the mock's memory is not measured as the sweep's.
  const forget = setInterval(() => {
    kms.resetHistory();
    ec2.resetHistory();
  }, 1_000);
  /** Latency, then the quota, then the injected faults. */
  const gate = async (bucket: string, service: 'kms' | 'ec2') => {
    await sleep(LATENCY_MS);
    const throttled = !buckets[bucket]?.admit() || rand() < faults.throttle;
    if (throttled) {
      served.throttled++;
      throw service === 'kms' ? kmsError('ThrottlingException', 400) : ec2Error('RequestLimitExceeded', 503);
    }
    if (rand() < faults.serverError) {
      served.serverErrors++;
      throw service === 'kms' ? kmsError('KMSInternalException', 500) : ec2Error('InternalError', 500);
    }
  };
  const keyId = (i: number) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Root',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OWN}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
  kms.on(ListKeysCommand).callsFake(async (input: { Marker?: string; Limit?: number }) => {
    await gate('kms:ListKeys', 'kms');
    const start = input.Marker ? Number(input.Marker) : 0;
    const size = input.Limit ?? 100;
    const page = Array.from({ length: Math.min(size, keys - start) }, (_, j) => ({
      KeyId: keyId(start + j),
      KeyArn: `arn:aws:kms:${REGION}:${OWN}:key/${keyId(start + j)}`,
    }));
    return start + size < keys
      ? { Keys: page, Truncated: true, NextMarker: String(start + size) }
      : { Keys: page, Truncated: false };
  });
  // The account-region's aliases: none of the listed keys is AWS-managed.
  kms.on(ListAliasesCommand).callsFake(async () => {
    await gate('kms:ListAliases', 'kms');
    return { Aliases: [], Truncated: false };
  });
  kms.on(DescribeKeyCommand).callsFake(async (input: { KeyId: string }) => {
    await gate('kms:DescribeKey', 'kms');
    return {
      KeyMetadata: {
        KeyId: input.KeyId,
        Arn: `arn:aws:kms:${REGION}:${OWN}:key/${input.KeyId}`,
        AWSAccountId: OWN,
        KeyManager: 'CUSTOMER',
        KeyState: 'Enabled',
      },
    };
  });
  kms.on(GetKeyPolicyCommand).callsFake(async () => {
    await gate('kms:GetKeyPolicy', 'kms');
    return { Policy: policy, PolicyName: 'default' };
  });
  kms.on(ListResourceTagsCommand).callsFake(async () => {
    await gate('kms:ListResourceTags', 'kms');
    return { Tags: [], Truncated: false };
  });
  ec2
    .on(DescribeVpcEndpointsCommand)
    .callsFake(async (input: { NextToken?: string; MaxResults?: number }) => {
      await gate('ec2:Describe', 'ec2');
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const size = input.MaxResults ?? 1000;
      const page = Array.from({ length: Math.min(size, endpoints - start) }, (_, j) => ({
        VpcEndpointId: `vpce-${String(start + j).padStart(17, '0')}`,
        VpcEndpointType: 'Interface',
        VpcId: 'vpc-0a1b2c3d',
        ServiceName: `com.amazonaws.${REGION}.kms`,
        State: 'available',
        PrivateDnsEnabled: true,
        RequesterManaged: false,
        OwnerId: OWN,
        PolicyDocument: JSON.stringify({
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
      }));
      return start + size < endpoints
        ? { VpcEndpoints: page, NextToken: String(start + size) }
        : { VpcEndpoints: page };
    });
  ec2.on(DescribeVpcAttributeCommand).callsFake(async () => {
    await gate('ec2:Describe', 'ec2');
    return { EnableDnsSupport: { Value: true }, EnableDnsHostnames: { Value: true } };
  });
  return {
    served,
    restore: () => {
      clearInterval(forget);
      kms.restore();
      ec2.restore();
    },
  };
}

export async function runOnce(
  keys: number,
  endpoints: number,
  faults: { throttle: number; serverError: number },
  concurrency: number,
) {
  const mocks = installMocks(keys, endpoints, faults, 42);
  const limiter = new RateLimiter();
  const counter = createCallCounter();
  const retry = { attempts: 5, baseDelayMs: 50, maxDelayMs: 2_000 };
  const kms = createKmsAdapter(createKmsClient({ region: REGION }), {
    counter,
    throttle: limiter.throttle,
    retry,
  });
  const ec2 = createEc2Adapter(createEc2Client({ region: REGION }), {
    counter,
    throttle: limiter.throttle,
    retry,
  });
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const deps: PipelineDeps = {
    config: parseConfig(
      { trust: { accounts: [OWN] }, network: { vpceIds: ['vpce-0a1b2c3d4e5f6a7b8'] }, dryRun: true },
      'bench',
    ),
    ports: { kms: async () => kms, ec2: async () => ec2 },
    notify: async () => ({ failed: 0, errors: [] }),
    log: quiet,
    metrics: { count() {} },
  };
  const rss = trackPeakRss();
  const t0 = nowMs();
  const sweep = await sweepAccountRegion(OWN, REGION, deps, {
    concurrency,
    retryDelayMs: 500,
    retryPasses: 5,
  });
  const elapsed = (nowMs() - t0) / 1000;
  const { peakMb, beforeMb } = rss.stop();
  mocks.restore();
  const ids = new Set(sweep.resources.map((r) => r.id));
  return {
    elapsed,
    rssMb: peakMb,
    rssBeforeMb: beforeMb,
    missing: keys + endpoints - ids.size,
    unjudged: sweep.resources.filter((r) => r.status !== 'judged').length,
    unjudgedReasons: [
      ...new Set(sweep.resources.filter((r) => r.status !== 'judged').map((r) => r.reason)),
    ].slice(0, 5),
    calls: counter.snapshot(),
    served: mocks.served,
    waits: limiter.waits(),
  };
}

const [keys, endpoints, throttle, serverError, concurrency] = process.argv.slice(2).map(Number);
if (keys !== undefined && !Number.isNaN(keys)) {
  const result = await runOnce(
    keys,
    endpoints ?? 0,
    { throttle: throttle ?? 0, serverError: serverError ?? 0 },
    concurrency ?? 64,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
