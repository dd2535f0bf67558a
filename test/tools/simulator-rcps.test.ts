/**
 * The simulator serves the Organizations calls for RCPs on the real wire protocol: the guard's RCP
 * reader through the unmodified SDK client, and a sweep whose key is protected only by an RCP.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganizationsClient } from '../../functions/adapters/index.js';
import { createRcpReader } from '../../functions/adapters/rcps.js';
import { AwsSimulator } from '../../tools/simulator/server.js';

const MANAGEMENT = '999988887777';
const MEMBER = '111122223333';
const OTHER_MEMBER = '222233334444';
const identity = JSON.parse(
  readFileSync(new URL('../fixtures/rcps/identity-perimeter.json', import.meta.url), 'utf8'),
) as { Policy: { Content: string } };

let sim: AwsSimulator;
let endpoint: string;

beforeAll(async () => {
  sim = new AwsSimulator();
  endpoint = await sim.start();
  const e = sim.estate;
  e.accounts = [
    { id: MANAGEMENT, status: 'ACTIVE' },
    { id: MEMBER, status: 'ACTIVE' },
    { id: OTHER_MEMBER, status: 'ACTIVE' },
  ];
  e.organization = {
    ...e.organization,
    managementAccount: MANAGEMENT,
    rcpsEnabled: true,
    parents: { 'ou-sim0-workload1': 'r-sim0', [MEMBER]: 'ou-sim0-workload1' },
    policies: { 'p-identityperim1': { name: 'identity-perimeter', content: identity.Policy.Content } },
    attachments: { 'ou-sim0-workload1': ['p-identityperim1'] },
  };
});
afterAll(() => sim.stop());

const reader = () =>
  createRcpReader(
    createOrganizationsClient({
      region: 'us-east-1',
      endpoint,
      credentials: sim.credentialsFor(MANAGEMENT),
      maxAttempts: 1,
    }),
  );

describe('simulator: Organizations RCP calls through the real SDK', () => {
  it('a member under the OU gets the OU RCP; RCPFullAWSAccess is recognised at every level', async () => {
    const got = await reader()(MEMBER);
    expect(got.kind).toBe('rcps');
    if (got.kind === 'rcps') expect(got.rcps.map((r) => r.name)).toEqual(['p-identityperim1']);
  });

  it('a member directly under the root gets no RCP besides full access', async () => {
    expect(await reader()(OTHER_MEMBER)).toEqual({ kind: 'rcps', rcps: [] });
  });

  it('the management account: RCPs do not apply', async () => {
    expect((await reader()(MANAGEMENT)).kind).toBe('none');
  });

  it('an account outside the organization: ChildNotFoundException becomes none', async () => {
    expect(await reader()('444455556666')).toMatchObject({ kind: 'none' });
  });
});

describe('sweep with organization.rcps "read" on the simulator', () => {
  const keyId = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Root',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${MEMBER}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'Partner',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::444455556666:role/partner' },
        Action: 'kms:Decrypt',
        Resource: '*',
      },
    ],
  });
  const config = (rcps: 'read' | 'ignore') =>
    JSON.stringify({
      trust: { accounts: [MEMBER], organizationIds: ['o-a1b2c3d4e5'] },
      rules: {
        'key-no-external-principals': 'remediate',
        'key-crypto-via-vpce': 'off',
        'key-sourceip-ineffective': 'off',
      },
      organization: { rcps },
      sweep: { regions: ['us-east-1'] },
    });
  const env = () => ({
    AWS_ACCESS_KEY_ID: `AKIASIM${MEMBER}`,
    AWS_SECRET_ACCESS_KEY: 'simulator',
    AWS_REGION: 'us-east-1',
  });
  // The SDK's credential chain reads the process environment, as the estate test does.
  const saved = { ...process.env };
  beforeAll(() => {
    sim.credentialsFor(MEMBER);
    Object.assign(process.env, env());
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
  });
  afterAll(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  const sweep = async (rcps: 'read' | 'ignore') => {
    const { runCli } = await import('../cli/helpers.js');
    return runCli(
      ['sweep', '--config', 'cfg.json', '--endpoint-url', endpoint, '--remediate', '--format', 'json'],
      { 'cfg.json': config(rcps) },
      env(),
    );
  };

  it('a key protected only by the RCP is reported with protectedBy and not remediated', async () => {
    sim.estate.addKey({ keyId, account: MEMBER, region: 'us-east-1', policy });
    const run = await sweep('read');
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      resources: {
        id: string;
        results: Record<string, { status: string; protectedBy?: { policy: string }[] }>;
      }[];
      apiCalls: Record<string, number>;
    };
    const key = report.resources.find((r) => r.id === keyId);
    expect(key?.results['key-no-external-principals']).toMatchObject({
      status: 'compliant',
      protectedBy: [{ policy: 'p-identityperim1' }],
    });
    expect(report.apiCalls['organizations:DescribePolicy']).toBe(1);
    expect(sim.estate.keys.get(keyId)?.policy).toBe(policy);
    const schema = JSON.parse(
      readFileSync(new URL('../../schema/sweep-report.v1.schema.json', import.meta.url), 'utf8'),
    );
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the text report says which key is blocked only by which RCP', async () => {
    const { runCli } = await import('../cli/helpers.js');
    const run = await runCli(
      ['sweep', '--config', 'cfg.json', '--endpoint-url', endpoint],
      { 'cfg.json': config('read') },
      env(),
    );
    expect(run.stdout).toMatch(
      new RegExp(
        `BLOCKED-ONLY-BY-RCP key-no-external-principals kms-key \\S+${keyId}: blocked only by RCP p-identityperim1 \\(EnforceOrgIdentities\\): .*444455556666:role/partner`,
      ),
    );
  });

  it('the same key with organization.rcps "ignore" is remediated', async () => {
    const run = await sweep('ignore');
    const report = JSON.parse(run.stdout) as {
      resources: { id: string; results: Record<string, { status: string }> }[];
    };
    expect(report.resources.find((r) => r.id === keyId)?.results['key-no-external-principals']?.status).toBe(
      'remediated',
    );
    expect(sim.estate.keys.get(keyId)?.policy).not.toBe(policy);
  });
});
