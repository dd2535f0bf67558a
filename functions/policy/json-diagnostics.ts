/**
 * Diagnostics on policy JSON text that JSON.parse does not give: the size AWS counts, where a
 * syntax error is (line and column), and duplicate member names.
 */
import { child, errorMessage, ROOT_PATH, truncate } from './parse-support.js';
import type { Issue } from './types.js';

/** Bytes of the UTF-8 encoding (a lone surrogate encodes as U+FFFD, 3 bytes). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * JSON.parse's reason, with the line and column (1-based) of the offending character: taken from the
 * position JSON.parse reports, or found by `firstSyntaxError` when the reason names none.
 */
export function jsonErrorMessage(err: unknown, text: string): string {
  const reason = errorMessage(err)
    .replace(/\s+/g, ' ')
    .replace(/ \(line \d+ column \d+\)$/, '')
    .trim();
  const match = /at position (\d+)/.exec(reason);
  const position = match ? Number(match[1]) : firstSyntaxError(text);
  const bom = text.charCodeAt(0) === 0xfeff ? ' (the text starts with a byte-order mark)' : '';
  if (position === undefined) return reason + bom;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${reason} (line ${line}, column ${position - lineStart + 1})${bom}`;
}

class SyntaxErrorAt {
  constructor(readonly offset: number) {}
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const JSON_ESCAPE = /["\\/bfnrt]|u[0-9a-fA-F]{4}/y;
const MAX_SCAN_DEPTH = 1000;

/** Offset of the first character that breaks the JSON grammar (RFC 8259), or undefined. */
function firstSyntaxError(text: string): number | undefined {
  let i = 0;
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const expect = (c: string): void => {
    if (text.charAt(i) !== c) throw new SyntaxErrorAt(i);
    i++;
  };
  const jsonString = (): void => {
    expect('"');
    for (;;) {
      if (i >= text.length) throw new SyntaxErrorAt(i);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) throw new SyntaxErrorAt(i);
      if (c === 0x5c) {
        JSON_ESCAPE.lastIndex = i + 1;
        const escaped = JSON_ESCAPE.exec(text);
        if (!escaped) throw new SyntaxErrorAt(i + 1);
        i += 1 + escaped[0].length;
      } else i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > MAX_SCAN_DEPTH) throw new RangeError('too deep');
    space();
    const c = text.charAt(i);
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text.charAt(i) === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          space();
          jsonString();
          space();
          expect(':');
        }
        value(depth + 1);
        space();
        if (text.charAt(i) !== ',') {
          expect(close);
          return;
        }
        i++;
      }
    }
    if (c === '"') {
      jsonString();
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    JSON_NUMBER.lastIndex = i;
    const number = JSON_NUMBER.exec(text);
    if (!number) throw new SyntaxErrorAt(i);
    i += number[0].length;
  };
  try {
    value(0);
    space();
    return i < text.length ? i : undefined;
  } catch (err) {
    return err instanceof SyntaxErrorAt ? err.offset : undefined;
  }
}

type Frame =
  | { kind: 'object'; path: string; keys: Set<string>; expectKey: boolean; key: string }
  | { kind: 'array'; path: string; index: number };

/**
 * Duplicate member names in valid JSON text. JSON.parse silently keeps the last one, so a
 * document with duplicates may mean something else to AWS than to us: report, never guess.
 */
/** The one wording of a duplicate member name, for policies and for the inputs around them. */
export function duplicateKeyMessage(key: string): string {
  return `duplicate key ${JSON.stringify(truncate(key))}: the document has no single meaning (JSON.parse keeps the last one)`;
}

export function findDuplicateKeys(text: string): Issue[] {
  const issues: Issue[] = [];
  const stack: Frame[] = [];
  const valuePath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return ROOT_PATH;
    return top.kind === 'object' ? child(top.path, top.key) : `${top.path}[${top.index}]`;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = endOfString(text, i);
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectKey) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) {
          issues.push({
            path: child(top.path, key),
            message: duplicateKeyMessage(key),
          });
        }
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === '{')
      stack.push({ kind: 'object', path: valuePath(), keys: new Set(), expectKey: true, key: '' });
    else if (c === '[') stack.push({ kind: 'array', path: valuePath(), index: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'array') top.index++;
      else if (top?.kind === 'object') top.expectKey = true;
    }
    i++;
  }
  return issues;
}

/** Index just past the closing quote of the JSON string starting at `start`. */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return text.length;
}
