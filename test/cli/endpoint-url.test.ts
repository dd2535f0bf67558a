/**
 * `--endpoint-url` pointing at something that is not an AWS API: one sentence naming the URL, exit
 * 2, no SDK internals. Real SDK clients against a real local HTTP server (no mocks in this file).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

let server: Server;
let url: string;
const CONFIG = JSON.stringify({ trust: { accounts: ['111122223333'] }, sweep: { regions: ['us-east-1'] } });

beforeAll(async () => {
  // A web page, whatever is asked.
  server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>It works!</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: 'us-east-1',
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const oneSentence = (stderr: string) => {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/Deserialization|\$response|<html>|TypeError|SyntaxError/);
  return lines[0];
};

describe('--endpoint-url that answers something other than AWS', () => {
  it.each([
    ['sweep', ['sweep', '--config', 'cfg.json']],
    ['trails', ['trails', '--regions', 'us-east-1,eu-west-1']],
  ])('%s: exit 2 with one sentence naming the URL', async (command, argv) => {
    const run = await runCli([...argv, '--endpoint-url', url], { 'cfg.json': CONFIG });
    expect(run.code).toBe(2);
    expect(oneSentence(run.stderr)).toBe(
      `kms-perimeter-guard ${command}: ${url} answered, but not as an AWS API: is --endpoint-url the address of an AWS-compatible endpoint?`,
    );
    expect(run.stdout).toBe('');
  });

  it('nothing listening: one sentence naming the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const run = await runCli([
      'trails',
      '--regions',
      'us-east-1',
      '--endpoint-url',
      `http://127.0.0.1:${port}`,
    ]);
    expect(run.code).toBe(2);
    expect(oneSentence(run.stderr)).toBe(
      `kms-perimeter-guard trails: cannot connect to http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
  });
});
