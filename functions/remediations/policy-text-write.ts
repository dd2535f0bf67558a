/**
 * What the two policy-text remediations (put-key-policy, modify-endpoint-policy) share: the write
 * carries the exact text the prover checked, and the read-back confirms it.
 */
import type { ReadBack, ResourceWrite } from './types.js';

/** Same document: KMS may return the text it stores with other spacing. */
export function samePolicyText(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

export const policyTextWrite = {
  contribute(plan: { policyText: string }, write: ResourceWrite): void {
    write.policyText = plan.policyText;
  },
  // Plans of one resource build on each other: the write carries the last one's text.
  confirmed: (back: ReadBack, _plan: unknown, write: ResourceWrite): boolean =>
    back.policyText !== undefined &&
    write.policyText !== undefined &&
    samePolicyText(back.policyText, write.policyText),
};
