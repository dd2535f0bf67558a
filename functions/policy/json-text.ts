/**
 * Where things are in a policy's JSON text, so that a remediation can add statements without
 * re-serializing the document: the original statements keep their exact bytes (spacing, key order,
 * number spellings, escapes), and the size checked before the write is the size of the text written.
 * The text must already be valid JSON (the parser checked it); nothing here evaluates values.
 */

interface Span {
  start: number;
  /** Exclusive. */
  end: number;
}

export interface DocumentLayout {
  /** Every top-level member: its key and the span of its value. */
  members: { key: string; value: Span }[];
  /** The `Statement` value: a list (with each element's span) or a single object. */
  statement?: { kind: 'list'; span: Span; elements: Span[] } | { kind: 'object'; span: Span };
}

const WS = new Set([' ', '\t', '\n', '\r']);

class Scanner {
  i = 0;
  constructor(readonly text: string) {}
  space(): void {
    while (this.i < this.text.length && WS.has(this.text[this.i]!)) this.i++;
  }
  expect(ch: string): void {
    this.space();
    if (this.text[this.i] !== ch) throw new SyntaxError(`expected ${ch} at offset ${this.i}`);
    this.i++;
  }
  string(): string {
    this.space();
    const start = this.i;
    if (this.text[this.i] !== '"') throw new SyntaxError(`expected a string at offset ${this.i}`);
    this.i++;
    while (this.i < this.text.length) {
      const c = this.text[this.i]!;
      if (c === '\\') this.i += 2;
      else if (c === '"') {
        this.i++;
        return JSON.parse(this.text.slice(start, this.i)) as string;
      } else this.i++;
    }
    throw new SyntaxError('unterminated string');
  }
  /** Skip one value; its span. */
  value(): Span {
    this.space();
    const start = this.i;
    const c = this.text[this.i];
    if (c === '"') this.string();
    else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      this.i++;
      this.space();
      if (this.text[this.i] === close) this.i++;
      else {
        for (;;) {
          if (c === '{') {
            this.string();
            this.expect(':');
          }
          this.value();
          this.space();
          if (this.text[this.i] === ',') {
            this.i++;
            continue;
          }
          this.expect(close);
          break;
        }
      }
    } else {
      while (this.i < this.text.length && !WS.has(this.text[this.i]!) && !',]}'.includes(this.text[this.i]!))
        this.i++;
    }
    return { start, end: this.i };
  }
  /** The spans of a list's elements (the scanner stands on `[`). */
  elements(): { span: Span; elements: Span[] } {
    this.space();
    const start = this.i;
    this.expect('[');
    const elements: Span[] = [];
    this.space();
    if (this.text[this.i] === ']') {
      this.i++;
      return { span: { start, end: this.i }, elements };
    }
    for (;;) {
      elements.push(this.value());
      this.space();
      if (this.text[this.i] === ',') {
        this.i++;
        continue;
      }
      this.expect(']');
      return { span: { start, end: this.i }, elements };
    }
  }
}

/** The layout of a policy document's text (a JSON object at the top). Throws SyntaxError on other text. */
export function documentLayout(text: string): DocumentLayout {
  const s = new Scanner(text);
  const layout: DocumentLayout = { members: [] };
  s.expect('{');
  s.space();
  if (text[s.i] === '}') return layout;
  for (;;) {
    const key = s.string();
    s.expect(':');
    s.space();
    if (key === 'Statement' && text[s.i] === '[') {
      const { span, elements } = s.elements();
      layout.statement = { kind: 'list', span, elements };
      layout.members.push({ key, value: span });
    } else {
      const span = s.value();
      if (key === 'Statement' && text[span.start] === '{') layout.statement = { kind: 'object', span };
      layout.members.push({ key, value: span });
    }
    s.space();
    if (text[s.i] === ',') {
      s.i++;
      continue;
    }
    s.expect('}');
    return layout;
  }
}

/** The exact text of each statement, in order (empty when the document has no statement). */
export function statementTexts(text: string): string[] {
  const layout = documentLayout(text);
  const st = layout.statement;
  if (!st) return [];
  if (st.kind === 'object') return [text.slice(st.span.start, st.span.end)];
  return st.elements.map((e) => text.slice(e.start, e.end));
}

/** The indentation of the line a position is on, when the text before it on that line is blank. */
function indentAt(text: string, pos: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  const before = text.slice(lineStart, pos);
  return lineStart > 0 && /^[ \t]*$/.test(before) ? before : undefined;
}

/** JSON of a new element, laid out like its neighbours: indented when they are, on one line when not. */
function render(value: unknown, indent: string | undefined): string {
  if (indent === undefined) return JSON.stringify(value);
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
}

/**
 * The text with `statements` appended to the document's Statement list; every byte of the original
 * text is kept. A single-object Statement becomes a list holding it first; `Statement: []` gets the
 * statements as its elements.
 */
export function appendStatements(text: string, statements: readonly unknown[]): string {
  if (statements.length === 0) return text;
  const layout = documentLayout(text);
  const st = layout.statement;
  if (!st) throw new SyntaxError('the document has no Statement to append to');
  if (st.kind === 'object') {
    const { start, end } = st.span;
    const indent = indentAt(text, start);
    const added = statements.map((s) => `,${indent === undefined ? '' : `\n${indent}`}${render(s, indent)}`);
    return `${text.slice(0, start)}[${text.slice(start, end)}${added.join('')}]${text.slice(end)}`;
  }
  const last = st.elements.at(-1);
  if (!last) {
    const { start, end } = st.span;
    return `${text.slice(0, start)}${JSON.stringify(statements)}${text.slice(end)}`;
  }
  const indent = indentAt(text, st.elements[0]!.start);
  const added = statements.map((s) => `,${indent === undefined ? '' : `\n${indent}`}${render(s, indent)}`);
  return `${text.slice(0, last.end)}${added.join('')}${text.slice(last.end)}`;
}
