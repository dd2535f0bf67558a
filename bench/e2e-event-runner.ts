/**
 * Event-to-remediation latency: CloudTrail events through the real Lambda handlers (middy, the
 * pipeline, the real SDK clients) to the AWS estate simulator answering every call after 20 ms.
 * Bundled and run by `e2e.bench.ts` in its own process (simulator and handlers share it; the
 * simulator's own work is well under a millisecond per call):
 * `node e2e-event-runner.mjs <samples>`. Prints one JSON line.
 */
import { cloudTrailEvent } from '../tools/cloudtrail-event.js';
import { AwsSimulator } from '../tools/simulator/server.js';
import { nowMs } from './lib.js';

const LATENCY_MS = 20;
const OWN = '111122223333';
const OUTSIDER = '999900001111';
const REGION = 'us-east-1';
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const VPCE = 'vpce-0a1b2c3d4e5f6a7b8';
const VPC = 'vpc-0a1b2c3d';
const samples = Number(process.argv[2] ?? 40);

const root = {
  Sid: 'EnableIAMPolicies',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${OWN}:root` },
  Action: 'kms:*',
  Resource: '*',
};
const policy = (...statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

const sim = new AwsSimulator({ latencyMs: LATENCY_MS });
const endpointUrl = await sim.start();
sim.estate.regions = [REGION];
const key = sim.estate.addKey({ keyId: KEY, account: OWN, region: REGION, policy: policy(root) });
const endpoint = sim.estate.addEndpoint({
  id: VPCE,
  account: OWN,
  region: REGION,
  vpcId: VPC,
  policyDocument: policy({
    Effect: 'Allow',
    Principal: '*',
    Action: '*',
    Resource: '*',
    Condition: { StringEquals: { 'aws:PrincipalAccount': OWN } },
  }),
});
sim.estate.vpcs.set(`${OWN}:${REGION}:${VPC}`, { enableDnsSupport: true, enableDnsHostnames: true });

const creds = sim.credentialsFor(OWN);
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: creds.accessKeyId,
  AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
  AWS_REGION: REGION,
  GUARD_AWS_ENDPOINT_URL: endpointUrl,
  ALERT_TOPIC_ARN: `arn:aws:sns:${REGION}:${OWN}:kms-perimeter-guard-alerts`,
  GUARD_CONFIG: JSON.stringify({
    trust: { accounts: [OWN] },
    network: { vpceIds: [VPCE] },
    rules: {
      'endpoint-private-dns': 'remediate',
      'endpoint-no-external-principals': 'remediate',
      'key-no-external-principals': 'remediate',
      'key-crypto-via-vpce': 'off',
      'key-sourceip-ineffective': 'alert',
    },
  }),
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
});
type Handler = (
  event: unknown,
  context: unknown,
) => Promise<{ resources: { rules: Record<string, string> }[] }>;
const keyHandler = (await import('../functions/handlers/key-events.js')).handler as unknown as Handler;
const endpointHandler = (await import('../functions/handlers/endpoint-events.js'))
  .handler as unknown as Handler;
const context = {
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${OWN}:function:bench`,
  functionName: 'bench',
  awsRequestId: 'bench',
};

const event = (source: 'kms' | 'ec2', eventName: string, requestParameters: unknown) =>
  cloudTrailEvent(eventName, OWN, REGION, requestParameters, source);
let edits = 0;

interface Scenario {
  name: string;
  /** What a person changed just before the event (straight into the simulator's state). */
  change(): void;
  invoke(): Promise<{ resources: { rules: Record<string, string> }[] }>;
  /** The rule and status the guard must reach for a sample to count. */
  expect: [string, string];
}
const partner = {
  Sid: 'SharedWithPartner',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${OUTSIDER}:root` },
  Action: 'kms:Decrypt',
  Resource: '*',
};
const scenarios: Scenario[] = [
  {
    name: 'PutKeyPolicy granting an outside account: remediated',
    change: () => {
      key.policy = policy(root, partner);
    },
    invoke: () => keyHandler(event('kms', 'PutKeyPolicy', { keyId: KEY, policyName: 'default' }), context),
    expect: ['key-no-external-principals', 'remediated'],
  },
  {
    name: 'ModifyVpcEndpoint turning private DNS off: remediated',
    change: () => {
      endpoint.privateDnsEnabled = false;
    },
    invoke: () =>
      endpointHandler(
        event('ec2', 'ModifyVpcEndpoint', {
          ModifyVpcEndpointRequest: { VpcEndpointId: VPCE, PrivateDnsEnabled: false },
        }),
        context,
      ),
    expect: ['endpoint-private-dns', 'remediated'],
  },
  {
    name: 'PutKeyPolicy that stays compliant: judged, nothing written',
    change: () => {
      key.policy = policy(root, { ...root, Sid: `Admins${++edits}` });
    },
    invoke: () => keyHandler(event('kms', 'PutKeyPolicy', { keyId: KEY, policyName: 'default' }), context),
    expect: ['key-no-external-principals', 'compliant'],
  },
];

/** Calls grouped into sequential round trips: a call that starts before the group's last answer overlaps it. */
function roundTrips(log: { call: string; start: number; end: number }[]): string[][] {
  const groups: { calls: string[]; end: number }[] = [];
  for (const c of [...log].sort((a, b) => a.start - b.start)) {
    const last = groups.at(-1);
    if (last && c.start < last.end) {
      last.calls.push(c.call);
      last.end = Math.max(last.end, c.end);
    } else groups.push({ calls: [c.call], end: c.end });
  }
  return groups.map((g) => g.calls);
}

const results = [];
for (const s of scenarios) {
  const times: number[] = [];
  let ok = 0;
  let trips: string[][] = [];
  let cold: number | undefined;
  for (let i = 0; i < samples + 1; i++) {
    s.change();
    sim.callLog = [];
    const t0 = nowMs();
    const out = await s.invoke();
    const ms = nowMs() - t0;
    if (out.resources[0]?.rules[s.expect[0]] === s.expect[1]) ok++;
    // The first event of the first scenario meets cold clients (connections, lazily loaded SNS/STS).
    if (i === 0) cold = ms;
    else times.push(ms);
    trips = roundTrips(sim.callLog);
  }
  results.push({
    name: s.name,
    samples: times.sort((a, b) => a - b),
    firstMs: cold,
    asExpected: ok,
    roundTrips: trips,
  });
}
await sim.stop();
process.stdout.write(`${JSON.stringify({ latencyMs: LATENCY_MS, scenarios: results })}\n`);
