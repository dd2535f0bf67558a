/**
 * `npm run bench`: runs every benchmark module, prints one table each and writes bench/results.json.
 * `--quick` runs smaller samples (a smoke run); `--only=analyzer,handlers` selects modules and
 * replaces only their tables in results.json. Every table records when, on what and with what CPU
 * calibration it was measured, so tables recorded on different machines can be compared.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchTable } from './lib.js';
import { renderTable } from './lib.js';

const modules: Record<string, () => Promise<{ run(o: { quick?: boolean }): Promise<BenchTable> }>> = {
  analyzer: () => import('./analyzer.bench.js'),
  handlers: () => import('./handlers.bench.js'),
  sweep: () => import('./sweep.bench.js'),
  e2e: () => import('./e2e.bench.js'),
  adversarial: () => import('./adversarial.bench.js'),
  iac: () => import('./iac.bench.js'),
  ledger: () => import('./ledger.bench.js'),
  pool: () => import('./pool.bench.js'),
};

/**
 * A fixed CPU workload that depends on none of the project's code (sorting and JSON round trips of
 * the same generated data): its median time says how fast this machine is.
 */
function calibrationMs(): number {
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    let seed = 42;
    const data = Array.from({ length: 200_000 }, () => {
      seed = (seed * 16807) % 2147483647;
      return { id: seed, name: `k${seed % 9973}`, tags: [seed % 7, seed % 11] };
    });
    const t0 = performance.now();
    data.sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
    JSON.parse(JSON.stringify(data));
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[2] as number;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const selected = onlyArg ? onlyArg.split(',') : Object.keys(modules);

const machine = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  calibrationMs: Math.round(calibrationMs()),
};
process.stderr.write(`CPU calibration: ${machine.calibrationMs} ms (lower is faster)\n`);
const tables: (BenchTable & { module: string; recordedAt: string; machine: typeof machine })[] = [];
for (const name of selected) {
  const load = modules[name];
  if (!load) throw new Error(`unknown benchmark "${name}" (have: ${Object.keys(modules).join(', ')})`);
  process.stderr.write(`running ${name}...\n`);
  const table = await (await load()).run({ quick });
  tables.push({ module: name, recordedAt: new Date().toISOString(), machine, ...table });
  process.stdout.write(`${renderTable(table)}\n\n`);
}

/** Rows that missed their target, as `<table>: <row>`. */
const failedRows = (list: BenchTable[]) =>
  list.flatMap((t) => t.rows.filter((r) => r.pass === false).map((r) => `${t.title}: ${r.name}`));
const failed = failedRows(tables);
if (!quick) {
  // Keep the tables of modules not run this time (with their own recording date and machine).
  const file = fileURLToPath(new URL('./results.json', import.meta.url));
  const previous = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { tables?: (typeof tables)[number][] })
    : {};
  const order = Object.keys(modules);
  const all = [...(previous.tables ?? []).filter((t) => !selected.includes(t.module)), ...tables].sort(
    (a, b) => order.indexOf(a.module) - order.indexOf(b.module),
  );
  const results = { updatedAt: new Date().toISOString(), tables: all, failedTargets: failedRows(all) };
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write('wrote bench/results.json\n');
}
if (failed.length > 0)
  process.stdout.write(`targets not met:\n${failed.map((f) => `  - ${f}`).join('\n')}\n`);
