/**
 * `npm run demo`: the guard's whole job on an embedded estate, no AWS account needed.
 * A loopback AWS simulator holds 3 accounts x 2 regions of KMS keys and KMS endpoints; the demo
 * sweeps them (dry run), remediates, replays CloudTrail events through the real Lambda handlers,
 * shows the SNS alerts they sent, and sweeps again to show that the estate converged.
 */

import { KMSClient, ReplicateKeyCommand } from '@aws-sdk/client-kms';
import { describeExitStatus } from '../../functions/cli/exit-codes.js';
import { runSweep } from '../../functions/cli/sweep.js';
import { cloudTrailEvent } from '../cloudtrail-event.js';
import { AwsSimulator } from '../simulator/server.js';

import {
  demoConfig,
  demoGrantId,
  identityPerimeterRcp,
  MEMBERS,
  ORG,
  OUTSIDER,
  OWN,
  policy,
  seedDemoEstate,
  statement,
  TOPIC,
} from './estate.js';
import { DEMO_FINDINGS_TABLE, ledgerSweeps } from './ledger-sweeps.js';

const out = (text = '') => process.stdout.write(`${text}\n`);
const banner = (text: string) => out(`\n=== ${text} ${'='.repeat(Math.max(0, 90 - text.length))}`);

async function main(): Promise<number> {
  const started = Date.now();
  const sim = new AwsSimulator();
  const endpoint = await sim.start();
  try {
    seedDemoEstate(sim);
    const creds = sim.credentialsFor(OWN);
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
    });
    const approved = [...sim.estate.endpoints.keys()];
    const cfg = demoConfig(approved);
    out('kms-perimeter-guard demo: a simulated AWS estate of 3 accounts x 2 regions');
    out(
      `  ${sim.estate.keys.size} KMS keys (AWS-managed ones included), ${sim.estate.endpoints.size} KMS VPC endpoints; trusted: the 3 accounts and ${ORG}`,
    );
    out(`  every call below goes through the real AWS SDK clients to a local simulator at ${endpoint}`);
    const sweepOptions = {
      config: cfg,
      endpointUrl: endpoint,
      format: 'text' as const,
      progress: { write: () => {}, isTTY: false },
      stdout: out,
      env: process.env,
    };

    banner('1. Sweep (dry run): what is wrong, with a concrete request that proves it');
    await runSweep({ ...sweepOptions, remediate: false });

    banner('2. Sweep with remediation: guard-owned Deny statements, private DNS switched on');
    await runSweep({ ...sweepOptions, remediate: true });

    banner('3. Changes happen: CloudTrail events replayed through the Lambda handlers');
    // The handlers keep the findings ledger in the simulator's DynamoDB (dynalite).
    await sim.dynamodb.createFindingsTable(DEMO_FINDINGS_TABLE);
    Object.assign(process.env, {
      FINDINGS_TABLE: DEMO_FINDINGS_TABLE,
      GUARD_CONFIG: JSON.stringify(cfg),
      ALERT_TOPIC_ARN: TOPIC,
      GUARD_AWS_ENDPOINT_URL: endpoint,
      POWERTOOLS_LOG_LEVEL: 'CRITICAL',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    const { handler: keyHandler } = await import('../../functions/handlers/key-events.js');
    const { handler: endpointHandler } = await import('../../functions/handlers/endpoint-events.js');
    const context = {
      invokedFunctionArn: `arn:aws:lambda:us-east-1:${OWN}:function:demo`,
      functionName: 'demo',
      awsRequestId: 'demo',
    } as never;
    const before = sim.estate.messages.length;

    // a) Someone turns private DNS off on an endpoint of the own account.
    const ownEndpoint = [...sim.estate.endpoints.values()].find(
      (e) => e.account === OWN && e.region === 'us-east-1',
    );
    if (ownEndpoint) ownEndpoint.privateDnsEnabled = false;
    out(`a) alice turns private DNS off on ${ownEndpoint?.id} (ModifyVpcEndpoint)`);
    const a = await endpointHandler(
      cloudTrailEvent(
        'ModifyVpcEndpoint',
        OWN,
        'us-east-1',
        { ModifyVpcEndpointRequest: { VpcEndpointId: ownEndpoint?.id, PrivateDnsEnabled: false } },
        'ec2',
      ),
      context,
    );
    out(`   guard: ${JSON.stringify((a as { resources: { rules: unknown }[] }).resources[0]?.rules)}`);

    // b) Someone in a member account shares a key with an outside account.
    const memberKey = [...sim.estate.keys.values()].find(
      (k) => k.account === MEMBERS[0] && k.region === 'us-east-1' && k.keyManager === 'CUSTOMER',
    );
    if (memberKey) memberKey.policy = policy(statement.root(MEMBERS[0] as string), statement.partner);
    out(
      `b) alice grants account ${OUTSIDER} kms:Decrypt on key ${memberKey?.keyId} in ${MEMBERS[0]} (PutKeyPolicy)`,
    );
    const b = await keyHandler(
      cloudTrailEvent(
        'PutKeyPolicy',
        MEMBERS[0] as string,
        'us-east-1',
        { keyId: memberKey?.keyId, policyName: 'default' },
        'kms',
      ),
      context,
    );
    out(`   guard: ${JSON.stringify((b as { resources: { rules: unknown }[] }).resources[0]?.rules)}`);

    // c) A change the guard cannot fix: private DNS off in a VPC without DNS hostnames.
    const stuck = [...sim.estate.endpoints.values()].find(
      (e) => e.account === MEMBERS[1] && e.region === 'eu-west-1',
    );
    out(
      `c) ${stuck?.id} in ${MEMBERS[1]}/eu-west-1 has private DNS off, and its VPC has enableDnsHostnames=false`,
    );
    const c = await endpointHandler(
      cloudTrailEvent(
        'ModifyVpcEndpoint',
        MEMBERS[1] as string,
        'eu-west-1',
        { ModifyVpcEndpointRequest: { VpcEndpointId: stuck?.id } },
        'ec2',
      ),
      context,
    );
    out(`   guard: ${JSON.stringify((c as { resources: { rules: unknown }[] }).resources[0]?.rules)}`);

    // d) A policy the guard cannot fix: its Deny would push the policy over KMS's 32 KB limit.
    const big = [...sim.estate.keys.values()].find(
      (k) => k.account === OWN && k.region === 'eu-west-1' && k.keyManager === 'CUSTOMER',
    );
    const statements: unknown[] = [statement.root(OWN), statement.partner];
    for (let i = 0; JSON.stringify({ Version: '2012-10-17', Statement: statements }).length < 32_450; i++) {
      statements.push({
        Sid: `TeamAdmins${i}`,
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OWN}:role/team-${i}-key-admins` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
        Resource: '*',
      });
    }
    if (big) big.policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
    out(
      `d) alice grants account ${OUTSIDER} kms:Decrypt on key ${big?.keyId} in ${OWN}/eu-west-1, whose policy is ${big?.policy.length.toLocaleString('en-US')} bytes (${statements.length} statements) (PutKeyPolicy)`,
    );
    const d = await keyHandler(
      cloudTrailEvent('PutKeyPolicy', OWN, 'eu-west-1', { keyId: big?.keyId, policyName: 'default' }, 'kms'),
      context,
    );
    out(`   guard: ${JSON.stringify((d as { resources: { rules: unknown }[] }).resources[0]?.rules)}`);

    // e) A grant: access the key policy does not show.
    const grantKey = [...sim.estate.keys.values()].find(
      (k) => k.account === MEMBERS[1] && k.region === 'us-east-1' && k.keyManager === 'CUSTOMER',
    );
    const grantee = `arn:aws:iam::${OUTSIDER}:role/reporting`;
    grantKey?.grants?.push({ grantId: demoGrantId(9), granteePrincipal: grantee, operations: ['Decrypt'] });
    if (grantKey && !grantKey.grants)
      grantKey.grants = [{ grantId: demoGrantId(9), granteePrincipal: grantee, operations: ['Decrypt'] }];
    out(
      `e) alice creates a grant for ${grantee} to decrypt with key ${grantKey?.keyId} in ${MEMBERS[1]} (CreateGrant)`,
    );
    const e = await keyHandler(
      cloudTrailEvent(
        'CreateGrant',
        MEMBERS[1] as string,
        'us-east-1',
        { keyId: grantKey?.keyId, granteePrincipal: grantee, operations: ['Decrypt'] },
        'kms',
      ),
      context,
    );
    out(`   guard: ${JSON.stringify((e as { resources: { rules: unknown }[] }).resources[0]?.rules)}`);

    // f) A replica of a multi-Region key, with its own policy, in another region.
    const primary = sim.estate.addKey({
      keyId: 'mrk-1234abcd12ab34cd56ef1234567890ab',
      account: OWN,
      region: 'us-east-1',
      policy: policy(statement.root(OWN), statement.vpceOnly(`vpce-0${OWN.slice(0, 4)}aa00000001`)),
    });
    const replicaPolicy = policy(statement.root(OWN), statement.partner);
    const kms = new KMSClient({ region: 'us-east-1', endpoint, credentials: creds });
    const replicated = await kms.send(
      new ReplicateKeyCommand({ KeyId: primary.keyId, ReplicaRegion: 'eu-west-1', Policy: replicaPolicy }),
    );
    const replicaArn = replicated.ReplicaKeyMetadata?.Arn;
    out(
      `f) alice replicates multi-Region key ${primary.keyId} to eu-west-1, sharing the replica with account ${OUTSIDER} (ReplicateKey)`,
    );
    const f = await keyHandler(
      cloudTrailEvent(
        'ReplicateKey',
        OWN,
        'us-east-1',
        { keyId: primary.keyId, replicaRegion: 'eu-west-1', policy: replicaPolicy },
        'kms',
        { replicaKeyMetadata: { arn: replicaArn, keyId: primary.keyId } },
      ),
      context,
    );
    out(
      `   guard (replica ${replicaArn}): ${JSON.stringify((f as { resources: { rules: unknown }[] }).resources[0]?.rules)}`,
    );

    // g) A cross-region interface endpoint: in eu-west-1, reaching KMS in us-east-1 (ServiceRegion).
    const crossRegion = sim.estate.addEndpoint({
      id: `vpce-0${OWN.slice(0, 4)}bb00000009`,
      account: OWN,
      region: 'eu-west-1',
      vpcId: `vpc-0${OWN.slice(0, 4)}bb`,
      serviceName: 'com.amazonaws.us-east-1.kms',
      serviceRegion: 'us-east-1',
      privateDnsEnabled: false,
    });
    out(
      `g) alice creates ${crossRegion.id} in ${OWN}/eu-west-1 for KMS in us-east-1 (cross-region), private DNS off (CreateVpcEndpoint)`,
    );
    const g = await endpointHandler(
      cloudTrailEvent(
        'CreateVpcEndpoint',
        OWN,
        'eu-west-1',
        { CreateVpcEndpointRequest: { ServiceName: crossRegion.serviceName, VpcId: crossRegion.vpcId } },
        'ec2',
        { CreateVpcEndpointResponse: { vpcEndpoint: { vpcEndpointId: crossRegion.id } } },
      ),
      context,
    );
    const judged = (g as { resources: { rules: unknown; serviceRegion?: string }[] }).resources[0];
    out(`   guard (ServiceRegion ${judged?.serviceRegion}): ${JSON.stringify(judged?.rules)}`);

    // h) A key protected only by an RCP: the organization's identity perimeter already denies the
    // outside role the key policy names, so the guard reports it and changes nothing.
    sim.estate.organization.policies['p-demoidentity1'] = {
      name: 'identity-perimeter',
      content: identityPerimeterRcp(ORG, [OWN, ...MEMBERS]),
    };
    sim.estate.organization.attachments['r-demo'] = ['p-demoidentity1'];
    const rcpKey = [...sim.estate.keys.values()].find(
      (k) => k.account === MEMBERS[0] && k.region === 'eu-west-1' && k.keyManager === 'CUSTOMER',
    );
    const auditor = `arn:aws:iam::${OUTSIDER}:role/auditor`;
    if (rcpKey)
      rcpKey.policy = policy(
        statement.root(MEMBERS[0] as string),
        statement.vpceOnly(`vpce-0${(MEMBERS[0] as string).slice(0, 4)}bb00000001`),
        {
          Sid: 'Auditor',
          Effect: 'Allow',
          Principal: { AWS: auditor },
          Action: ['kms:Decrypt', 'kms:DescribeKey'],
          Resource: '*',
        },
      );
    out(
      `h) the organization attaches RCP p-demoidentity1 (identity perimeter) to its root; alice lets ${auditor} decrypt with key ${rcpKey?.keyId} in ${MEMBERS[0]}/eu-west-1 (PutKeyPolicy)`,
    );
    const h = await keyHandler(
      cloudTrailEvent(
        'PutKeyPolicy',
        MEMBERS[0] as string,
        'eu-west-1',
        { keyId: rcpKey?.keyId, policyName: 'default' },
        'kms',
      ),
      context,
    );
    const hr = (h as { resources: { rules: unknown; protectedBy?: unknown }[] }).resources[0];
    out(`   guard: ${JSON.stringify(hr?.rules)}, protected by: ${JSON.stringify(hr?.protectedBy)}`);

    banner('4. SNS messages the handlers published (email text, first lines)');
    for (const m of sim.estate.messages.slice(before)) {
      const body = JSON.parse(m.message) as { email?: string; default?: string };
      out(`- ${m.subject}`);
      const lines = (body.email ?? body.default ?? '').split('\n');
      for (const line of lines.slice(0, 4)) if (line.trim()) out(`    ${line}`);
      // And what the guard did about it (why not, when it could not).
      for (const line of lines.filter((l) => l.startsWith('Outcome:'))) out(`    ${line}`);
    }

    banner('5. Sweep again: the estate converged (what is left is alert-only or cannot be fixed)');
    const { code } = await runSweep({ ...sweepOptions, remediate: false });

    banner('6. Scheduled sweeps through the sweep worker and the findings ledger, twice');
    const [, second] = await ledgerSweeps(sim, out, context);
    out(
      second?.findingAlerts === 0
        ? `the second sweep sent no finding alert: nothing changed. Its ${second.messages} messages are the unreadable key, alerted each sweep until it can be read, and the run's one summary.`
        : `the second sweep sent ${second?.findingAlerts} finding alerts although nothing changed`,
    );
    // The CLI's exit contract, said as the CLI's help says it: the estate's unreadable key makes the
    // last sweep's coverage incomplete (3), whatever the findings left.
    out(
      `\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s; the final sweep's exit status would be ${code}: ${describeExitStatus(code)}.` +
        ' The findings left are the ones the guard reports but does not change.',
    );
    return 0;
  } finally {
    await sim.stop();
  }
}

process.exitCode = await main();
