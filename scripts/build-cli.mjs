// Bundles the CLI (functions/cli/main.ts) into dist/cli.mjs so the `kms-perimeter-guard` bin runs
// on plain Node without a TypeScript loader. Runs on `npm ci` (prepare) and `npm run build`.
import { build } from 'esbuild';

await build({
  entryPoints: ['functions/cli/main.ts'],
  outfile: 'dist/cli.mjs',
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
