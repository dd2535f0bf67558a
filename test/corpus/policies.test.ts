/**
 * Every real policy in the corpus (`policies/`, `perimeter/`) judged, with the verdict SPEC.md
 * implies asserted per rule. AWS-managed key policies are recognised and left alone; SCPs (no
 * Principal) are refused as key policies with the JSON path named.
 */
import { describe, expect, it } from 'vitest';
import { readInput, readInputText } from '../../functions/cli/inputs.js';
import { parseConfig } from '../../functions/config/load.js';
import type { JudgeStatus } from '../../functions/engine/judge.js';
import { judge } from '../../functions/engine/judge.js';
import type { RuleId } from '../../functions/rules/types.js';
import { corpusAvailable, readCorpusJson, readCorpusText } from '../corpus.js';

const OWN = '111122223333';
const ORG = 'o-a1b2c3d4e5';
const VPCE = 'vpce-0a1b2c3d4e5f6a7b8';
const DOCS_VPCE = 'vpce-1234abcdf5678c90a';

/** Perimeter examples keep placeholders (`<my-org-id>`); give them concrete values of our estate. */
function substitute(text: string): string {
  return text
    .replace(/<my-org-id>/g, ORG)
    .replace(/<vpce-id-\d>/g, VPCE)
    .replace(/<my-vpc>/g, 'vpc-0a1b2c3d')
    .replace(/<my-account-id>/g, OWN)
    .replace(/<my-corporate-cidr>/g, '203.0.113.0/24')
    .replace(/<[a-z0-9-]+-account-id>|<third-party-account-[a-z]>/g, '999900001111');
}

const ROOT = {
  Sid: 'EnableIAMPolicies',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${OWN}:root` },
  Action: 'kms:*',
  Resource: '*',
};

type Expect = Partial<Record<RuleId, JudgeStatus>>;
const KEY_OK: Expect = {
  'key-no-external-principals': 'compliant',
  'key-crypto-via-vpce': 'compliant',
  'key-sourceip-ineffective': 'compliant',
};
const AWS_MANAGED: Expect = {
  'key-no-external-principals': 'not-applicable',
  'key-crypto-via-vpce': 'not-applicable',
  'key-sourceip-ineffective': 'not-applicable',
};
const DEFAULT_KEY: Expect = { ...KEY_OK, 'key-crypto-via-vpce': 'finding' };

interface Case {
  file: string;
  kind?: 'key-policy' | 'endpoint-policy';
  /** The estate's own account: the one whose root the policy trusts. */
  account?: string;
  /** Perimeter files: the policy is under `policy`; Deny-only guardrails get the account-root Allow they are meant to complement. */
  perimeter?: 'as-is' | 'with-root-allow';
  expect: Expect | { inputError: RegExp };
  why: string;
}

const CASES: Case[] = [
  ...[
    'kms-aws-managed-aws-acm-auto-acm-3.json',
    'kms-aws-managed-aws-dynamodb-auto-dynamodb-3.json',
    'kms-aws-managed-aws-ebs-auto-ebs-2.json',
    'kms-aws-managed-aws-lambda-auto-awslambda.json',
  ].map(
    (f): Case => ({
      file: `policies/${f}`,
      kind: 'key-policy',
      expect: AWS_MANAGED,
      why: 'AWS-managed (policy Id auto-*): never judged by key rules',
    }),
  ),
  ...[
    'kms-aws-managed-aws-acm-auto-acm-3.getkeypolicy-response.json',
    'kms-aws-managed-aws-lambda-auto-awslambda.getkeypolicy-response.json',
  ].map(
    (f): Case => ({
      file: `policies/${f}`,
      expect: AWS_MANAGED,
      why: 'GetKeyPolicy response of an AWS-managed key',
    }),
  ),
  ...[
    'kms-console-key-policy-consolepolicy-3.json',
    'kms-console-key-policy-consolepolicy-3.getkeypolicy-response.json',
  ].map(
    (f): Case => ({
      file: `policies/${f}`,
      ...(f.endsWith('response.json') ? {} : { kind: 'key-policy' as const }),
      account: '644160558196',
      expect: DEFAULT_KEY,
      why: 'console default: only the own account root; crypto allowed from any network',
    }),
  ),
  ...[
    'kms-default-key-policy-api-created.json',
    'kms-default-key-policy-api-created.getkeypolicy-response.json',
  ].map(
    (f): Case => ({
      file: `policies/${f}`,
      ...(f.endsWith('response.json') ? {} : { kind: 'key-policy' as const }),
      expect: DEFAULT_KEY,
      why: 'API default: only the own account root; crypto allowed from any network',
    }),
  ),
  ...['vpce-default-policy-interface.txt', 'vpce-default-policy-gateway.txt'].map(
    (f): Case => ({
      file: `policies/${f}`,
      kind: 'endpoint-policy',
      expect: { 'endpoint-private-dns': 'not-applicable', 'endpoint-no-external-principals': 'finding' },
      why: 'the AWS default endpoint policy is full access for any principal',
    }),
  ),
  {
    file: 'perimeter/aws_kms_docs_vpce_restricted_key_policy.json',
    perimeter: 'as-is',
    expect: KEY_OK,
    why: 'the KMS docs example: own account only, crypto denied unless through the approved endpoint',
  },
  {
    file: 'perimeter/derived_vpce_restricted_crypto_deny_with_service_exceptions.json',
    perimeter: 'with-root-allow',
    expect: KEY_OK,
    why: 'crypto denied off the approved endpoints, with the AWS service exceptions of SPEC §2',
  },
  {
    file: 'perimeter/dp_kms_key_policy_resource_based_2024.json',
    perimeter: 'with-root-allow',
    expect: { ...KEY_OK, 'key-crypto-via-vpce': 'finding', 'key-sourceip-ineffective': 'finding' },
    why: 'identity + network perimeter: crypto still allowed from the corporate CIDR without an endpoint; its NotIpAddressIfExists aws:SourceIp denies endpoint requests from outside the listed VPC whatever their origin',
  },
  {
    file: 'perimeter/dp_identity_perimeter_rcp.json',
    perimeter: 'with-root-allow',
    expect: { ...KEY_OK, 'key-crypto-via-vpce': 'finding' },
    why: 'identity perimeter only: external principals denied, but crypto is not bound to the network',
  },
  {
    file: 'perimeter/dp_network_perimeter_vpceorgid_rcp.json',
    perimeter: 'with-root-allow',
    expect: { ...KEY_OK, 'key-crypto-via-vpce': 'finding', 'key-sourceip-ineffective': 'finding' },
    why: 'network perimeter by aws:VpceOrgID: any endpoint of the organization or the corporate CIDR, not only the approved endpoints',
  },
  {
    file: 'perimeter/dp_default_vpc_endpoint_policy.json',
    perimeter: 'as-is',
    kind: 'endpoint-policy',
    expect: { 'endpoint-no-external-principals': 'compliant' },
    why: 'data-perimeter default endpoint policy: organization identities and AWS service principals only',
  },
  {
    file: 'perimeter/dp_governance_scp_kms_creategrant.json',
    perimeter: 'as-is',
    expect: { inputError: /^Statement\[0\]: missing Principal/ },
    why: 'an SCP has no Principal: it is not a key policy',
  },
  {
    file: 'perimeter/dp_network_perimeter_vpceorgid_scp.json',
    perimeter: 'as-is',
    expect: { inputError: /^Statement\[0\]: missing Principal/ },
    why: 'an SCP has no Principal: it is not a key policy',
  },
];

describe.skipIf(!corpusAvailable())('corpus policies judged with asserted verdicts', () => {
  it.each(CASES)('$file: $why', (c) => {
    const config = parseConfig(
      {
        trust: { accounts: [c.account ?? OWN], organizationIds: [ORG] },
        network: { vpceIds: [VPCE, DOCS_VPCE] },
      },
      'corpus-test',
    );
    let input: ReturnType<typeof readInputText>;
    if (c.perimeter) {
      const doc = JSON.parse(substitute(readCorpusText(c.file))) as { policy: { Statement: unknown[] } };
      const policy =
        c.perimeter === 'with-root-allow'
          ? { ...doc.policy, Statement: [ROOT, ...doc.policy.Statement] }
          : doc.policy;
      input = readInput(c.file, policy, c.kind ?? 'key-policy');
    } else {
      input = readInputText(c.file, readCorpusText(c.file), c.kind);
    }
    if ('inputError' in c.expect) {
      expect(input.resources).toEqual([]);
      expect(input.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(c.expect.inputError);
      return;
    }
    expect(input.problems).toEqual([]);
    expect(input.resources).toHaveLength(1);
    const verdict = judge(input.resources[0]!, config);
    const got = Object.fromEntries(
      verdict.results.filter((r) => r.rule in c.expect).map((r) => [r.rule, r.status]),
    );
    expect(got).toEqual(c.expect);
    for (const r of verdict.results) {
      for (const f of r.findings) {
        // Every finding carries a witness the evaluator confirmed, an example (with AWS's decision),
        // or says why it is unproven.
        if (f.proof === 'unproven') expect(f.reason?.length).toBeGreaterThan(0);
        else if (f.proof === 'example') expect(f.example?.decision).toBeDefined();
        else if (f.rule !== 'endpoint-private-dns') expect(f.witness).toBeDefined();
      }
    }
  });

  it('recorded DescribeVpcEndpoints response: only KMS interface endpoints are judged', () => {
    const recorded = readCorpusJson<{ data: unknown }>(
      'policies/ec2-DescribeVpcEndpoints-response-custodian.json',
    );
    const input = readInput('recorded', recorded.data);
    expect(input.problems).toEqual([]);
    expect(input.resources.length).toBeGreaterThan(0);
    const config = parseConfig({ trust: { accounts: [OWN] } }, 'x');
    for (const r of input.resources) {
      const kms = r.type === 'vpc-endpoint' && /\.kms$/.test(r.serviceName ?? '');
      const statuses = judge(r, config).results.map((x) => x.status);
      if (!kms)
        expect(
          statuses.every((s) => s === 'not-applicable'),
          r.id,
        ).toBe(true);
    }
  });
});
