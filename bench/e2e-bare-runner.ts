/**
 * The yardstick of the end-to-end sweep: a bare loop of the real SDK clients making the calls the
 * guard's sweep made (per operation, as its report counted them) against the same simulator, with
 * the same client configuration, the same concurrency (32) and no guard code: no rate limiter, no
 * judging, no report; keys are started no faster than `keysPerSecond` (the guard's GetKeyPolicy
 * rate, which sets the floor), so that neither loop is throttled more than the other. What the
 * guard's sweep costs beyond this is the guard's own.
 * `node e2e-bare-runner.mjs <endpointUrl> <region> <callsJson> <keysPerSecond>`. Prints one JSON line.
 */
import { DescribeVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { sdkConfig } from '../functions/adapters/client-config.js';
import { nowMs } from './lib.js';

const [endpointUrl, region, callsJson, rate] = process.argv.slice(2);
if (!endpointUrl || !region || !callsJson || !rate)
  throw new Error('usage: e2e-bare-runner <endpointUrl> <region> <callsJson> <keysPerSecond>');
const keysPerSecond = Number(rate);
const calls = JSON.parse(callsJson) as Record<string, number>;

const options = { region, endpoint: endpointUrl };
const kms = new KMSClient(sdkConfig(options));
const ec2 = new EC2Client(sdkConfig(options));

const cpu0 = process.cpuUsage();
const t0 = nowMs();
const made: Record<string, number> = {};
const count = (op: string) => {
  made[op] = (made[op] ?? 0) + 1;
};

// The listings, every page.
const keyIds: string[] = [];
let marker: string | undefined;
do {
  const out = await kms.send(new ListKeysCommand({ Limit: 1000, ...(marker ? { Marker: marker } : {}) }));
  count('kms:ListKeys');
  for (const k of out.Keys ?? []) if (k.KeyId) keyIds.push(k.KeyId);
  marker = out.Truncated ? out.NextMarker : undefined;
} while (marker);
// One ListAliases listing, as the guard makes per account-region.
let aliasMarker: string | undefined;
do {
  const out = await kms.send(
    new ListAliasesCommand({ Limit: 100, ...(aliasMarker ? { Marker: aliasMarker } : {}) }),
  );
  count('kms:ListAliases');
  aliasMarker = out.Truncated ? out.NextMarker : undefined;
} while (aliasMarker);
let token: string | undefined;
do {
  const out = await ec2.send(
    new DescribeVpcEndpointsCommand({
      Filters: [{ Name: 'vpc-endpoint-type', Values: ['Interface'] }],
      ...(token ? { NextToken: token } : {}),
    }),
  );
  count('ec2:DescribeVpcEndpoints');
  token = out.NextToken;
} while (token);

// Per key, the calls the guard made, spread over the keys as its counts say (n calls of an
// operation: the first n keys), at the guard's concurrency.
const perKey: [string, (id: string) => Promise<unknown>][] = [
  ['kms:DescribeKey', (id) => kms.send(new DescribeKeyCommand({ KeyId: id }))],
  ['kms:GetKeyPolicy', (id) => kms.send(new GetKeyPolicyCommand({ KeyId: id, PolicyName: 'default' }))],
  ['kms:ListResourceTags', (id) => kms.send(new ListResourceTagsCommand({ KeyId: id, Limit: 50 }))],
  ['kms:ListGrants', (id) => kms.send(new ListGrantsCommand({ KeyId: id, Limit: 100 }))],
];
let next = 0;
async function worker() {
  while (next < keyIds.length) {
    const i = next++;
    const id = keyIds[i] as string;
    const due = t0 + (i * 1000) / keysPerSecond - nowMs();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
    for (const [op, send] of perKey) {
      if (i >= (calls[op] ?? 0)) continue;
      await send(id);
      count(op);
    }
  }
}
await Promise.all(Array.from({ length: 32 }, worker));
const elapsed = (nowMs() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ elapsed, cpuSeconds: (cpu.user + cpu.system) / 1e6, calls: made })}\n`,
);
