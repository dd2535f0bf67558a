/**
 * CloudFormation template text (YAML, or JSON, which is YAML too) to plain values in the long
 * intrinsic form (`!Sub x` → `{"Fn::Sub": x}`), with the line of every mapping key, through the
 * `yaml` parser (https://eemeli.org/yaml/): its custom tags take CloudFormation's short forms and
 * its `LineCounter` gives source positions.
 * Short forms: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
 */
import {
  type CollectionTag,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type ScalarTag,
} from 'yaml';

/** Short-form tag → long-form key. `!Ref` and `!Condition` keep their name; the rest are `Fn::`. */
const SHORT_FORMS = [
  'Ref',
  'Condition',
  'Sub',
  'GetAtt',
  'Join',
  'If',
  'Select',
  'Split',
  'FindInMap',
  'ImportValue',
  'Base64',
  'Cidr',
  'GetAZs',
  'Equals',
  'And',
  'Or',
  'Not',
  'Transform',
  'Length',
  'ToJsonString',
] as const;
const LONG_FORM = new Map<string, string>(
  SHORT_FORMS.map((n) => [`!${n}`, n === 'Ref' || n === 'Condition' ? n : `Fn::${n}`]),
);

// The tags only mark the node; `toValue` reads the tag and builds the long form, so the yaml
// library raises no "unresolved tag" warning for a known short form and one for any other.
const TAGS: (ScalarTag | CollectionTag)[] = [...LONG_FORM.keys()].flatMap((tag) => [
  { tag, resolve: (s: string) => s } as ScalarTag,
  { tag, collection: 'seq', resolve: (v: unknown) => v } as unknown as CollectionTag,
  { tag, collection: 'map', resolve: (v: unknown) => v } as unknown as CollectionTag,
]);

export class SourceError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly line: number | undefined,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/** A node the template cannot mean (an unknown tag): an error where it is used, not for the whole file. */
export class BadNode {
  constructor(
    readonly message: string,
    readonly path: string,
    readonly line: number | undefined,
  ) {}
}

export interface SourceTree {
  value: unknown;
  /** Line (1-based) of each mapping key, by path (`Resources.Key.Properties.KeyPolicy`). */
  lines: Map<string, number>;
}

const child = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** Parse a template's text; a syntax error or duplicate key is a `SourceError` with its line; an unknown tag a `BadNode`. */
export function parseTemplateText(text: string): SourceTree {
  const counter = new LineCounter();
  const doc = parseDocument(text, {
    customTags: TAGS,
    lineCounter: counter,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : counter.linePos(offset).line;
  const [error] = doc.errors;
  if (error) {
    const line = lineOf(error.pos[0]);
    throw new SourceError(
      `YAML ${error.code === 'DUPLICATE_KEY' ? 'duplicate key' : 'syntax error'}: ${error.message.split('\n')[0]}`,
      '$',
      line,
    );
  }
  const lines = new Map<string, number>();
  const toValue = (node: unknown, path: string): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return toValue(node.resolve(doc), path);
    const n = node as Node;
    const line = lineOf(n.range?.[0]);
    let value: unknown;
    if (isMap(node)) {
      const obj: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const p = child(path, key);
        const keyLine = lineOf((pair.key as Node | null)?.range?.[0]);
        if (keyLine !== undefined) lines.set(p, keyLine);
        Object.defineProperty(obj, key, {
          value: toValue(pair.value, p),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      value = obj;
    } else if (isSeq(node)) {
      value = node.items.map((item, i) => toValue(item, `${path}[${i}]`));
    } else if (isScalar(node)) {
      value = node.value;
    } else {
      throw new SourceError('unreadable YAML node', path || '$', line);
    }
    const tag = n.tag;
    if (tag === undefined || !tag.startsWith('!') || tag.startsWith('!!')) return value;
    const long = LONG_FORM.get(tag);
    if (long === undefined) return new BadNode(`unknown intrinsic function tag ${tag}`, path || '$', line);
    // `!GetAtt Resource.Attribute` is the one short form whose scalar is split.
    if (long === 'Fn::GetAtt' && typeof value === 'string') {
      const dot = value.indexOf('.');
      return { [long]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
    }
    return { [long]: value };
  };
  return { value: toValue(doc.contents, ''), lines };
}
