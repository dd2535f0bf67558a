/**
 * Protocol fidelity: the simulator driven by a client nobody here wrote — the AWS CLI from Debian's
 * `awscli` package (installed by .ci/run) — for the operations the guard uses.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsSimulator } from '../../tools/simulator/server.js';

const AWS = '/usr/bin/aws';
const available = existsSync(AWS);
if (!available && process.env.CI === 'true')
  throw new Error(`${AWS} not found: .ci/run installs Debian's awscli`);

const A = '111122223333';
const REGION = 'eu-west-1';
let sim: AwsSimulator;
let endpoint: string;

interface CliResult {
  status: number | null;
  json: Record<string, unknown>;
  stderr: string;
}

/**
 * Runs the CLI asynchronously: the simulator answers from this same process, so a synchronous
 * spawn would block the event loop it needs.
 */
function aws(...args: string[]): Promise<CliResult> {
  const creds = sim.credentialsFor(A);
  return new Promise((resolve) => {
    execFile(
      AWS,
      ['--endpoint-url', endpoint, '--region', REGION, '--output', 'json', ...args],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          AWS_ACCESS_KEY_ID: creds.accessKeyId,
          AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_PAGER: '',
          // One attempt: a retried error would only slow the refusal test down.
          AWS_MAX_ATTEMPTS: '1',
        },
      },
      (err, stdout, stderr) => {
        const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ status, json: stdout.trim() ? JSON.parse(stdout) : {}, stderr });
      },
    );
  });
}

describe.skipIf(!available)('AWS CLI (Debian awscli) against the simulator', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    sim = new AwsSimulator();
    endpoint = await sim.start();
    const root = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Root',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${A}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    };
    sim.estate.addKey({ keyId: 'k1', account: A, region: REGION, policy: JSON.stringify(root) });
    sim.estate.addEndpoint({
      id: 'vpce-0aaa',
      account: A,
      region: REGION,
      vpcId: 'vpc-1',
      privateDnsEnabled: false,
    });
    sim.estate.vpcs.set(`${A}:${REGION}:vpc-1`, { enableDnsSupport: true, enableDnsHostnames: true });
    // A VPC without DNS hostnames: AWS refuses private DNS on its endpoints.
    sim.estate.addEndpoint({
      id: 'vpce-0bbb',
      account: A,
      region: REGION,
      vpcId: 'vpc-2',
      privateDnsEnabled: false,
    });
    sim.estate.vpcs.set(`${A}:${REGION}:vpc-2`, { enableDnsSupport: true, enableDnsHostnames: false });
  });
  afterAll(() => sim.stop());

  it('ec2 describe-vpc-endpoints and modify-vpc-endpoint', async () => {
    const d = await aws(
      'ec2',
      'describe-vpc-endpoints',
      '--filters',
      `Name=service-name,Values=com.amazonaws.${REGION}.kms`,
    );
    expect(d.status, d.stderr).toBe(0);
    expect(d.json.VpcEndpoints).toEqual([
      expect.objectContaining({ VpcEndpointId: 'vpce-0aaa', PrivateDnsEnabled: false, VpcId: 'vpc-1' }),
      expect.objectContaining({ VpcEndpointId: 'vpce-0bbb', PrivateDnsEnabled: false, VpcId: 'vpc-2' }),
    ]);
    const m = await aws(
      'ec2',
      'modify-vpc-endpoint',
      '--vpc-endpoint-id',
      'vpce-0aaa',
      '--private-dns-enabled',
    );
    expect(m.status, m.stderr).toBe(0);
    expect(m.json).toEqual({ Return: true });
    expect(sim.estate.endpoints.get('vpce-0aaa')?.privateDnsEnabled).toBe(true);
  });

  it('kms list-keys, get-key-policy and put-key-policy (with the lockout check)', async () => {
    const l = await aws('kms', 'list-keys');
    expect(l.status, l.stderr).toBe(0);
    expect(l.json.Keys).toEqual([{ KeyId: 'k1', KeyArn: `arn:aws:kms:${REGION}:${A}:key/k1` }]);
    const g = await aws('kms', 'get-key-policy', '--key-id', 'k1', '--policy-name', 'default');
    expect(g.status, g.stderr).toBe(0);
    expect(JSON.parse(String(g.json.Policy)).Statement[0].Sid).toBe('Root');
    const next = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Root2',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${A}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
    const p = await aws(
      'kms',
      'put-key-policy',
      '--key-id',
      'k1',
      '--policy-name',
      'default',
      '--policy',
      next,
    );
    expect(p.status, p.stderr).toBe(0);
    expect(
      JSON.parse(
        String(
          (await aws('kms', 'get-key-policy', '--key-id', 'k1', '--policy-name', 'default')).json.Policy,
        ),
      ).Statement[0].Sid,
    ).toBe('Root2');
    const lockout = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::444455556666:root' },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
    const refused = await aws(
      'kms',
      'put-key-policy',
      '--key-id',
      'k1',
      '--policy-name',
      'default',
      '--policy',
      lockout,
    );
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/MalformedPolicyDocumentException/);
  });

  it('sns publish', async () => {
    const r = await aws(
      'sns',
      'publish',
      '--topic-arn',
      `arn:aws:sns:${REGION}:${A}:alerts`,
      '--message',
      'hello',
      '--subject',
      'test',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(String(r.json.MessageId)).toMatch(/[0-9a-f-]{36}/);
    expect(sim.estate.messages.at(-1)).toMatchObject({ message: 'hello', subject: 'test' });
  });

  it('error shapes: the CLI names the AWS error code of each protocol', async () => {
    const ec2 = await aws('ec2', 'describe-vpc-endpoints', '--vpc-endpoint-ids', 'vpce-0missing');
    expect(ec2.status).not.toBe(0);
    expect(ec2.stderr).toMatch(/InvalidVpcEndpointId\.NotFound.*vpce-0missing/);
    const kms = await aws('kms', 'get-key-policy', '--key-id', 'nope', '--policy-name', 'default');
    expect(kms.status).not.toBe(0);
    expect(kms.stderr).toMatch(/NotFoundException/);
    const dns = await aws(
      'ec2',
      'modify-vpc-endpoint',
      '--vpc-endpoint-id',
      'vpce-0bbb',
      '--private-dns-enabled',
    );
    expect(dns.status).not.toBe(0);
    expect(dns.stderr).toMatch(/InvalidParameter.*enableDnsSupport and enableDnsHostnames/);
  });
});
