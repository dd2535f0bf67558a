import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RULE_IDS } from '../../functions/config/schema.js';
import { clipText } from '../../functions/engine/alert-clip.js';
import { AlertInputError } from '../../functions/engine/alert-documents.js';
import { alertEntryBytes, SNS_MESSAGE_MAX_BYTES } from '../../functions/engine/alert-entry.js';
import type {
  AlertEntry,
  AlertStatus,
  FindingAlertDocument,
  FindingAlertInput,
  SummaryAlertDocument,
} from '../../functions/engine/alert-types.js';
import { errorAlert, findingAlert, findingAlerts, summaryAlert } from '../../functions/engine/alerts.js';
import type { Policy } from '../../functions/policy/types.js';
import type { EndpointResource, Finding, KeyResource, RemediationPlan } from '../../functions/rules/types.js';

const schema = JSON.parse(
  readFileSync(new URL('../../schema/finding-alert.v1.schema.json', import.meta.url), 'utf8'),
) as { $id: string; $defs: { ruleId: { enum: string[] } } };
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validateDocument = ajv.compile(schema);
const validateSnsMessage = ajv.getSchema(`${schema.$id}#/$defs/snsMessage`)!;

const TIME = '2024-05-01T10:00:00.000Z';
const POLICY: Policy = { statements: [], raw: {}, sizeBytes: 2, text: '{}' };

const KEY: KeyResource = {
  type: 'kms-key',
  id: '1234abcd-12ab-34cd-56ef-1234567890ab',
  arn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  account: '111122223333',
  region: 'eu-west-1',
  keyManager: 'CUSTOMER',
  policy: POLICY,
};

const ENDPOINT: EndpointResource = {
  type: 'vpc-endpoint',
  id: 'vpce-0a1b2c3d4e5f6a7b8',
  account: '111122223333',
  region: 'eu-west-1',
  serviceName: 'com.amazonaws.eu-west-1.kms',
};

function externalFinding(i = 0): Finding {
  const account = String(444455556666 + i).padStart(12, '0');
  return {
    rule: 'key-no-external-principals',
    severity: 'high',
    message: `The key policy lets account ${account} call kms:Decrypt.`,
    statements: ['AllowAll', 'Statement[1]'],
    proof: 'witness',
    witness: {
      principal: { AWS: `arn:aws:iam::${account}:root` },
      action: 'kms:Decrypt',
      resource: '*',
      context: {
        'aws:PrincipalAccount': account,
        'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'],
      },
    },
  };
}

const UNPROVEN: Finding = {
  rule: 'key-no-external-principals',
  severity: 'high',
  message: 'A condition the analyzer does not model may let external principals in.',
  statements: ['Statement[3]'],
  proof: 'unproven',
  reason: 'condition operator BinaryEquals on kms:EncryptionContext:blob',
};

const GUARD_SID = 'KmsPerimeterGuardDenyExternal';
const KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'AllowAll', Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' },
    {
      Sid: GUARD_SID,
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringNotEqualsIfExists: { 'aws:PrincipalAccount': ['111122223333'] } },
    },
  ],
};
const KEY_PLAN: RemediationPlan = {
  kind: 'put-key-policy',
  rule: 'key-no-external-principals',
  policyText: JSON.stringify(KEY_POLICY, null, 2),
  policy: KEY_POLICY,
  guardSids: [GUARD_SID],
  summary: `Add Deny statement ${GUARD_SID} for principals outside 111122223333`,
};

const DNS_PLAN = {
  kind: 'enable-private-dns',
  rule: 'endpoint-private-dns',
  vpcEndpointId: ENDPOINT.id,
  guardSids: [],
  summary: 'Enable private DNS on vpce-0a1b2c3d4e5f6a7b8',
} satisfies RemediationPlan;

const DNS_FINDING: Finding = {
  rule: 'endpoint-private-dns',
  severity: 'medium',
  message: 'Private DNS is disabled on a KMS interface endpoint.',
  statements: [],
  proof: 'witness',
};

const TRIGGER = {
  eventId: 'c217db1f-903f-4a2f-8f88-9580182d6313',
  eventName: 'PutKeyPolicy',
  actorArn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice',
  eventTime: '2024-05-01T09:59:58Z',
};

function keyInput(status: AlertStatus, overrides: Partial<FindingAlertInput> = {}): FindingAlertInput {
  const remediation =
    status === 'alerted'
      ? undefined
      : status === 'remediation-failed'
        ? { plan: KEY_PLAN, reason: 'KMS refused the policy: MalformedPolicyDocumentException' }
        : { plan: KEY_PLAN };
  return {
    resource: KEY,
    rule: 'key-no-external-principals',
    findings: [externalFinding(), UNPROVEN],
    status,
    ...(remediation ? { remediation } : {}),
    trigger: TRIGGER,
    time: TIME,
    ...overrides,
  };
}

interface Opened {
  message: Record<string, string>;
  doc: FindingAlertDocument | SummaryAlertDocument;
  text: string;
}

/** Parses an entry and checks the envelope every alert must have. */
function open(entry: AlertEntry, limit = SNS_MESSAGE_MAX_BYTES): Opened {
  expect(entry.MessageStructure).toBe('json');
  expect(entry.Id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  expect(entry.Subject.length).toBeLessThan(100);
  expect(entry.Subject).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
  expect(() => encodeURIComponent(entry.Subject)).not.toThrow(); // no lone surrogates
  expect(alertEntryBytes(entry)).toBeLessThanOrEqual(limit);
  expect(Buffer.byteLength(entry.Message, 'utf8')).toBeLessThanOrEqual(limit);
  expect(Object.keys(entry.MessageAttributes).sort()).toEqual(
    ['account', 'kind', 'region', 'resourceType', 'rule', 'severity', 'status'].sort(),
  );
  for (const attribute of Object.values(entry.MessageAttributes)) {
    expect(attribute.DataType).toBe('String');
    expect(attribute.StringValue.length).toBeGreaterThan(0);
  }
  const message = JSON.parse(entry.Message) as Record<string, string>;
  expect(validateSnsMessage(message), JSON.stringify(validateSnsMessage.errors)).toBe(true);
  expect(message.email).toBe(message.default);
  for (const protocol of ['lambda', 'http', 'https']) expect(message[protocol]).toBe(message.sqs);
  const doc = JSON.parse(message.sqs!) as FindingAlertDocument | SummaryAlertDocument;
  expect(validateDocument(doc), JSON.stringify(validateDocument.errors, null, 1)).toBe(true);
  return { message, doc, text: message.default! };
}

function findingDoc(entry: AlertEntry, limit?: number): { doc: FindingAlertDocument; text: string } {
  const { doc, text } = open(entry, limit);
  if (doc.kind !== 'finding') throw new Error('expected a finding document');
  return { doc, text };
}

describe('the schema', () => {
  it('lists exactly the rule ids of the config schema', () => {
    expect(schema.$defs.ruleId.enum).toEqual([...RULE_IDS]);
  });
});

describe('findingAlert', () => {
  it.each<AlertStatus>(['alerted', 'remediated', 'remediation-failed', 'dry-run'])(
    'builds a valid entry for status %s',
    (status) => {
      const entry = findingAlert(keyInput(status));
      const { doc, text } = findingDoc(entry);
      expect(entry.MessageAttributes).toEqual({
        kind: { DataType: 'String', StringValue: 'finding' },
        severity: { DataType: 'String', StringValue: 'high' },
        rule: { DataType: 'String', StringValue: 'key-no-external-principals' },
        account: { DataType: 'String', StringValue: '111122223333' },
        region: { DataType: 'String', StringValue: 'eu-west-1' },
        resourceType: { DataType: 'String', StringValue: 'kms-key' },
        status: { DataType: 'String', StringValue: status },
      });
      expect(entry.Subject).toBe(`[HIGH] key-no-external-principals: ${KEY.id} (${status})`);
      expect(doc).toMatchObject({
        schemaVersion: '1',
        kind: 'finding',
        rule: 'key-no-external-principals',
        severity: 'high',
        status,
        time: TIME,
        resource: { type: 'kms-key', id: KEY.id, arn: KEY.arn, account: '111122223333', region: 'eu-west-1' },
        trigger: TRIGGER,
      });
      expect(doc.truncated).toBeUndefined();
      expect(doc.findings).toEqual([
        {
          message: externalFinding().message,
          statements: ['AllowAll', 'Statement[1]'],
          proof: 'witness',
          witness: externalFinding().witness,
        },
        {
          message: UNPROVEN.message,
          statements: ['Statement[3]'],
          proof: 'unproven',
          reason: UNPROVEN.reason,
        },
      ]);
      // The readable text carries what a person needs: the witness, who changed it, the event id.
      expect(text).toContain(externalFinding().message);
      expect(text).toContain('"action":"kms:Decrypt"');
      expect(text).toContain(UNPROVEN.reason);
      expect(text).toContain(TRIGGER.actorArn);
      expect(text).toContain(TRIGGER.eventId);
    },
  );

  it('reports a remediated finding with the applied change', () => {
    const { doc, text } = findingDoc(findingAlert(keyInput('remediated')));
    expect(doc.remediation).toEqual({
      outcome: 'applied',
      action: 'PutKeyPolicy',
      summary: KEY_PLAN.summary,
      guardSids: [GUARD_SID],
      plannedPolicy: (KEY_PLAN as { policy: object }).policy,
      plannedPolicyBytes: Buffer.byteLength(JSON.stringify((KEY_PLAN as { policy: object }).policy)),
    });
    expect(text).toContain('Outcome: applied');
  });

  it('reports a failed remediation with its reason, in the document and the text', () => {
    const { doc, text } = findingDoc(findingAlert(keyInput('remediation-failed')));
    expect(doc.remediation).toMatchObject({
      outcome: 'failed',
      reason: 'KMS refused the policy: MalformedPolicyDocumentException',
    });
    expect(text).toContain('FAILED: KMS refused the policy: MalformedPolicyDocumentException');
  });

  it('shows a dry run as the exact guard statement that was not written', () => {
    const { doc, text } = findingDoc(findingAlert(keyInput('dry-run')));
    expect(doc.remediation?.outcome).toBe('dry-run');
    expect(text).toContain('NOT made');
    expect(text).toContain(`"Sid": "${GUARD_SID}"`);
    expect(text).not.toContain('"Sid": "AllowAll"');
  });

  it('says why an alert-mode finding was not remediated when a none plan says so', () => {
    const input = keyInput('alerted', {
      remediation: {
        plan: { kind: 'none', rule: 'key-no-external-principals', reason: 'rule mode is alert' },
      },
    });
    const { doc, text } = findingDoc(findingAlert(input));
    expect(doc.remediation).toEqual({
      outcome: 'not-attempted',
      action: 'none',
      summary: 'rule mode is alert',
      reason: 'rule mode is alert',
      guardSids: [],
    });
    expect(text).toContain('not attempted: rule mode is alert');
  });

  it('reports an endpoint private DNS fix (no policy, no ARN, medium severity)', () => {
    const entry = findingAlert({
      resource: ENDPOINT,
      rule: 'endpoint-private-dns',
      findings: [DNS_FINDING],
      status: 'remediation-failed',
      remediation: { plan: DNS_PLAN, reason: 'VPC vpc-0a1b2c3d has enableDnsHostnames=false' },
      time: TIME,
    });
    const { doc, text } = findingDoc(entry);
    expect(entry.Subject).toBe('[MEDIUM] endpoint-private-dns: vpce-0a1b2c3d4e5f6a7b8 (remediation-failed)');
    expect(entry.MessageAttributes.resourceType.StringValue).toBe('vpc-endpoint');
    expect(doc.resource).toEqual({
      type: 'vpc-endpoint',
      id: ENDPOINT.id,
      account: '111122223333',
      region: 'eu-west-1',
    });
    expect(doc.remediation).toEqual({
      outcome: 'failed',
      action: 'ModifyVpcEndpoint',
      summary: DNS_PLAN.summary,
      reason: 'VPC vpc-0a1b2c3d has enableDnsHostnames=false',
      guardSids: [],
      vpcEndpointId: ENDPOINT.id,
      privateDnsEnabled: true,
    });
    expect(doc.trigger).toBeUndefined();
    expect(text).toContain('Change: ModifyVpcEndpoint vpce-0a1b2c3d4e5f6a7b8 PrivateDnsEnabled=true');
  });

  it('uses "unknown" for attributes the resource lacks (SNS rejects empty values)', () => {
    const { account: _a, region: _r, ...offline } = KEY;
    const entry = findingAlert(keyInput('alerted', { resource: offline }));
    expect(entry.MessageAttributes.account.StringValue).toBe('unknown');
    expect(entry.MessageAttributes.region.StringValue).toBe('unknown');
    open(entry);
  });

  it('defaults the severity to the highest among the findings', () => {
    const low: Finding = { ...externalFinding(), severity: 'low' };
    const entry = findingAlert(keyInput('alerted', { findings: [low, { ...low, severity: 'medium' }] }));
    expect(entry.MessageAttributes.severity.StringValue).toBe('medium');
    expect(entry.Subject.startsWith('[MEDIUM]')).toBe(true);
  });

  it('keeps the subject under 100 characters with a long resource id, severity and rule intact', () => {
    const long = `file-${'x'.repeat(300)}`;
    const entry = findingAlert(keyInput('remediation-failed', { resource: { ...KEY, id: long } }));
    expect(entry.Subject).toHaveLength(99);
    expect(entry.Subject).toMatch(/^\[HIGH\] key-no-external-principals: file-x+… \(remediation-failed\)$/);
    open(entry);
  });

  it('never splits a surrogate pair when shortening', () => {
    const entry = findingAlert(keyInput('alerted', { resource: { ...KEY, id: '🔑'.repeat(80) } }));
    expect(entry.Subject.length).toBeLessThan(100);
    expect(entry.Subject).toMatch(/^\[HIGH\] key-no-external-principals: (🔑)+… \(alerted\)$/u);
    for (let max = 1; max < 12; max++) {
      const clipped = clipText('a🔑b🔑🔑c🔑', max);
      expect(clipped.length).toBeLessThanOrEqual(max);
      expect(() => encodeURIComponent(clipped)).not.toThrow();
    }
  });

  it('replaces control characters and lone surrogates in the subject', () => {
    const entry = findingAlert(keyInput('alerted', { resource: { ...KEY, id: 'ab\uD800cd\nef\uDC00' } }));
    expect(entry.Subject).toBe('[HIGH] key-no-external-principals: ab\uFFFDcd ef\uFFFD (alerted)');
  });

  it('builds a valid subject from any resource id (control characters, lone surrogates, emoji)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }), (id) => {
        const entry = findingAlert(keyInput('dry-run', { resource: { ...KEY, id } }));
        expect(entry.Subject.length).toBeLessThan(100);
        expect(entry.Subject).toContain('[HIGH] key-no-external-principals: ');
        expect(entry.Subject).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
        expect(() => encodeURIComponent(entry.Subject)).not.toThrow();
        expect(entry.Id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      }),
      { numRuns: 300 },
    );
  });

  it('fits a huge witness list into 256 KB and says what it cut', () => {
    const findings = Array.from({ length: 5000 }, (_, i) => externalFinding(i));
    const entry = findingAlert(keyInput('alerted', { findings }));
    const { doc, text } = findingDoc(entry);
    expect(alertEntryBytes(entry)).toBeGreaterThan(200_000); // uses the room it has
    expect(doc.truncated).toMatchObject({ limitBytes: SNS_MESSAGE_MAX_BYTES, findingsTotal: 5000 });
    expect(doc.truncated!.findingsIncluded).toBe(doc.findings.length);
    expect(doc.findings.length).toBeGreaterThan(10);
    expect(doc.findings.length).toBeLessThan(5000);
    expect(doc.findings[0]).toEqual({ ...externalFinding(0), rule: undefined, severity: undefined });
    expect(text).toContain('Findings (5000):');
    expect(text).toMatch(/TRUNCATED to fit the 262144-byte SNS message limit: \d+ of 5000 findings shown/);
    expect(text).toContain(`${5000 - doc.findings.length} more not shown`);
  });

  it('caps a huge statement list', () => {
    const finding = {
      ...externalFinding(),
      statements: Array.from({ length: 40_000 }, (_, i) => `Statement[${i}]`),
    };
    const { doc, text } = findingDoc(findingAlert(keyInput('alerted', { findings: [finding] })));
    expect(doc.findings).toHaveLength(1);
    expect(doc.truncated).toMatchObject({ statementsTotal: 40_000, statementsIncluded: 20 });
    expect(text).toContain('20 of 40000 statement references shown');
  });

  it('omits a planned policy too large to send, keeping its size and summary', () => {
    const Statement = Array.from({ length: 2000 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${String(100000000000 + i)}:root` },
      Action: 'kms:Decrypt',
      Resource: '*',
    }));
    const plan: RemediationPlan = {
      ...KEY_PLAN,
      policy: { Version: '2012-10-17', Statement },
    } as RemediationPlan;
    const { doc, text } = findingDoc(findingAlert(keyInput('dry-run', { remediation: { plan } })));
    expect(doc.remediation?.plannedPolicy).toBeUndefined();
    expect(doc.remediation?.plannedPolicyBytes).toBe(
      Buffer.byteLength(JSON.stringify((plan as { policy: object }).policy)),
    );
    expect(doc.remediation?.summary).toBe(KEY_PLAN.summary);
    expect(doc.truncated?.plannedPolicyOmitted).toBe(true);
    expect(doc.findings).toHaveLength(2);
    expect(text).toContain('planned policy omitted');
  });

  it('clips a single enormous message and multi-byte text to fit', () => {
    const finding = { ...externalFinding(), message: 'é漢🔑'.repeat(60_000) };
    const { doc, text } = findingDoc(findingAlert(keyInput('alerted', { findings: [finding] })));
    expect(doc.truncated?.stringsClipped).toBe(true);
    expect(doc.findings[0]!.message.endsWith('…')).toBe(true);
    expect(text).toContain('long texts clipped');
  });

  it('respects a custom message limit', () => {
    const findings = Array.from({ length: 50 }, (_, i) => externalFinding(i));
    const { doc } = findingDoc(
      findingAlert(keyInput('alerted', { findings }), { maxMessageBytes: 16_384 }),
      16_384,
    );
    expect(doc.truncated?.limitBytes).toBe(16_384);
  });

  it('fits whatever the findings look like (property)', () => {
    const findingArb = fc.record({
      message: fc.string({ maxLength: 3000 }),
      statements: fc.array(fc.string({ maxLength: 40 }), { maxLength: 300 }),
      n: fc.nat({ max: 600 }),
    });
    fc.assert(
      fc.property(findingArb, ({ message, statements, n }) => {
        const findings = Array.from({ length: n + 1 }, (_, i) => ({
          ...externalFinding(i),
          message,
          statements,
        }));
        findingDoc(findingAlert(keyInput('dry-run', { findings }), { maxMessageBytes: 65_536 }), 65_536);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects inputs that cannot be an alert, with AlertInputError', () => {
    const cases: FindingAlertInput[] = [
      keyInput('alerted', { findings: [] }),
      keyInput('alerted', { findings: [DNS_FINDING] }),
      keyInput('remediated', { remediation: undefined }),
      keyInput('remediated', {
        remediation: { plan: { kind: 'none', rule: 'key-no-external-principals', reason: 'x' } },
      }),
      keyInput('dry-run', { remediation: { plan: DNS_PLAN } }),
      keyInput('alerted', { time: 'not a time' }),
    ];
    for (const input of cases) {
      let error: unknown;
      try {
        findingAlert(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AlertInputError);
      expect((error as Error).name).toBe('AlertInputError');
    }
  });
});

describe('findingAlerts', () => {
  it('gives every entry a distinct id, even for a repeated resource and rule', () => {
    const entries = findingAlerts([keyInput('alerted'), keyInput('alerted'), keyInput('dry-run')]);
    expect(new Set(entries.map((e) => e.Id)).size).toBe(3);
    for (const e of entries) expect(e.Id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});

describe('summaryAlert', () => {
  const input = {
    sweepId: 'sweep-2024-05-01',
    startedAt: '2024-05-01T09:00:00Z',
    finishedAt: '2024-05-01T09:03:00Z',
    accounts: ['111122223333', '444455556666'],
    regions: ['eu-west-1', 'us-east-1'],
    resources: { 'kms-key': 120, 'vpc-endpoint': 8 },
    counts: {
      'key-no-external-principals': { compliant: 110, alerted: 3, exempt: 1 },
      'endpoint-private-dns': { compliant: 6, remediated: 1, 'remediation-failed': 1 },
    },
    errors: [
      { account: '444455556666', message: 'cannot assume role KmsPerimeterGuardMember: AccessDenied' },
    ],
    time: TIME,
  };

  it('builds a valid summary with counts by rule and status and totals', () => {
    const entry = summaryAlert(input);
    const { doc, text } = open(entry);
    expect(doc).toMatchObject({
      kind: 'summary',
      schemaVersion: '1',
      severity: 'info',
      counts: input.counts,
      totals: { compliant: 116, alerted: 3, exempt: 1, remediated: 1, 'remediation-failed': 1 },
      scope: { accounts: input.accounts, regions: input.regions },
      sweep: {
        id: 'sweep-2024-05-01',
        startedAt: '2024-05-01T09:00:00.000Z',
        finishedAt: '2024-05-01T09:03:00.000Z',
      },
    });
    expect(entry.MessageAttributes).toMatchObject({
      kind: { StringValue: 'summary' },
      status: { StringValue: 'summary' },
      rule: { StringValue: 'all' },
      account: { StringValue: 'multiple' },
      region: { StringValue: 'multiple' },
    });
    expect(entry.Subject).toBe('[INFO] sweep summary: 2 accounts: 4 open, 1 fixed, errors');
    expect(text).toContain('key-no-external-principals: 3 alerted, 1 exempt, 110 compliant');
    expect(text).toContain('444455556666: cannot assume role');
  });

  it('carries the digest (changes since the last sweep, open by severity, top findings), valid and in words', () => {
    const digest = {
      changes: { new: 2, resolved: 1 },
      open: { high: 2, low: 1 },
      top: [
        {
          findingId: `kpg-v1-${'a'.repeat(64)}`,
          rule: 'key-no-external-principals',
          severity: 'high' as const,
          resourceType: 'kms-key' as const,
          resourceId: KEY.id,
          account: '111122223333',
          region: 'eu-west-1',
        },
      ],
    };
    const { doc, text } = open(summaryAlert({ ...input, digest }));
    expect((doc as SummaryAlertDocument).digest).toEqual(digest);
    expect(text).toContain('Since the last sweep: 2 new, 0 changed, 0 reopened, 0 remediated, 1 resolved');
    expect(text).toContain('Open findings: 2 high, 0 medium, 1 low');
    expect(text).toContain(`[HIGH] key-no-external-principals on kms-key ${KEY.id} (111122223333 eu-west-1)`);
  });

  it('fits a huge error list and says so', () => {
    const errors = Array.from({ length: 20_000 }, (_, i) => ({
      account: String(100000000000 + i),
      region: 'eu-west-1',
      message: 'cannot assume role KmsPerimeterGuardMember: AccessDenied',
    }));
    const { doc, text } = open(summaryAlert({ ...input, errors }));
    if (doc.kind !== 'summary') throw new Error('expected a summary');
    expect(doc.truncated).toMatchObject({ errorsTotal: 20_000 });
    expect(doc.errors.length).toBeGreaterThan(100);
    expect(text).toContain('Errors (20000):');
    expect(text).toContain('TRUNCATED');
  });

  it('rejects counts that are not whole numbers', () => {
    expect(() => summaryAlert({ ...input, counts: { 'key-crypto-via-vpce': { alerted: -1 } } })).toThrow(
      AlertInputError,
    );
  });
});

describe('error alerts', () => {
  it('says which role could not be assumed, validates against the schema and fits the subject', () => {
    const entry = errorAlert({
      stage: 'assume-role',
      message: 'cannot assume arn:aws:iam::444455556666:role/KmsPerimeterGuardMember: AccessDenied',
      code: 'AccessDenied',
      account: '444455556666',
      region: 'eu-west-1',
      resource: { type: 'kms-key', id: '1234abcd-12ab-34cd-56ef-1234567890ab', account: '444455556666' },
      trigger: {
        eventId: 'e-1',
        eventName: 'PutKeyPolicy',
        actorArn: 'arn:aws:iam::444455556666:user/alice',
      },
      time: TIME,
    });
    const message = JSON.parse(entry.Message) as Record<string, string>;
    expect(validateSnsMessage(message)).toBe(true);
    const doc = JSON.parse(message.sqs as string);
    expect(validateDocument(doc), JSON.stringify(validateDocument.errors)).toBe(true);
    expect(doc).toMatchObject({
      kind: 'error',
      stage: 'assume-role',
      code: 'AccessDenied',
      severity: 'high',
    });
    expect(message.email).toContain('KmsPerimeterGuardMember');
    expect(message.email).toContain('arn:aws:iam::444455556666:user/alice');
    expect(entry.Subject.length).toBeLessThan(100);
    expect(entry.Subject).toMatch(/^\[HIGH\] guard error: .*could not assume the member role$/);
    expect(entry.MessageAttributes.status.StringValue).toBe('error');
    expect(entry.MessageAttributes.account.StringValue).toBe('444455556666');
  });

  it('clips a huge AWS message so the alert stays under the SNS limit', () => {
    const entry = errorAlert({ stage: 'read', message: 'x'.repeat(1_000_000), time: TIME });
    expect(alertEntryBytes(entry)).toBeLessThan(SNS_MESSAGE_MAX_BYTES);
    expect(validateDocument(JSON.parse(JSON.parse(entry.Message).sqs))).toBe(true);
  });
});
