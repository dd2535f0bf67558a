/**
 * The Lambda bundle as deployed (the deployment's esbuild options, code splitting): the entry loads,
 * and a lazily loaded chunk (the SNS client, loaded to report an event it cannot understand) resolves.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../infra/esbuild-options.mjs';

describe('Lambda bundle', () => {
  it('key-events: the entry chunk initialises and the SNS chunk loads on first alert', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kpg-bundle-test-'));
    await build({
      ...lambdaBuildOptions,
      sourcemap: false,
      entryPoints: ['functions/handlers/key-events.ts'],
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      logLevel: 'error',
    });
    const runner = path.join(dir, 'run.mjs');
    writeFileSync(
      runner,
      `const { handler } = await import('./key-events.mjs');
const out = await handler({ 'detail-type': 'AWS API Call via CloudTrail', detail: { eventID: 'e-1' } },
  { invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:guard', functionName: 'guard', awsRequestId: 'r' });
process.stdout.write('RESULT ' + JSON.stringify(out));
`,
    );
    const run = spawnSync(process.execPath, [runner], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? '',
        GUARD_CONFIG: JSON.stringify({ trust: { accounts: ['111122223333'] } }),
        ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:alerts',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDTEST',
        AWS_SECRET_ACCESS_KEY: 'test',
        // Nothing listens here: the publish fails fast, after the SNS chunk has been loaded and used.
        GUARD_AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        POWERTOOLS_METRICS_DISABLED: 'true',
        AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
      },
    });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.slice(run.stdout.indexOf('RESULT ') + 'RESULT '.length));
    expect(out).toMatchObject({ kind: 'invalid', alertsPublished: 0, alertsFailed: 1 });
    // The publish reached the network (connection refused), so the lazily loaded client was there.
    const logs = `${run.stdout}\n${run.stderr}`;
    expect(logs).toMatch(/sns:PublishBatch .* failed with ECONNREFUSED/);
    expect(logs).not.toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/);
  }, 60_000);
});
