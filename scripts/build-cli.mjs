// Bundles the CLI (functions/cli/main.ts) into dist/cli.mjs so the `kms-perimeter-guard` bin runs
// on plain Node without a TypeScript loader, and with no runtime dependency: everything it uses is
// in the bundle. Runs on `npm ci` (prepare), `npm pack` (prepack) and `npm run build`.
// `--outfile FILE` writes the bundle elsewhere (tests build a fresh copy without touching dist/).
import { build } from 'esbuild';

// `npm pack` runs prepack, then prepare: prepack has just built the bundle, build it once.
if (process.env.npm_lifecycle_event === 'prepare' && ['pack', 'publish'].includes(process.env.npm_command)) {
  process.exit(0);
}

const at = process.argv.indexOf('--outfile');
const outfile = at > 0 && process.argv[at + 1] ? process.argv[at + 1] : 'dist/cli.mjs';

await build({
  entryPoints: ['functions/cli/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The AWS SDK v3 ships ES modules under `module`; preferring them lets esbuild tree-shake.
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  // Some CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __kpgCreateRequire } from 'node:module'; const require = __kpgCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
