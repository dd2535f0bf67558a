/** Small timing helpers: warm up, then sample; medians and percentiles from sorted samples. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface BenchRow {
  name: string;
  /** Measured value, in `unit`. */
  value: number;
  unit: string;
  /** Extra measured numbers shown in the table (p99, max, counts...). */
  detail?: string;
  /** The target, as text (`<= 0.2 ms`), and whether it is met. */
  target?: string;
  pass?: boolean;
}

export interface BenchTable {
  title: string;
  rows: BenchRow[];
  /** Anything else worth keeping in results.json. */
  data?: Record<string, unknown>;
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export const median = (sorted: number[]) => percentile(sorted, 50);

/** Time `fn` `samples` times after `warmup` calls; returns sorted durations in ms. */
export function sample(fn: () => unknown, samples: number, warmup = Math.min(50, samples)): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = nowMs();
    fn();
    out.push(nowMs() - t0);
  }
  return out.sort((a, b) => a - b);
}

export async function sampleAsync(
  fn: () => Promise<unknown>,
  samples: number,
  warmup = 20,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = nowMs();
    await fn();
    out.push(nowMs() - t0);
  }
  return out.sort((a, b) => a - b);
}

/** heapUsed in MB after a full GC (when node runs with --expose-gc). */
export function heapMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/**
 * Peak RSS while some work runs (after a full GC when node has --expose-gc): sampled every 250 ms
 * from now until `stop()`, which returns the peak and the starting RSS in MB.
 */
export function trackPeakRss(): { stop(): { peakMb: number; beforeMb: number } } {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 250);
  return {
    stop() {
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      return { peakMb: peak / 1024 / 1024, beforeMb: before / 1024 / 1024 };
    },
  };
}

export const fmt = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

/** Deterministic PRNG so generated inputs are the same on every run. */
export { prng } from '../tools/prng.js';

/** Bundles a bench script with esbuild (as deployed: ESM, `module` first) and returns its path. */
export async function bundleScript(entry: string, name: string): Promise<string> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(path.join(tmpdir(), `kpg-${name}-`));
  const outfile = path.join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'error',
  });
  return outfile;
}

export function renderTable(table: BenchTable): string {
  const header = ['measure', 'value', 'detail', 'target', 'result'];
  const rows = table.rows.map((r) => [
    r.name,
    `${fmt(r.value, r.unit === 'ms' ? 3 : r.unit === 'KB' || r.unit === 'MB' ? 1 : 2)} ${r.unit}`,
    r.detail ?? '',
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    `### ${table.title}`,
    '',
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
