/**
 * Security Hub findings per transition: each transition tells Security Hub what it means
 * (Compliance.Status, RecordState, Workflow on reopening), under the stable finding id, within the
 * ASFF limits (test/fixtures/findings/asff-finding.schema.json), with or without an open finding.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { toAsff } from '../../functions/findings/asff.js';
import { resourceOfArn } from '../../functions/findings/record-finding.js';
import { asffOfTransition } from '../../functions/findings/transition-asff.js';
import { ACCOUNT, id, KEY, openFinding, steps, T0, T1, T2 } from './transitions.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validAsff = ajv.compile(
  JSON.parse(readFileSync('test/fixtures/findings/asff-finding.schema.json', 'utf8')),
);

describe('asffOfTransition', () => {
  const s = steps();

  it('new and changed: FAILED, ACTIVE, no workflow, rendered from the open finding', () => {
    for (const t of ['new', 'changed'] as const) {
      const doc = asffOfTransition(s[t], openFinding());
      expect(doc).toMatchObject({ Id: id, Compliance: { Status: 'FAILED' }, RecordState: 'ACTIVE' });
      expect(doc.Workflow).toBeUndefined();
      expect(doc.ProductFields['kms-perimeter-guard/transition']).toBe(t);
      expect(doc.ProductFields['kms-perimeter-guard/witness']).toContain('444455556666');
      expect(validAsff(doc), JSON.stringify(validAsff.errors)).toBe(true);
    }
  });

  it('times come from the record: created and first observed at firstSeen, updated at the transition', () => {
    const doc = asffOfTransition(s.changed, openFinding());
    expect(doc).toMatchObject({ CreatedAt: T0, FirstObservedAt: T0, UpdatedAt: T1, LastObservedAt: T1 });
    expect(asffOfTransition(s.reopened, openFinding())).toMatchObject({ CreatedAt: T0, UpdatedAt: T2 });
  });

  it('reopened: FAILED, ACTIVE and Workflow.Status NEW', () => {
    const doc = asffOfTransition(s.reopened, openFinding());
    expect(doc).toMatchObject({
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
    });
    expect(validAsff(doc), JSON.stringify(validAsff.errors)).toBe(true);
  });

  it('resolved, without an open finding: PASSED, ARCHIVED, built from the record and the rule registry', () => {
    const doc = asffOfTransition(s.resolved, undefined);
    expect(doc).toMatchObject({
      Id: id,
      AwsAccountId: ACCOUNT,
      Region: 'eu-west-1',
      ProductArn: `arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default`,
      GeneratorId: 'kms-perimeter-guard/key-no-external-principals',
      Title: 'Key policies admit no external principal',
      Severity: { Label: 'HIGH', Original: 'high' },
      Compliance: { Status: 'PASSED' },
      RecordState: 'ARCHIVED',
      Resources: [{ Type: 'AwsKmsKey', Id: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY}` }],
    });
    expect(doc.Description).toContain(`resolved at ${T1}`);
    expect(doc.Workflow).toBeUndefined();
    expect(validAsff(doc), JSON.stringify(validAsff.errors)).toBe(true);
  });

  it('remediated: PASSED and ARCHIVED, the workflow left to the customer; says the guard fixed it', () => {
    const said = {
      withFinding: `remediated at ${T1}: kms-key ${KEY}: arn:aws:iam::444455556666:root may call kms:Decrypt`,
      fromRecord: `kms-key ${KEY}: Key policies admit no external principal: remediated at ${T1} (remediated by kms-perimeter-guard)`,
    };
    for (const [f, description] of [
      [openFinding(), said.withFinding],
      [undefined, said.fromRecord],
    ] as const) {
      const doc = asffOfTransition(s.remediated, f);
      expect(doc).toMatchObject({
        Compliance: { Status: 'PASSED' },
        RecordState: 'ARCHIVED',
        Description: description,
      });
      expect(doc.Workflow).toBeUndefined();
      expect(doc.ProductFields['kms-perimeter-guard/state']).toBe('remediated');
      expect(validAsff(doc), JSON.stringify(validAsff.errors)).toBe(true);
    }
  });

  it('exempted: still FAILED, but ARCHIVED', () => {
    const doc = asffOfTransition(s.exempted, undefined);
    expect(doc).toMatchObject({ Compliance: { Status: 'FAILED' }, RecordState: 'ARCHIVED' });
    expect(doc.Description).toContain('exempt');
    expect(validAsff(doc), JSON.stringify(validAsff.errors)).toBe(true);
  });

  it('severity and types also go in FindingProviderFields (what a provider may update)', () => {
    const doc = asffOfTransition(s.new, openFinding());
    expect(doc.FindingProviderFields).toEqual({ Severity: doc.Severity, Types: doc.Types });
  });

  it('a closing transition says so first, so the 1024-character clip keeps it', () => {
    const long = { ...openFinding(), description: 'x'.repeat(5000) };
    const doc = asffOfTransition(s.remediated, long);
    expect(doc.Description).toHaveLength(1024);
    expect(doc.Description.startsWith(`remediated at ${T1}: `)).toBe(true);
  });

  it('the record of an endpoint gives back the endpoint, typed Other with its ARN', () => {
    const arn = `arn:aws:ec2:eu-west-1:${ACCOUNT}:vpc-endpoint/vpce-0a1b2c3d4e5f6a7b8`;
    expect(resourceOfArn(arn)).toEqual({ type: 'vpc-endpoint', id: 'vpce-0a1b2c3d4e5f6a7b8' });
    const r = s.resolved;
    const endpoint = {
      ...r,
      next: {
        ...r.next,
        subject: { ...r.next.subject, resourceArn: arn, rule: 'endpoint-private-dns' as const },
      },
    };
    const doc = asffOfTransition(endpoint, undefined);
    expect(doc.Resources).toEqual([{ Type: 'Other', Id: arn, Partition: 'aws', Region: 'eu-west-1' }]);
    expect(doc.Title).toBe('KMS interface endpoints have private DNS enabled');
  });

  it('toAsff without a lifecycle is still an open finding (check --format asff)', () => {
    const doc = toAsff(openFinding(), { firstSeen: T0, lastSeen: T0, updatedAt: T0 });
    expect(doc).toMatchObject({ Compliance: { Status: 'FAILED' }, RecordState: 'ACTIVE' });
  });
});
