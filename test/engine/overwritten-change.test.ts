/**
 * An owner's edit that lands between the guard's re-read and its write is lost (KMS has no
 * conditional PutKeyPolicy). When that edit's own event arrives and its policy is not the live one
 * while the live one carries the guard's statement, the guard says so (safety issue, item 7).
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { processTrigger } from '../../functions/engine/pipeline.js';
import { parsePolicyText } from '../../functions/policy/parse.js';
import { denyExternalPrincipals, placeGuards } from '../../functions/rules/guard-statements.js';
import { alertDocument, harness, keyTrigger, OWN, PARTNER, policyText, ROOT } from './fake-aws.js';

const NEW = {
  Sid: 'AllowAuditRole',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${OWN}:role/audit` },
  Action: 'kms:DescribeKey',
  Resource: '*',
};

function guarded(text: string, h: ReturnType<typeof harness>): string {
  const parsed = parsePolicyText(text);
  if (!parsed.ok) throw new Error('fixture does not parse');
  return placeGuards(parsed.value, [denyExternalPrincipals(h.deps.config, true)!]).text;
}

const validate = new Ajv2020({ allErrors: true, strict: true }).compile(
  JSON.parse(readFileSync(new URL('../../schema/finding-alert.v1.schema.json', import.meta.url), 'utf8')),
);

const notices = (h: ReturnType<typeof harness>) =>
  h.alerts
    .filter((a) => a.MessageAttributes.kind.StringValue === 'notice')
    .map((a) => {
      const doc = alertDocument(a);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      expect(a.Subject.length).toBeLessThan(100);
      return doc;
    });

describe('a policy change overwritten by a later write', () => {
  it('the owner’s event carries statements the live, guard-written policy lacks: one notice naming them', async () => {
    const h = harness();
    // The guard wrote ROOT+PARTNER+guard from its earlier read; alice's ROOT+PARTNER+NEW was lost.
    h.aws.addKey(guarded(policyText(ROOT, PARTNER), h));
    const trigger = { ...keyTrigger(), policyText: policyText(ROOT, PARTNER, NEW) };
    await processTrigger(trigger, h.deps);
    const [notice, ...more] = notices(h);
    expect(more).toEqual([]);
    expect(notice).toMatchObject({
      notice: 'policy-change-overwritten',
      severity: 'medium',
      trigger: { eventId: 'evt-1', actorArn: `arn:aws:iam::${OWN}:user/alice` },
    });
    expect(String(notice!.message)).toMatch(/is not the live policy: a later write replaced it/);
    expect((notice!.details as string[]).join('\n')).toContain('AllowAuditRole is not in the live policy');
  });

  it.each([
    [
      'the live policy is the change plus the guard statement',
      (h: ReturnType<typeof harness>) => guarded(policyText(ROOT, PARTNER, NEW), h),
      undefined,
    ],
    ['the live policy is another owner write (no guard statement)', () => policyText(ROOT), undefined],
    [
      'the event is the guard’s own write',
      (h: ReturnType<typeof harness>) => guarded(policyText(ROOT, PARTNER), h),
      'arn:aws:sts::111122223333:assumed-role/KeyEventsRole/kms-perimeter-guard-prod-keyEvents',
    ],
  ])('no notice when %s', async (_name, live, actor) => {
    const h = harness();
    h.aws.addKey(live(h));
    const trigger = {
      ...keyTrigger(),
      policyText: policyText(ROOT, PARTNER, NEW),
      ...(actor ? { actorArn: actor } : {}),
    };
    await processTrigger(trigger, h.deps);
    expect(notices(h)).toEqual([]);
  });
});
