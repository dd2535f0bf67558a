import type { Candidate, Dimension } from './candidates.js';
import { WITNESS_ACTION_PREFERENCE } from './kms-actions.js';
import { ownGet, ownSet } from './own.js';
import { KEY_SPELLING } from './request-model.js';
import type { ConcreteRequest } from './types.js';

const ACTION_RANK = new Map<string, number>(WITNESS_ACTION_PREFERENCE.map((a, i) => [a.toLowerCase(), i]));

/** Lower is preferred: the witness names the action that says the most (Decrypt before DescribeKey). */
function actionRank(action: string): number {
  return ACTION_RANK.get(action.toLowerCase()) ?? ACTION_RANK.size + 1;
}

/** The concrete request of the chosen cells: one candidate per dimension, preferred ones first. */
export function buildWitness(dims: Dimension[], masks: bigint[], relevant: Set<string>): ConcreteRequest {
  const pickIndex = (mask: bigint, prefer?: (c: Candidate) => number, cands?: Candidate[]) => {
    const idx: number[] = [];
    for (let i = 0; mask >> BigInt(i) !== 0n; i++) if ((mask >> BigInt(i)) & 1n) idx.push(i);
    if (!prefer || !cands) return idx[0]!;
    return idx.reduce((best, i) => (prefer(cands[i]!) < prefer(cands[best]!) ? i : best), idx[0]!);
  };
  const request: ConcreteRequest = { principal: { AWS: '' }, action: '', resource: '*', context: {} };
  dims.forEach((d, i) => {
    const prefer = d.name === 'action' ? (c: Candidate) => actionRank(c.action!) : undefined;
    const c = d.candidates[pickIndex(masks[i]!, prefer, d.candidates)]!;
    if (c.principal) request.principal = c.principal;
    if (c.action) request.action = c.action;
    if (c.resource) request.resource = c.resource;
    for (const [k, v] of Object.entries(c.values))
      if (relevant.has(k)) ownSet(request.context, ownGet(KEY_SPELLING, k) ?? k, v);
  });
  return request;
}
