/**
 * Reading JSON text the way a user needs it explained: a UTF-8 byte-order mark is accepted, binary
 * data is recognised (and never echoed back), a syntax error names its line and column without
 * quoting the text, a trailing comma is called one, and duplicate member names are found with the
 * JSON path of each (JSON.parse silently keeps the last one, so such a document has no single meaning).
 */
import { JsonSyntaxError } from '../errors.js';
import { duplicateKeyMessage } from '../policy/json-diagnostics.js';
import type { Issue } from '../policy/types.js';

export type JsonScan = { ok: true; duplicates: Issue[] } | { ok: false; message: string };

/** Strip a leading UTF-8 byte-order mark (editors on Windows write one; JSON.parse refuses it). */
export const withoutBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/**
 * Why the text is not text at all, if it is not: control characters other than tab, newline and
 * carriage return never occur in JSON text (inside strings they must be escaped), and U+FFFD is what
 * reading invalid UTF-8 as UTF-8 leaves behind.
 */
export function binaryReason(text: string): string | undefined {
  // UTF-16 read as UTF-8: a BOM that became two U+FFFD, then every other character NUL.
  if (/^\ufffd\ufffd/.test(text) && text.slice(2, 40).includes('\u0000')) {
    return 'not JSON text (UTF-16 encoded; save it as UTF-8)';
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for exactly these
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return 'not JSON text (binary data)';
  if (text.includes('\ufffd')) return 'not JSON text (not valid UTF-8)';
  return undefined;
}

/** `line N, column M` (1-based) of an offset. */
function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/** A character as a reader can see it, never raw (it may be a control character). */
function shown(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) {
    return `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return c === "'" ? '"\'"' : `'${c}'`;
}

const child = (parent: string, key: string) => (parent === '$' ? key : `${parent}.${key}`);

type Frame =
  | { kind: 'object'; path: string; keys: Set<string>; key: string }
  | { kind: 'array'; path: string; index: number };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Check JSON text (RFC 8259) without building it: the first syntax error, or every duplicate member
 * name with its JSON path (`Statement[0].Effect`, the paths the policy parser uses). Iterative, so a
 * deeply nested document cannot exhaust the stack.
 */
export function scanJson(text: string): JsonScan {
  const duplicates: Issue[] = [];
  const stack: Frame[] = [];
  let i = 0;
  const n = text.length;
  const space = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const fail = (what: string, at = i): never => {
    throw new JsonSyntaxError(at, what);
  };
  const unexpected = (expected: string): never =>
    i >= n
      ? fail(`the text ends where ${expected} should be`)
      : fail(`unexpected ${shown(text.charAt(i))} where ${expected} should be`);
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return JSON.parse(text.slice(start, i)) as string;
      }
      if (c === 0x5c) {
        const e = text.charAt(i + 1);
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('a \\u escape needs 4 hex digits');
          i += 6;
        } else if ('"\\/bfnrt'.includes(e) && e !== '') i += 2;
        else
          fail(e === '' ? 'the text ends inside a string' : `invalid escape \\${shown(e).replace(/'/g, '')}`);
      } else if (c < 0x20) {
        fail(
          c === 0x0a
            ? 'a string runs past the end of its line (missing closing quote?)'
            : 'raw control character in a string',
        );
      } else i++;
    }
    return fail('the text ends inside a string (missing closing quote?)', start);
  };
  const valuePath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '$';
    return top.kind === 'object' ? child(top.path, top.key) : `${top.path}[${top.index}]`;
  };
  // A state machine, not recursion: `value` reads a value (opening a container pushes a frame),
  // `member` reads `"name":` of the object on top, `after` closes containers or moves to the next
  // element or member; `end` is the end of the document.
  type State = 'value' | 'member' | 'after' | 'end';
  const readValue = (): State => {
    const c = text.charAt(i);
    if (c === '{' || c === '[') {
      i++;
      const path = valuePath();
      stack.push(
        c === '{' ? { kind: 'object', path, keys: new Set(), key: '' } : { kind: 'array', path, index: 0 },
      );
      space();
      if (text.charAt(i) === (c === '{' ? '}' : ']')) {
        i++;
        stack.pop();
        return 'after';
      }
      return c === '{' ? 'member' : 'value';
    }
    if (c === '"') string();
    else {
      const literal = ['true', 'false', 'null'].find((l) => text.startsWith(l, i));
      NUMBER.lastIndex = i;
      const m = literal === undefined ? NUMBER.exec(text) : null;
      if (literal !== undefined) i += literal.length;
      else if (m) i += m[0].length;
      else unexpected('a value');
    }
    return 'after';
  };
  const readMember = (): State => {
    if (text.charAt(i) !== '"') unexpected('a member name in double quotes');
    const top = stack[stack.length - 1] as Extract<Frame, { kind: 'object' }>;
    const key = string();
    if (top.keys.has(key)) {
      duplicates.push({
        path: child(top.path, key),
        message: duplicateKeyMessage(key),
      });
    }
    top.keys.add(key);
    top.key = key;
    space();
    if (text.charAt(i) !== ':') unexpected("':' after the member name");
    i++;
    return 'value';
  };
  const readAfter = (): State => {
    const top = stack[stack.length - 1];
    if (!top) return 'end';
    const c = text.charAt(i);
    if (c === (top.kind === 'object' ? '}' : ']')) {
      i++;
      stack.pop();
      return 'after';
    }
    if (c !== ',') unexpected(top.kind === 'object' ? "',' or '}'" : "',' or ']'");
    const comma = i;
    i++;
    space();
    if (text.charAt(i) === '}' || text.charAt(i) === ']') {
      fail(`trailing comma at ${lineColumn(text, comma)} (JSON allows none)`, comma);
    }
    if (top.kind === 'array') {
      top.index++;
      return 'value';
    }
    return 'member';
  };
  let state: State = 'value';
  try {
    while (state !== 'end') {
      space();
      state = state === 'value' ? readValue() : state === 'member' ? readMember() : readAfter();
    }
    if (i < n) fail(`unexpected ${shown(text.charAt(i))} after the end of the document`);
    return { ok: true, duplicates };
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return {
      ok: false,
      message: err.what.startsWith('trailing comma')
        ? err.what
        : `not valid JSON at ${lineColumn(text, err.offset)}: ${err.what}`,
    };
  }
}
