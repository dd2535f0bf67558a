#!/usr/bin/env node
// Entry point of the `kms-perimeter-guard` command: loads the bundled CLI built by `npm run build`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.mjs');
if (!existsSync(bundle)) {
  process.stderr.write(
    'kms-perimeter-guard: the CLI is not built yet; run `npm run build` (npm ci does it)\n',
  );
  process.exit(2);
}
const { main } = await import(pathToFileURL(bundle).href);
process.exitCode = await main(process.argv.slice(2));
