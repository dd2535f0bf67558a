import type { Statement } from '../policy/types.js';

/** How findings point at statements: the Sid when there is one, else `Statement[i]`. */
export function statementLabel(s: Statement): string {
  return s.sid !== undefined && s.sid !== '' ? s.sid : s.path;
}

export function statementLabels(ss: readonly Statement[]): string[] {
  return [...new Set(ss.map(statementLabel))];
}
