/**
 * Event-guard benchmark: AWS calls per event (counted through aws-sdk-client-mock), handler compute
 * time with zero-latency mocks, per-handler bundle size (esbuild, the deployment's own options) and
 * module init time against bare `node -e 0`, measured in one run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  ModifyVpcEndpointCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListGrantsCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import { lambdaBuildOptions } from '../infra/esbuild-options.mjs';
import { type BenchTable, fmt, median, percentile, sampleAsync } from './lib.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
const VPCE = 'vpce-0123456789abcdef0';
const CONFIG = {
  trust: { accounts: [ACCOUNT] },
  network: { vpceIds: ['vpce-0a1b2c3d4e5f6a7b8'] },
  rules: {
    'key-no-external-principals': 'remediate',
    'key-crypto-via-vpce': 'off',
    'key-sourceip-ineffective': 'alert',
  },
};
const ENV = {
  GUARD_CONFIG: JSON.stringify(CONFIG),
  ALERT_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:kms-perimeter-guard-alerts`,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
};

const ROOT_STATEMENT = {
  Sid: 'Root',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: 'kms:*',
  Resource: '*',
};
const compliantPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [ROOT_STATEMENT] });
const externalPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    ROOT_STATEMENT,
    {
      Sid: 'Partner',
      Effect: 'Allow',
      Principal: { AWS: '444455556666' },
      Action: 'kms:Decrypt',
      Resource: '*',
    },
  ],
});

const context = {
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:bench`,
  functionName: 'bench',
  awsRequestId: 'bench',
} as Context;

const keyEvent = {
  version: '0',
  id: 'bench-envelope',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.kms',
  account: ACCOUNT,
  time: '2026-11-24T00:00:00Z',
  region: REGION,
  resources: [],
  detail: {
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/alice`, accountId: ACCOUNT },
    eventTime: '2026-11-24T00:00:00Z',
    eventSource: 'kms.amazonaws.com',
    eventName: 'PutKeyPolicy',
    awsRegion: REGION,
    requestParameters: { keyId: KEY_ID, policyName: 'default' },
    responseElements: null,
    eventID: 'bench-event-1',
    recipientAccountId: ACCOUNT,
    resources: [{ ARN: KEY_ARN, accountId: ACCOUNT, type: 'AWS::KMS::Key' }],
  },
};

/** A CreateGrant for an AWS service principal: the key's grants are listed again and judged. */
const createGrantEvent = {
  ...keyEvent,
  detail: {
    ...keyEvent.detail,
    eventName: 'CreateGrant',
    requestParameters: {
      keyId: KEY_ID,
      granteePrincipal: 'rds.us-east-1.amazonaws.com',
      operations: ['Decrypt'],
    },
    responseElements: { grantId: 'a'.repeat(64), keyId: KEY_ARN },
  },
};

const endpointEvent = {
  ...keyEvent,
  source: 'aws.ec2',
  detail: {
    ...keyEvent.detail,
    eventSource: 'ec2.amazonaws.com',
    eventName: 'ModifyVpcEndpoint',
    requestParameters: { ModifyVpcEndpointRequest: { VpcEndpointId: VPCE, PrivateDnsEnabled: true } },
    resources: undefined,
  },
};

type Handler = (event: unknown, context: Context) => Promise<unknown>;

interface Scenario {
  name: string;
  handler: 'key' | 'endpoint';
  setup(): void;
  /** The event sent (default: PutKeyPolicy for keys, ModifyVpcEndpoint for endpoints). */
  event?: unknown;
  target?: { reads: number; writes: number; publishes: number; text: string };
}

const kms = mockClient(KMSClient);
const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);

function keyMocks(policy: () => string, onPut?: (p: string) => void) {
  kms.on(DescribeKeyCommand).resolves({
    KeyMetadata: {
      KeyId: KEY_ID,
      Arn: KEY_ARN,
      AWSAccountId: ACCOUNT,
      KeyManager: 'CUSTOMER',
      KeyState: 'Enabled',
      Enabled: true,
    },
  });
  kms.on(GetKeyPolicyCommand).callsFake(() => ({ Policy: policy(), PolicyName: 'default' }));
  kms.on(ListResourceTagsCommand).resolves({ Tags: [], Truncated: false });
  kms.on(ListGrantsCommand).resolves({
    Grants: [
      { GrantId: 'a'.repeat(64), GranteePrincipal: 'rds.us-east-1.amazonaws.com', Operations: ['Decrypt'] },
    ],
    Truncated: false,
  });
  kms.on(PutKeyPolicyCommand).callsFake((input: { Policy: string }) => {
    onPut?.(input.Policy);
    return {};
  });
}

function endpointMocks(privateDns: () => boolean, onModify?: () => void) {
  ec2.on(DescribeVpcEndpointsCommand).callsFake(() => ({
    VpcEndpoints: [
      {
        VpcEndpointId: VPCE,
        VpcEndpointType: 'Interface',
        VpcId: 'vpc-0a1b2c3d',
        ServiceName: `com.amazonaws.${REGION}.kms`,
        State: 'available',
        PrivateDnsEnabled: privateDns(),
        RequesterManaged: false,
        OwnerId: ACCOUNT,
        PolicyDocument: JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: '*',
              Resource: '*',
              Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } },
            },
          ],
        }),
        Tags: [],
      },
    ],
  }));
  ec2
    .on(DescribeVpcAttributeCommand)
    .callsFake((input: { Attribute: string }) =>
      input.Attribute === 'enableDnsSupport'
        ? { EnableDnsSupport: { Value: true } }
        : { EnableDnsHostnames: { Value: true } },
    );
  ec2.on(ModifyVpcEndpointCommand).callsFake(() => {
    onModify?.();
    return { Return: true };
  });
}

const scenarios: Scenario[] = [
  {
    name: 'key event, compliant key',
    handler: 'key',
    setup: () => keyMocks(() => compliantPolicy),
    target: { reads: 3, writes: 0, publishes: 0, text: '<= 3 reads, 0 writes' },
  },
  {
    // ListGrants goes with GetKeyPolicy and ListResourceTags: 2 round trips, as for PutKeyPolicy.
    name: 'key event (CreateGrant), grants to AWS services only',
    handler: 'key',
    setup: () => keyMocks(() => compliantPolicy),
    event: createGrantEvent,
    target: { reads: 4, writes: 0, publishes: 0, text: '<= 4 reads (3 + ListGrants), 0 writes' },
  },
  {
    name: 'key event, remediation (external principal)',
    handler: 'key',
    // Each invocation starts from the non-compliant policy; the write is read back.
    setup: () => {
      let current = externalPolicy;
      let reads = 0;
      keyMocks(
        () => {
          reads++;
          const p = current;
          if (reads % 3 === 0) current = externalPolicy;
          return p;
        },
        (p) => {
          current = p;
        },
      );
    },
    target: { reads: 5, writes: 1, publishes: 1, text: '<= 6 calls + 1 SNS publish' },
  },
  {
    name: 'endpoint event, compliant endpoint',
    handler: 'endpoint',
    setup: () => endpointMocks(() => true),
  },
  {
    name: 'endpoint event, private DNS remediation',
    handler: 'endpoint',
    setup: () => {
      let on = false;
      let reads = 0;
      endpointMocks(
        () => {
          reads++;
          const v = on;
          if (reads % 3 === 0) on = false;
          return v;
        },
        () => {
          on = true;
        },
      );
    },
  },
];

const READS = new Set([
  'DescribeKeyCommand',
  'GetKeyPolicyCommand',
  'ListResourceTagsCommand',
  'ListGrantsCommand',
  'DescribeVpcEndpointsCommand',
  'DescribeVpcAttributeCommand',
]);
const WRITES = new Set(['PutKeyPolicyCommand', 'ModifyVpcEndpointCommand']);

function countCalls() {
  const names = [...kms.calls(), ...ec2.calls(), ...sns.calls()].map(
    (c) => (c.args[0] as object).constructor.name,
  );
  return {
    reads: names.filter((n) => READS.has(n)).length,
    writes: names.filter((n) => WRITES.has(n)).length,
    publishes: names.filter((n) => n === 'PublishBatchCommand').length,
    names,
  };
}

async function bundles(): Promise<{ name: string; kb: number; totalKb: number; file: string }[]> {
  const out: { name: string; kb: number; totalKb: number; file: string }[] = [];
  for (const name of ['key-events', 'endpoint-events']) {
    const dir = mkdtempSync(path.join(tmpdir(), `kpg-${name}-`));
    const result = await build({
      ...lambdaBuildOptions,
      sourcemap: false,
      entryPoints: [path.join(root, 'functions/handlers', `${name}.ts`)],
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      metafile: true,
      logLevel: 'error',
    });
    const outputs = result.metafile?.outputs ?? {};
    // Dynamically imported modules are entry points of their own in the metafile: pick the handler's.
    const entry = Object.entries(outputs).find(
      ([, o]) =>
        o.entryPoint === path.relative(process.cwd(), path.join(root, 'functions/handlers', `${name}.ts`)),
    );
    if (!entry) throw new Error(`no entry chunk for ${name}`);
    // What a cold start loads: the entry chunk and every chunk it imports statically (transitively);
    // dynamically imported chunks load on first use.
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const i of outputs[file]?.imports ?? [])
        if (i.kind === 'import-statement' && outputs[i.path]) visit(i.path);
    };
    visit(entry[0]);
    out.push({
      name,
      kb: [...loaded].reduce((sum, f) => sum + (outputs[f]?.bytes ?? 0), 0) / 1024,
      totalKb: Object.values(outputs).reduce((sum, o) => sum + o.bytes, 0) / 1024,
      file: path.resolve(entry[0]),
    });
  }
  return out;
}

/** Median wall time of `node <args>` over `runs` runs, bare and bundle interleaved so drift hits both. */
function initTimes(
  files: { name: string; file: string }[],
  runs: number,
): { bare: number; byName: Record<string, number> } {
  const env = { ...process.env, ...ENV };
  const time = (args: string[]) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const bare: number[] = [];
  const per: Record<string, number[]> = Object.fromEntries(files.map((f) => [f.name, []]));
  for (let i = 0; i < runs; i++) {
    bare.push(time(['-e', '0']));
    for (const f of files) {
      const loader = path.join(path.dirname(f.file), `load-${f.name}.mjs`);
      writeFileSync(loader, `await import(${JSON.stringify(f.file)});\n`);
      per[f.name]?.push(time([loader]));
    }
  }
  const med = (xs: number[]) => median([...xs].sort((a, b) => a - b));
  return { bare: med(bare), byName: Object.fromEntries(Object.entries(per).map(([k, v]) => [k, med(v)])) };
}

export async function run(options: { quick?: boolean } = {}): Promise<BenchTable> {
  Object.assign(process.env, ENV);
  const keyHandler = (await import('../functions/handlers/key-events.js')).handler as unknown as Handler;
  const endpointHandler = (await import('../functions/handlers/endpoint-events.js'))
    .handler as unknown as Handler;
  sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: { Id: string }[] }) => ({
    Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
    Failed: [],
  }));
  const rows: BenchTable['rows'] = [];
  const data: Record<string, unknown> = {};
  for (const s of scenarios) {
    kms.reset();
    ec2.reset();
    sns.resetHistory();
    s.setup();
    const handler = s.handler === 'key' ? keyHandler : endpointHandler;
    const event = s.event ?? (s.handler === 'key' ? keyEvent : endpointEvent);
    kms.resetHistory();
    ec2.resetHistory();
    await handler(event, context);
    const calls = countCalls();
    const awsCalls = calls.reads + calls.writes;
    const met = s.target
      ? s.target.writes === calls.writes &&
        calls.publishes <= s.target.publishes &&
        (s.target.writes === 0 ? calls.reads <= s.target.reads : awsCalls <= 6)
      : undefined;
    rows.push({
      name: `${s.name}: AWS calls`,
      value: awsCalls,
      unit: 'calls',
      detail: `${calls.reads} reads, ${calls.writes} writes, ${calls.publishes} SNS publish: ${calls.names.map((n) => n.replace(/Command$/, '')).join(', ')}`,
      ...(s.target ? { target: s.target.text, pass: met } : {}),
    });
    // Compute, not waiting: an event-triggered write first waits 0-400 ms at random (spreading
    // concurrent replays, engine/guard.ts REPLAY_JITTER_MS); Math.random = 0 makes that wait 0.
    const random = Math.random;
    Math.random = () => 0;
    const samples = await sampleAsync(() => handler(event, context), options.quick ? 100 : 1_000, 50).finally(
      () => {
        Math.random = random;
      },
    );
    const p99 = percentile(samples, 99);
    rows.push({
      name: `${s.name}: handler compute (zero-latency mocks), p99`,
      value: p99,
      unit: 'ms',
      detail: `median ${fmt(median(samples))} ms`,
      target: '<= 5 ms',
      pass: p99 <= 5,
    });
  }

  const built = await bundles();
  const init = initTimes(built, options.quick ? 5 : 15);
  for (const b of built) {
    const limitKb = b.name === 'key-events' ? 350 : 700;
    const limitInit = b.name === 'key-events' ? 2 : 2.5;
    rows.push({
      name: `${b.name} bundle (minified), loaded at cold start`,
      value: b.kb,
      unit: 'KB',
      detail: `all chunks ${b.totalKb.toFixed(1)} KB; the SNS and STS clients load on first use`,
      target: `<= ${limitKb} KB`,
      pass: b.kb <= limitKb,
    });
    const ratio = (init.byName[b.name] ?? Number.NaN) / init.bare;
    rows.push({
      name: `${b.name} init vs bare node`,
      value: ratio,
      unit: 'x',
      detail: `${fmt(init.byName[b.name] ?? Number.NaN, 1)} ms vs node -e 0 ${fmt(init.bare, 1)} ms (medians)`,
      target: `<= ${limitInit}x`,
      pass: ratio <= limitInit,
    });
  }
  data.initMs = init;
  return { title: 'Event guard (handlers)', rows, data };
}
