/**
 * The Lambda bundle as deployed (the deployment's esbuild options, code splitting): the entry loads,
 * and the lazily loaded chunks resolve: the SNS client (loaded to report an event it cannot
 * understand), and the planner, the remediation modules and the alert rendering (loaded by the
 * first finding), against the AWS simulator through the real SDK clients.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../infra/esbuild-options.mjs';
import { cloudTrailEvent } from '../../tools/cloudtrail-event.js';
import { AwsSimulator } from '../../tools/simulator/server.js';

const OWN = '111122223333';
const OUTSIDER = '999900001111';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const CONTEXT = {
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${OWN}:function:guard`,
  functionName: 'guard',
  awsRequestId: 'r',
};

let dir: string;

/** execFile as a promise that also resolves on a non-zero exit, with its code. */
const run_ = (file: string, args: string[], options: Parameters<typeof execFile>[2] & { encoding: 'utf8' }) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(file, args, options, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kpg-bundle-test-'));
  await build({
    ...lambdaBuildOptions,
    sourcemap: false,
    entryPoints: ['functions/handlers/key-events.ts'],
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
}, 60_000);

/**
 * Runs the bundled handler on `event` in a fresh Node process (a cold start) and returns its result.
 * Asynchronously: the simulator answering the handler's calls runs in this process.
 */
async function invokeBundle(event: unknown, env: Record<string, string>) {
  const runner = path.join(dir, `run-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    runner,
    `const { handler } = await import('./key-events.mjs');
const out = await handler(${JSON.stringify(event)}, ${JSON.stringify(CONTEXT)});
process.stdout.write('RESULT ' + JSON.stringify(out));
`,
  );
  const run = await run_(process.execPath, [runner], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
      ...env,
    },
  });
  expect(run.code, run.stderr).toBe(0);
  const logs = `${run.stdout}\n${run.stderr}`;
  expect(logs).not.toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/);
  return { out: JSON.parse(run.stdout.slice(run.stdout.indexOf('RESULT ') + 'RESULT '.length)), logs };
}

describe('Lambda bundle', () => {
  it('key-events: the entry chunk initialises and the SNS chunk loads on first alert', async () => {
    const { out, logs } = await invokeBundle(
      { 'detail-type': 'AWS API Call via CloudTrail', detail: { eventID: 'e-1' } },
      {
        GUARD_CONFIG: JSON.stringify({ trust: { accounts: [OWN] } }),
        ALERT_TOPIC_ARN: `arn:aws:sns:us-east-1:${OWN}:alerts`,
        AWS_ACCESS_KEY_ID: 'AKIDTEST',
        AWS_SECRET_ACCESS_KEY: 'test',
        // Nothing listens here: the publish fails fast, after the SNS chunk has been loaded and used.
        GUARD_AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      },
    );
    expect(out).toMatchObject({ kind: 'invalid', alertsPublished: 0, alertsFailed: 1 });
    // The publish reached the network (connection refused), so the lazily loaded client was there.
    expect(logs).toMatch(/sns:PublishBatch .* failed with ECONNREFUSED/);
  }, 60_000);

  describe('key-events against the simulator', () => {
    const sim = new AwsSimulator();
    let endpoint: string;
    beforeAll(async () => {
      endpoint = await sim.start();
    });
    afterAll(() => sim.stop());

    const env = () => {
      const creds = sim.credentialsFor(OWN);
      return {
        GUARD_CONFIG: JSON.stringify({
          trust: { accounts: [OWN] },
          rules: { 'key-no-external-principals': 'remediate', 'key-crypto-via-vpce': 'off' },
        }),
        ALERT_TOPIC_ARN: `arn:aws:sns:us-east-1:${OWN}:alerts`,
        AWS_ACCESS_KEY_ID: creds.accessKeyId,
        AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
        GUARD_AWS_ENDPOINT_URL: endpoint,
      };
    };
    const putKeyPolicy = () =>
      cloudTrailEvent('PutKeyPolicy', OWN, 'us-east-1', { keyId: KEY_ID, policyName: 'default' }, 'kms');
    const root = {
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OWN}:root` },
      Action: 'kms:*',
      Resource: '*',
    };

    it('a compliant key: judged, nothing planned, written or alerted', async () => {
      sim.estate.addKey({
        keyId: KEY_ID,
        account: OWN,
        region: 'us-east-1',
        policy: JSON.stringify({ Version: '2012-10-17', Statement: [root] }),
      });
      const before = sim.estate.messages.length;
      const { out } = await invokeBundle(putKeyPolicy(), env());
      expect(out.resources[0].rules['key-no-external-principals']).toBe('compliant');
      expect(out.resources[0].writes).toBe(0);
      expect(sim.estate.messages.length).toBe(before);
    }, 60_000);

    it('a finding: the planner, the remediation and the alert chunks load; remediated and alerted', async () => {
      const partner = {
        Sid: 'Partner',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OUTSIDER}:root` },
        Action: 'kms:Decrypt',
        Resource: '*',
      };
      sim.estate.addKey({
        keyId: KEY_ID,
        account: OWN,
        region: 'us-east-1',
        policy: JSON.stringify({ Version: '2012-10-17', Statement: [root, partner] }),
      });
      const before = sim.estate.messages.length;
      const { out } = await invokeBundle(putKeyPolicy(), env());
      expect(out.resources[0].rules['key-no-external-principals']).toBe('remediated');
      expect(out.resources[0].writes).toBe(1);
      expect(out.alertsPublished).toBeGreaterThanOrEqual(1);
      const live = JSON.parse(sim.estate.findKey(KEY_ID, OWN, 'us-east-1')?.policy ?? '{}') as {
        Statement: { Sid?: string; Effect: string }[];
      };
      // The original statements are kept verbatim; a guard-owned Deny is added.
      expect(live.Statement).toEqual(expect.arrayContaining([root, partner]));
      expect(live.Statement.filter((x) => x.Effect === 'Deny').length).toBeGreaterThan(0);
      expect(
        sim.estate.messages
          .slice(before)
          .map((m) => m.subject ?? '')
          .join('\n'),
      ).toMatch(/key-no-external-principals/);
    }, 60_000);
  });
});
