/**
 * The streamed sweep report is the buffered one: same JSON once parsed, same pretty-printing but for
 * the order of its top-level members; written one resource at a time, keeping none.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { RULE_IDS } from '../../functions/config/schema.js';
import { sweepAccountRegion } from '../../functions/engine/sweep.js';
import { buildReport, type ReportResource } from '../../functions/engine/sweep-report.js';
import { createReportStream } from '../../functions/engine/sweep-report-stream.js';
import { harness, OWN, PARTNER, policyText, REGION, ROOT } from './fake-aws.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validateReport = ajv.compile(
  JSON.parse(readFileSync(new URL('../../schema/sweep-report.v1.schema.json', import.meta.url), 'utf8')),
);

const keyId = (i: number) => `0000000${i}-12ab-34cd-56ef-1234567890ab`.slice(-36);
const arn = (id: string) => `arn:aws:kms:${REGION}:${OWN}:key/${id}`;
const startedAt = new Date('2026-12-01T00:00:00.000Z');
const finishedAt = new Date('2026-12-01T00:01:30.250Z');

/** Compliant, open (remediated), AWS-managed (alias), pending deletion, unreadable; two endpoints. */
async function sweptEstate(keys = true) {
  const h = harness({
    rules: { 'key-no-external-principals': 'remediate', 'endpoint-private-dns': 'alert' },
  });
  if (keys) {
    h.aws.addKey(policyText(ROOT), { keyId: keyId(0), arn: arn(keyId(0)) });
    h.aws.addKey(policyText(ROOT, PARTNER), { keyId: keyId(1), arn: arn(keyId(1)) });
    h.aws.addKey(policyText(ROOT), { keyId: keyId(2), arn: arn(keyId(2)), keyManager: 'AWS' }).aliases = [
      'alias/aws/ebs',
    ];
    h.aws.addKey(policyText(ROOT, PARTNER), {
      keyId: keyId(3),
      arn: arn(keyId(3)),
      keyState: 'PendingDeletion',
    });
    h.aws.addKey(policyText(ROOT), { keyId: keyId(4), arn: arn(keyId(4)) });
    h.aws.faultsFor.set(`GetKeyPolicy:${keyId(4)}`, {
      code: 'AccessDeniedException',
      classification: 'access-denied',
    });
    h.aws.addEndpoint({ id: 'vpce-0aaaaaaaaaaaaaaa1', privateDnsEnabled: false });
    h.aws.addEndpoint({ id: 'vpce-0aaaaaaaaaaaaaaa2' });
  }
  const streamed: ReportResource[] = [];
  const chunks: string[] = [];
  const stream = createReportStream(
    { runId: 'run-1', startedAt, dryRun: false },
    (c) => chunks.push(c),
    RULE_IDS,
  );
  const sweep = await sweepAccountRegion(OWN, REGION, h.deps, {
    concurrency: 2,
    onResource: (r) => {
      const before = chunks.length;
      stream.add(r);
      // Written at once, one piece per resource.
      expect(chunks.length).toBe(before + 1);
      streamed.push(r);
    },
  });
  const tail = { finishedAt, scopes: [sweep.scope], apiCalls: { 'kms:ListKeys': 1 }, rateLimitWaitsMs: {} };
  const summary = stream.finish(tail);
  const buffered = buildReport({
    runId: 'run-1',
    startedAt,
    finishedAt,
    dryRun: false,
    sweeps: [{ ...sweep, resources: streamed }],
    apiCalls: tail.apiCalls,
    rateLimitWaitsMs: tail.rateLimitWaitsMs,
  });
  return { sweep, text: chunks.join(''), chunks, buffered, summary };
}

describe('the streamed sweep report', () => {
  it('parses to the buffered report of the same sweep, valid against the schema', async () => {
    const { sweep, text, buffered, summary, chunks } = await sweptEstate();
    // The sweep kept nothing: every resource went to the stream.
    expect(sweep.resources).toEqual([]);
    expect(buffered.resources).toHaveLength(7);
    expect(chunks).toHaveLength(7 + 2);
    const parsed = JSON.parse(text);
    expect(parsed).toEqual(buffered);
    expect(validateReport(parsed), JSON.stringify(validateReport.errors)).toBe(true);
    expect(parsed.totals).toMatchObject({ resources: 7, judged: 5, skipped: 1, unreadable: 1 });
    expect(summary).toEqual({ ...buffered, resources: undefined });
    // Pretty-printed as JSON.stringify(report, null, 2), members in the stream's order.
    const {
      resources,
      finishedAt: f,
      durationMs,
      scopes,
      totals,
      apiCalls,
      rateLimitWaitsMs,
      ...start
    } = buffered;
    const ordered = {
      ...start,
      resources,
      finishedAt: f,
      durationMs,
      scopes,
      totals,
      apiCalls,
      rateLimitWaitsMs,
    };
    expect(text).toBe(`${JSON.stringify(ordered, null, 2)}\n`);
  });

  it('an account-region without resources is an empty array, as buffered', async () => {
    const { text, buffered } = await sweptEstate(false);
    expect(buffered.resources).toEqual([]);
    expect(JSON.parse(text)).toEqual(buffered);
    expect(text).toMatch(/"resources": \[\],\n/);
  });
});
