/** "Did you mean" hints for misspelt element names, principal types and condition operators. */
import { IF_EXISTS, OPERATOR_SPELLINGS, parseConditionOperator } from './condition-operator.js';
import { truncate } from './parse-support.js';

export function unknownOperatorMessage(operator: string): string {
  const base = `unknown condition operator ${JSON.stringify(operator)}`;
  const withoutIfExists = operator.endsWith(IF_EXISTS) ? operator.slice(0, -IF_EXISTS.length) : '';
  if (withoutIfExists && parseConditionOperator(withoutIfExists)?.base === 'Null') {
    return `${base}: IfExists cannot be used with Null (Null itself tests whether the key is present)`;
  }
  const suggestion = closest(operator, OPERATOR_SPELLINGS);
  if (!suggestion) return base;
  const caseOnly = suggestion.toLowerCase() === operator.toLowerCase();
  return `${base}${caseOnly ? ' (operator names are case-sensitive)' : ''}; did you mean ${JSON.stringify(suggestion)}?`;
}

export function unknownElement(name: string, allowed: readonly string[], what: string): string {
  const suggestion = closest(name, allowed);
  const hint = suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : '';
  return `unknown ${what} ${JSON.stringify(truncate(name))} (allowed: ${allowed.join(', ')})${hint}`;
}

/** The candidate nearest to `word` by edit distance, when near enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  if (word.length === 0 || word.length > 64) return undefined;
  const lower = word.toLowerCase();
  const caseOnly = candidates.find((c) => c.toLowerCase() === lower);
  if (caseOnly) return caseOnly;
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 4)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
