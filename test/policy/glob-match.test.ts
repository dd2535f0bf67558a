/**
 * globMatches (functions/policy/glob.ts) on its two paths, the segment path for plain `*`/`?`
 * patterns on ASCII values and the automaton for the rest, against a regular-expression oracle
 * built from the pattern (small inputs, so backtracking stays cheap).
 */
import { describe, expect, it } from 'vitest';
import { compileGlob, type GlobSpec, globMatches } from '../../functions/policy/glob.js';
import { prng } from '../../tools/prng.js';

/** The oracle: `*` any run, `?` one character (ARN mode: neither crosses `:` in the first five parts). */
function oracle(spec: GlobSpec, value: string): boolean {
  let colons = 0;
  let source = '^';
  for (const ch of spec.pattern) {
    const inPrefix = spec.arn && colons < 5;
    if (spec.wildcards && ch === '*') source += inPrefix ? '[^:]*' : '.*';
    else if (spec.wildcards && ch === '?') source += inPrefix ? '[^:]' : '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (ch === ':') colons++;
  }
  return new RegExp(`${source}$`, `su${spec.ignoreCase ? 'i' : ''}`).test(value);
}

describe('globMatches agrees with a regular-expression oracle', () => {
  const rand = prng(20261202);
  const pick = (s: string) => s[Math.floor(rand() * s.length)] ?? '';
  const word = (alphabet: string, max: number) =>
    Array.from({ length: Math.floor(rand() * (max + 1)) }, () => pick(alphabet)).join('');

  /** A value built from the pattern (so it often matches), sometimes with one character changed. */
  const instance = (pattern: string) => {
    let v = '';
    for (const ch of pattern)
      v += ch === '*' ? word('ab:A', 3) : ch === '?' ? pick('abB:') : rand() < 0.2 ? ch.toUpperCase() : ch;
    return rand() < 0.3 && v.length > 0 ? `${v.slice(0, -1)}${pick('ab:')}` : v;
  };

  it('on generated patterns and values (ASCII, mixed case, colons; and some non-ASCII)', () => {
    let matched = 0;
    let cases = 0;
    for (let i = 0; i < 4_000; i++) {
      const spec: GlobSpec = {
        pattern: word('abAB:*?', 9),
        wildcards: rand() < 0.9,
        ignoreCase: rand() < 0.4,
        arn: rand() < 0.3,
        escapes: false,
      };
      const g = compileGlob(spec);
      for (let j = 0; j < 8; j++) {
        const value =
          j % 2 === 0 ? instance(spec.pattern) : rand() < 0.2 ? word('abAé:', 8) : word('abAB:', 10);
        const expected = oracle(spec, value);
        expect(globMatches(g, value), `${JSON.stringify(spec)} on ${JSON.stringify(value)}`).toBe(expected);
        if (expected) matched++;
        cases++;
      }
    }
    // Both outcomes are exercised often, or the comparison says little.
    expect(matched).toBeGreaterThan(cases / 20);
    expect(matched).toBeLessThan(cases - cases / 20);
  });

  it('the star patterns of the issue: linear, and right', () => {
    const g = compileGlob({
      pattern: `arn:aws:iam::*:role/${'a*'.repeat(20)}b`,
      wildcards: true,
      ignoreCase: false,
      arn: true,
    });
    expect(globMatches(g, `arn:aws:iam::111122223333:role/${'a'.repeat(200)}`)).toBe(false);
    expect(globMatches(g, `arn:aws:iam::111122223333:role/${'a'.repeat(20)}b`)).toBe(true);
    const plain = compileGlob({
      pattern: `${'a*'.repeat(20)}b`,
      wildcards: true,
      ignoreCase: false,
      arn: false,
    });
    expect(globMatches(plain, 'a'.repeat(5_000))).toBe(false);
    expect(globMatches(plain, `${'a'.repeat(5_000)}b`)).toBe(true);
  });
});
