/**
 * Policy values and request context for the concrete evaluator (evaluate.ts, evaluate-conditions.ts):
 * context keys looked up as IAM does, policy variables substituted, wildcards matched. Like the rest
 * of the concrete evaluator it shares no code with the symbolic analyzer (glob.ts), so that
 * differential tests compare two independent readings.
 */

export type RequestContext = Record<string, string | string[]>;

/** One character of a policy value; `wild` marks a `*` or `?` written in the policy itself. */
export interface PatternChar {
  ch: string;
  wild: boolean;
}

/**
 * The values of a context key, looked up case-insensitively ("Key names are case-insensitive",
 * IAM User Guide, "Variables and tags"). A single string is a one-element set. An empty list is
 * treated as absent: AWS treats a key that "resolves to a null dataset" like a missing one
 * (IAM User Guide, "Single-valued vs. multivalued context keys"). When the context spells one key
 * in several cases, the first spelling wins.
 */
export function lookupContext(context: RequestContext, key: string): string[] | undefined {
  const wanted = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) {
    if (name.toLowerCase() !== wanted) continue;
    const values = typeof value === 'string' ? [value] : value;
    return values.length === 0 ? undefined : values;
  }
  return undefined;
}

/** A pattern with `*`/`?` wildcards and no variables (Action, NotAction). */
export function literalPattern(text: string): PatternChar[] {
  return Array.from(text, (ch) => ({ ch, wild: ch === '*' || ch === '?' }));
}

const VARIABLE = /^\$\{([^}]*)\}/;
// `${key}` or `${key, 'default'}` (IAM User Guide, "Specifying default values").
const VARIABLE_BODY = /^\s*([^\s,'{}$]+)\s*(?:,\s*'([^']*)'\s*)?$/;

/**
 * A policy value with its variables substituted, or `undefined` when a variable cannot be resolved
 * (the value then matches nothing). `${*}`, `${?}` and `${$}` are the literal characters, and
 * substituted text is literal too: only wildcards written in the policy are wildcards.
 */
export function resolvePolicyValue(
  text: string,
  context: RequestContext,
  variables: boolean,
): PatternChar[] | undefined {
  if (!variables) return literalPattern(text);
  const out: PatternChar[] = [];
  let i = 0;
  while (i < text.length) {
    const variable = text.startsWith('${', i) ? VARIABLE.exec(text.slice(i)) : null;
    if (variable) {
      const substituted = resolveVariable(variable[1] ?? '', context);
      if (substituted === undefined) return undefined;
      for (const ch of Array.from(substituted)) out.push({ ch, wild: false });
      i += variable[0].length;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i) ?? 0);
    out.push({ ch, wild: ch === '*' || ch === '?' });
    i += ch.length;
  }
  return out;
}

function resolveVariable(body: string, context: RequestContext): string | undefined {
  if (body === '*' || body === '?' || body === '$') return body;
  const parts = VARIABLE_BODY.exec(body);
  if (!parts) return undefined;
  const values = lookupContext(context, parts[1] ?? '');
  // A multivalued key has no single value to substitute.
  if (values !== undefined && values.length === 1) return values[0];
  return parts[2];
}

/**
 * Whole-value wildcard match: `*` is any run of characters (possibly empty), `?` exactly one.
 * A straightforward dynamic programme over prefixes: `reachable[j]` says whether the pattern read
 * so far matches the first `j` characters of the value.
 */
export function wildcardMatch(pattern: PatternChar[], value: string, ignoreCase: boolean): boolean {
  const text = Array.from(value);
  const fold = (ch: string | undefined): string | undefined => (ignoreCase ? ch?.toLowerCase() : ch);
  let reachable: boolean[] = text.map(() => false);
  reachable.push(false);
  reachable[0] = true;
  for (const p of pattern) {
    const next: boolean[] = reachable.map(() => false);
    if (p.wild && p.ch === '*') {
      let seen = false;
      for (let j = 0; j <= text.length; j++) {
        seen = seen || reachable[j] === true;
        next[j] = seen;
      }
    } else {
      for (let j = 1; j <= text.length; j++) {
        next[j] = reachable[j - 1] === true && (p.wild || fold(p.ch) === fold(text[j - 1]));
      }
    }
    reachable = next;
  }
  return reachable[text.length] === true;
}
