/**
 * Text output never carries control characters from the data: a Sid, tag or policy value may hold
 * ANSI escapes (which would recolour or rewrite the terminal) or newlines (which would forge report
 * lines). They are shown escaped, as JSON would write them.
 */

// C0 and C1 controls, DEL, the Unicode line/paragraph separators and the bidirectional overrides
// and isolates (which reorder what a terminal shows).
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what must not be printed
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One line of text with every control character escaped (`\u001b[31m`, `\n`). */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Lines joined for output, each made printable: a value cannot add or rewrite a line. */
export function printableLines(lines: readonly string[]): string {
  return `${lines.map(printable).join('\n')}\n`;
}
