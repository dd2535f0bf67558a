/** The files `check` was given: standard input, files, and the stack templates a CDK manifest names. */
import { cdkAssembly } from '../iac/cdk-assembly.js';
import type { InputProblem } from './inputs.js';

const STDIN = '-';
const STDIN_NAME = '<stdin>';
const why = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

interface FileIo {
  readFile(path: string): string;
  readStdin?: () => string;
}

/** Read every positional; an unreadable one is a problem, and the others are still read. */
export function readCheckFiles(positionals: string[], io: FileIo) {
  const files: { name: string; text: string; account?: string; region?: string }[] = [];
  const unreadable: InputProblem[] = [];
  for (const name of positionals) {
    try {
      if (name === STDIN && !io.readStdin) throw new Error('not available');
      if (name === STDIN) files.push({ name: STDIN_NAME, text: (io.readStdin as () => string)() });
      else {
        const text = io.readFile(name);
        const assembly = cdkAssembly(name, text);
        if (assembly === undefined) files.push({ name, text });
        else {
          unreadable.push(...assembly.problems);
          for (const t of assembly.templates) {
            try {
              files.push({ name: t.file, text: io.readFile(t.file), ...t.target });
            } catch (err) {
              unreadable.push({
                file: t.file,
                path: '$',
                message: `cannot read file (${why(err)}), named by ${name}`,
              });
            }
          }
        }
      }
    } catch (err) {
      unreadable.push({
        file: name === STDIN ? STDIN_NAME : name,
        path: '$',
        message: `cannot read ${name === STDIN ? 'standard input' : 'file'} (${why(err)})`,
      });
    }
  }
  return { files, unreadable };
}
