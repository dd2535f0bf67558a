/**
 * Worker-thread pool benchmark (issue 15, item 4): does judging on a pool of worker threads pay on
 * a 2-vCPU worker? Distinct generated key policies (cold analysis, as in a sweep of an estate
 * that does not repeat its policies) are judged on the main thread, then on pools of 1 and 2
 * threads (texts in, rule results out by structured clone), in the same run. The pool's start-up
 * (each thread loads the analyzer) is reported apart: a Lambda pays it once per container.
 */
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type BenchTable, fmt, nowMs } from './lib.js';
import { adversarialPolicy, smallPolicy } from './policies.js';
import { judgeText } from './pool-worker.js';

const workerFile = fileURLToPath(new URL('./pool-thread.mjs', import.meta.url));

function jobs(count: number): { id: string; text: string }[] {
  // Mostly small policies, one in forty an 8 KB adversarial one: every text distinct.
  return Array.from({ length: count }, (_, i) => ({
    id: `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`,
    text: JSON.stringify(i % 40 === 0 ? adversarialPolicy(8_000, 500 + i) : smallPolicy(10_000 + i)),
  }));
}

async function onPool(threads: number, work: { id: string; text: string }[], batch: number) {
  const t0 = nowMs();
  const workers = Array.from({ length: threads }, () => new Worker(workerFile));
  // Started when each answers a first, empty job (its modules loaded).
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve).postMessage([]))));
  const startMs = nowMs() - t0;
  const t1 = nowMs();
  let next = 0;
  let judged = 0;
  await Promise.all(
    workers.map(async (w) => {
      while (next < work.length) {
        const slice = work.slice(next, next + batch);
        next += batch;
        const results = await new Promise<unknown[]>((resolve) =>
          w.once('message', resolve).postMessage(slice),
        );
        judged += results.length;
      }
    }),
  );
  const ms = nowMs() - t1;
  await Promise.all(workers.map((w) => w.terminate()));
  return { startMs, ms, judged };
}

export async function run({ quick = false }: { quick?: boolean }): Promise<BenchTable> {
  const count = quick ? 400 : 4_000;
  // Distinct texts for each run, so no run profits from another's caches or memo.
  const [mainJobs, pool1Jobs, pool2Jobs] = [
    jobs(count),
    jobs(count).map((j) => ({ ...j, text: j.text.replace('111122223333:root', '111122223333:role/r1') })),
    jobs(count).map((j) => ({ ...j, text: j.text.replace('111122223333:root', '111122223333:role/r2') })),
  ];
  const load = loadavg()[0] ?? 0;
  const t0 = nowMs();
  for (const j of mainJobs) judgeText(j.id, j.text);
  const mainMs = nowMs() - t0;
  const one = await onPool(1, pool1Jobs, 25);
  const two = await onPool(2, pool2Jobs, 25);
  const rows: BenchTable['rows'] = [
    {
      name: `judge ${count} distinct key policies on the main thread`,
      value: mainMs / 1000,
      unit: 's',
      detail: `${fmt(mainMs / count, 2)} ms per policy`,
    },
    {
      name: 'same on a pool of 1 worker thread (overhead of the hand-off)',
      value: one.ms / 1000,
      unit: 's',
      detail: `${fmt(one.ms / mainMs, 2)}x the main thread; start-up ${fmt(one.startMs, 0)} ms; ${one.judged} judged`,
    },
    {
      name: 'same on a pool of 2 worker threads',
      value: two.ms / 1000,
      unit: 's',
      detail: `${fmt(mainMs / two.ms, 2)}x faster than the main thread; start-up ${fmt(two.startMs, 0)} ms; ${two.judged} judged; ${availableParallelism()} CPUs, load average ${fmt(load, 1)} at the start (a shared machine: the second core is not always free)`,
      target: 'pays if > 1.3x',
      pass: mainMs / two.ms > 1.3,
    },
  ];
  return { title: 'Worker-thread pool (judging distinct policies on 2 vCPUs)', rows };
}
