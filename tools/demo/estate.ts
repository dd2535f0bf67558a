/**
 * The demo's embedded estate: 3 accounts x 2 regions of KMS keys and KMS VPC endpoints, compliant
 * and not, with AWS-managed keys and one key the guard may not read. Used by `npm run demo`, the
 * fault-run tests and the end-to-end benchmarks.
 */

import { parseConfig } from '../../functions/config/load.js';
import type { GuardConfig } from '../../functions/config/schema.js';
import type { SimKey } from '../simulator/estate.js';
import type { AwsSimulator } from '../simulator/server.js';

export const OWN = '111122223333';
export const MEMBERS = ['222233334444', '555566667777'];
export const OUTSIDER = '999900001111';
export const REGIONS = ['us-east-1', 'eu-west-1'];
export const ORG = 'o-demo000001';
export const ROLE = 'KmsPerimeterGuardMember';
export const TOPIC = `arn:aws:sns:us-east-1:${OWN}:kms-perimeter-guard-alerts`;

export const statement = {
  root: (account: string) => ({
    Sid: 'EnableIAMPolicies',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:root` },
    Action: 'kms:*',
    Resource: '*',
  }),
  partner: {
    Sid: 'SharedWithPartner',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${OUTSIDER}:root` },
    Action: ['kms:Decrypt', 'kms:DescribeKey'],
    Resource: '*',
  },
  anyone: {
    Sid: 'AnyoneViaS3',
    Effect: 'Allow',
    Principal: '*',
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
  },
  organization: {
    Sid: 'SharedWithTheOrganization',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: ['kms:Decrypt', 'kms:DescribeKey'],
    Resource: '*',
    Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
  },
  officeIp: {
    Sid: 'OfficeOnly',
    Effect: 'Deny',
    Principal: '*',
    Action: 'kms:*',
    Resource: '*',
    Condition: {
      NotIpAddress: { 'aws:SourceIp': '198.51.100.0/24' },
      Bool: { 'aws:ViaAWSService': 'false' },
    },
  },
  vpceOnly: (vpce: string) => ({
    Sid: 'CryptoOnlyThroughOurEndpoint',
    Effect: 'Deny',
    Principal: '*',
    Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
    Resource: '*',
    Condition: {
      StringNotEqualsIfExists: { 'aws:SourceVpce': vpce },
      BoolIfExists: { 'aws:ViaAWSService': 'false' },
    },
  }),
};
/** A grant id in KMS's format (64 hex digits). */
/**
 * The identity perimeter of the AWS data-perimeter examples as an RCP (resource_control_policies/
 * identity_perimeter_rcp.json, KMS statement): no principal outside the organization or the
 * trusted accounts may use the organization's keys.
 */
export const identityPerimeterRcp = (org: string, accounts: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EnforceOrgIdentities',
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:*',
        Resource: '*',
        Condition: {
          StringNotEqualsIfExists: { 'aws:PrincipalOrgID': org, 'aws:PrincipalAccount': accounts },
          BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
        },
      },
    ],
  });

export const demoGrantId = (n: number) => n.toString(16).padStart(64, '0');

export const policy = (...statements: unknown[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);

/** An AWS-managed key's policy: AWS names it `auto-<service>-<n>` (`auto-ebs-1`). */
const awsManagedPolicy = (...statements: unknown[]) =>
  JSON.stringify({ Version: '2012-10-17', Id: 'auto-ebs-1', Statement: statements }, null, 2);

export function seedDemoEstate(sim: AwsSimulator): void {
  const e = sim.estate;
  e.regions = REGIONS;
  e.accounts = [OWN, ...MEMBERS].map((id) => ({ id, status: 'ACTIVE' as const }));
  // The organization, RCPs enabled: RCPFullAWSAccess everywhere and no customer RCP yet (the demo
  // attaches one when it shows a key protected only by an RCP). The guard's account manages it.
  e.organization = {
    id: ORG,
    managementAccount: OWN,
    rootId: 'r-demo',
    rcpsEnabled: true,
    parents: {},
    policies: {},
    attachments: {},
  };
  for (const m of MEMBERS) e.roles.set(m, new Set([ROLE]));
  let n = 0;
  const key = (account: string, region: string, policy: string, extra: Partial<SimKey> = {}) =>
    e.addKey({
      keyId: `${String(++n).padStart(8, '0')}-de00-4000-8000-000000000000`,
      account,
      region,
      policy,
      ...extra,
    });
  for (const account of [OWN, ...MEMBERS]) {
    for (const region of REGIONS) {
      const vpce = `vpce-0${account.slice(0, 4)}${region === 'us-east-1' ? 'aa' : 'bb'}00000001`;
      const vpc = `vpc-0${account.slice(0, 4)}${region === 'us-east-1' ? 'aa' : 'bb'}`;
      e.vpcs.set(`${account}:${region}:${vpc}`, {
        enableDnsSupport: true,
        enableDnsHostnames: !(account === MEMBERS[1] && region === 'eu-west-1'),
      });
      e.addEndpoint({
        id: vpce,
        account,
        region,
        vpcId: vpc,
        privateDnsEnabled: !(account !== OWN && region === 'eu-west-1'),
        policyDocument:
          account === MEMBERS[0] && region === 'us-east-1'
            ? JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] })
            : JSON.stringify({
                Statement: [
                  {
                    Effect: 'Allow',
                    Principal: '*',
                    Action: '*',
                    Resource: '*',
                    Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
                  },
                ],
              }),
      });
      // Compliant keys (crypto only through the account's endpoint).
      for (let i = 0; i < 4; i++)
        key(account, region, policy(statement.root(account), statement.vpceOnly(vpce)));
      // The AWS-managed key of the region, its policy with the `auto-<service>-<n>` Id AWS gives them.
      key(
        account,
        region,
        awsManagedPolicy({
          Sid: 'Allow access through EBS',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'kms:*',
          Resource: '*',
          Condition: {
            StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': `ec2.${region}.amazonaws.com` },
          },
        }),
        { keyManager: 'AWS' },
      );
      // Problems, spread over the estate.
      if (region === 'us-east-1')
        key(account, region, policy(statement.root(account), statement.vpceOnly(vpce), statement.partner));
      if (account === MEMBERS[0])
        key(account, region, policy(statement.root(account), statement.vpceOnly(vpce), statement.anyone));
      if (account === OWN && region === 'eu-west-1')
        key(account, region, policy(statement.root(account), statement.vpceOnly(vpce), statement.officeIp));
      if (account === MEMBERS[1] && region === 'us-east-1')
        key(account, region, policy(statement.root(account)));
      // Shared with the whole organization: inside the perimeter, compliant.
      if (account !== OWN && region === 'us-east-1')
        key(
          account,
          region,
          policy(statement.root(account), statement.vpceOnly(vpce), statement.organization),
        );
    }
  }
  const endpoint = (id: string, account: string, region: string, vpcId: string, policyDocument?: string) =>
    e.addEndpoint({
      id,
      account,
      region,
      vpcId,
      ...(policyDocument === undefined ? {} : { policyDocument }),
    });
  // A second endpoint in the own account whose policy names an outside account.
  endpoint(
    `vpce-0${OWN.slice(0, 4)}aa00000002`,
    OWN,
    'us-east-1',
    `vpc-0${OWN.slice(0, 4)}aa`,
    JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${OUTSIDER}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    }),
  );
  // One created without a policy: AWS gives it full access for any principal.
  endpoint(
    `vpce-0${(MEMBERS[0] as string).slice(0, 4)}bb00000002`,
    MEMBERS[0] as string,
    'eu-west-1',
    `vpc-0${(MEMBERS[0] as string).slice(0, 4)}bb`,
  );
  // Grants on one key of the own account: to an AWS service and to an own role (inside the
  // perimeter), and to a role of an outside account (a finding the key policy does not show).
  const granted = [...e.keys.values()].find(
    (k) => k.account === OWN && k.region === 'us-east-1' && k.keyManager === 'CUSTOMER',
  );
  if (granted) {
    granted.grants = [
      {
        grantId: demoGrantId(1),
        granteePrincipal: 'rds.us-east-1.amazonaws.com',
        operations: ['Decrypt', 'GenerateDataKey'],
      },
      { grantId: demoGrantId(2), granteePrincipal: `arn:aws:iam::${OWN}:role/app`, operations: ['Decrypt'] },
      {
        grantId: demoGrantId(3),
        name: 'partner-etl',
        granteePrincipal: `arn:aws:iam::${OUTSIDER}:role/partner-etl`,
        operations: ['Decrypt', 'CreateGrant'],
      },
    ];
  }
  // One key the guard's role may not read.
  key(MEMBERS[1] as string, 'eu-west-1', policy(statement.root(MEMBERS[1] as string)), { denyRead: true });
}

export const demoConfig = (endpointIds: string[]): GuardConfig =>
  parseConfig(
    {
      trust: { accounts: [OWN, ...MEMBERS], organizationIds: [ORG] },
      network: { vpceIds: endpointIds },
      rules: {
        'endpoint-private-dns': 'remediate',
        'endpoint-no-external-principals': 'remediate',
        'key-no-external-principals': 'remediate',
        'key-crypto-via-vpce': 'alert',
        'key-sourceip-ineffective': 'alert',
      },
      memberRoleName: ROLE,
      organization: { rcps: 'read' },
      // Finding transitions also go to Security Hub (each account's own) and the default bus.
      securityHub: { enabled: true },
      eventBridge: { enabled: true },
      // The Lambdas' 2 s default is for one resource on a Lambda's own vCPU; the demo runs on
      // whatever machine it is given (CI shares its cores), and shows the size refusal of its
      // 32 KB policy, not a budget refusal.
      analysisBudgetMs: 10_000,
      sweep: { regions: REGIONS, accounts: [OWN, ...MEMBERS], concurrency: 8 },
    },
    'demo',
  );
