/**
 * No god files, no god functions: every source file under functions/ stays within MAX_FILE_LINES
 * and every function (declaration, method, arrow or function expression) within MAX_FUNCTION_LINES.
 * A file that has to grow past the limit is split by what its parts do, not by line count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

interface Span {
  name: string;
  lines: number;
}

function functionName(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(source);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  return `<anonymous at line ${line}>`;
}

/**
 * A function's own lines: its span less the spans of the functions nested in it, which are measured
 * on their own (so an adapter factory returning an object of methods is judged by its methods).
 */
function longFunctions(path: string, text = readFileSync(path, 'utf8')): Span[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const span = (node: ts.Node) => lineOf(node.getEnd()) - lineOf(node.getStart(source)) + 1;
  const isFunction = (node: ts.Node) => ts.isFunctionLike(node) && 'body' in node && node.body !== undefined;
  const found: Span[] = [];
  const nestedSpans = (node: ts.Node): number => {
    let total = 0;
    ts.forEachChild(node, (child) => {
      total += isFunction(child) ? span(child) : nestedSpans(child);
    });
    return total;
  };
  const visit = (node: ts.Node): void => {
    if (isFunction(node)) {
      const lines = span(node) - nestedSpans(node);
      if (lines > MAX_FUNCTION_LINES) found.push({ name: functionName(node, source), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files = sourceFiles('functions');

describe('source sizes', () => {
  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it(`no source file is over ${MAX_FILE_LINES} lines`, () => {
    const over = files
      .map((path) => ({ path, lines: readFileSync(path, 'utf8').split('\n').length }))
      .filter((f) => f.lines > MAX_FILE_LINES)
      .map((f) => `${f.path}: ${f.lines} lines`);
    expect(over).toEqual([]);
  });

  it(`no function is over ${MAX_FUNCTION_LINES} lines`, () => {
    const over = files.flatMap((path) =>
      longFunctions(path).map((f) => `${path}: ${f.name} (${f.lines} lines)`),
    );
    expect(over).toEqual([]);
  });

  it('the function measure sees a long function, named', () => {
    // Guards the measure itself: a generated 90-line arrow function must be reported by its name.
    const body = Array.from({ length: 88 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = `export const long = (): void => {\n${body}\n};\nexport function short(): void {}\n`;
    expect(longFunctions('x.ts', text)).toEqual([{ name: 'long', lines: 90 }]);
    // Wrapped in a factory, the long function is still reported; the short factory is not.
    const factory = `export function make() {\n  return { long: (): void => {\n${body}\n  } };\n}\n`;
    expect(longFunctions('y.ts', factory)).toEqual([{ name: 'long', lines: 90 }]);
  });
});
