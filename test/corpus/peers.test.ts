import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusAvailable } from '../corpus.js';
import {
  APPLICABLE_KINDS,
  type CaseResult,
  judgeCase,
  loadPeerCases,
  type Peer,
  type PeerCase,
} from './peers.js';

interface Reviewed {
  disagreements: {
    peer: Peer;
    case: string;
    peerExternal: boolean | null;
    ourExternal: boolean;
    reason: string;
  }[];
  inputErrors: { peer: Peer; case: string; reason: string }[];
}

const reviewed = JSON.parse(
  readFileSync(new URL('./peer-disagreements.json', import.meta.url), 'utf8'),
) as Reviewed;

const PEER_NAMES: Record<Peer, string> = { custodian: 'Cloud Custodian', prowler: 'Prowler' };

/** The README table: cases compared per peer, agreement, listed differences, input errors. */
export function agreementTable(rows: { c: PeerCase; r: CaseResult }[]): string {
  const lines = [
    '| peer | cases compared | agree | differ (each listed with its reason) | input errors | not compared (kinds this guard does not judge) |',
    '|---|---|---|---|---|---|',
  ];
  for (const peer of ['custodian', 'prowler'] as const) {
    const all = rows.filter((x) => x.c.peer === peer);
    const applicable = all.filter((x) => APPLICABLE_KINDS.has(x.c.kind));
    const compared = applicable.filter((x) => x.r.kind === 'compared');
    const agree = compared.filter((x) => x.r.kind === 'compared' && x.r.ours === x.c.peerExternal).length;
    lines.push(
      `| ${PEER_NAMES[peer]} | ${compared.length} | ${agree} | ${compared.length - agree} | ${applicable.length - compared.length} | ${all.length - applicable.length} |`,
    );
  }
  return lines.join('\n');
}

describe.skipIf(!corpusAvailable())('peer comparison (Cloud Custodian, Prowler)', () => {
  const cases = loadPeerCases();
  const rows = cases.map((c) => ({
    c,
    r: APPLICABLE_KINDS.has(c.kind)
      ? judgeCase(c)
      : ({ kind: 'input-error', message: 'not applicable' } as CaseResult),
  }));
  const applicable = rows.filter((x) => APPLICABLE_KINDS.has(x.c.kind));

  it('compares every key-policy and endpoint-policy case of both peers', () => {
    expect(applicable.filter((x) => x.c.peer === 'custodian').length).toBeGreaterThanOrEqual(36);
    expect(applicable.filter((x) => x.c.peer === 'prowler').length).toBeGreaterThanOrEqual(18);
  });

  it('every disagreement is listed with a reason, and every listed one still disagrees', () => {
    const actual = applicable
      .filter((x) => x.r.kind === 'compared' && x.r.ours !== x.c.peerExternal)
      .map((x) => ({
        peer: x.c.peer,
        case: x.c.file,
        peerExternal: x.c.peerExternal ?? null,
        ourExternal: x.r.kind === 'compared' && x.r.ours,
      }));
    const listed = reviewed.disagreements.map(({ peer, case: file, peerExternal, ourExternal }) => ({
      peer,
      case: file,
      peerExternal,
      ourExternal,
    }));
    const key = (d: { case: string }) => d.case;
    const unlisted = actual.filter(
      (a) =>
        !listed.some(
          (l) => key(l) === key(a) && l.ourExternal === a.ourExternal && l.peerExternal === a.peerExternal,
        ),
    );
    const stale = listed.filter(
      (l) => !actual.some((a) => key(l) === key(a) && l.ourExternal === a.ourExternal),
    );
    expect(unlisted, 'disagreements missing from test/corpus/peer-disagreements.json').toEqual([]);
    expect(stale, 'listed disagreements that no longer disagree').toEqual([]);
    for (const d of reviewed.disagreements) expect(d.reason.length, d.case).toBeGreaterThan(40);
  });

  it('every input error is listed with a reason, and nothing else fails to parse', () => {
    const errors = applicable.filter((x) => x.r.kind === 'input-error').map((x) => x.c.file);
    expect(errors).toEqual(reviewed.inputErrors.map((e) => e.case));
  });

  it('agrees with the corpus authors’ AWS-semantics verdict on all 29 Custodian blind-spot probes', () => {
    const probes = rows.filter((x) => x.c.probe);
    expect(probes).toHaveLength(29);
    for (const { c, r } of probes) {
      expect(r.kind, c.file).toBe('compared');
      if (r.kind === 'compared') expect(r.ours, `${c.file}: ${r.detail}`).toBe(c.semanticExternal);
    }
  });

  it('every external verdict of ours carries a witness', () => {
    for (const { c, r } of applicable) {
      if (r.kind === 'compared' && r.ours) expect(r.proof, c.file).toBe('witness');
    }
  });

  it('the README shows the current agreement table', () => {
    const table = agreementTable(rows);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme, `README.md must contain this table:\n${table}`).toContain(table);
  });
});
