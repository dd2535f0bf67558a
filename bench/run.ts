/**
 * `npm run bench`: runs every benchmark module, prints one table each and writes bench/results.json.
 * `--quick` runs smaller samples (a smoke run); `--only analyzer,handlers` selects modules.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchTable } from './lib.js';
import { renderTable } from './lib.js';

const modules: Record<string, () => Promise<{ run(o: { quick?: boolean }): Promise<BenchTable> }>> = {
  analyzer: () => import('./analyzer.bench.js'),
  handlers: () => import('./handlers.bench.js'),
  sweep: () => import('./sweep.bench.js'),
  e2e: () => import('./e2e.bench.js'),
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const selected = onlyArg ? onlyArg.split(',') : Object.keys(modules);

const tables: BenchTable[] = [];
for (const name of selected) {
  const load = modules[name];
  if (!load) throw new Error(`unknown benchmark "${name}" (have: ${Object.keys(modules).join(', ')})`);
  process.stderr.write(`running ${name}...\n`);
  const table = await (await load()).run({ quick });
  tables.push(table);
  process.stdout.write(`${renderTable(table)}\n\n`);
}

const failed = tables.flatMap((t) =>
  t.rows.filter((r) => r.pass === false).map((r) => `${t.title}: ${r.name}`),
);
const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  quick,
  tables,
  failedTargets: failed,
};
if (!quick && !onlyArg) {
  writeFileSync(
    fileURLToPath(new URL('./results.json', import.meta.url)),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  process.stdout.write('wrote bench/results.json\n');
}
if (failed.length > 0)
  process.stdout.write(`targets not met:\n${failed.map((f) => `  - ${f}`).join('\n')}\n`);
