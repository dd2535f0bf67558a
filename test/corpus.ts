import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The shared reference corpus, read in place (never copied into the project):
 * `KPG_CORPUS_DIR`, or `../shared/corpus` beside the repository.
 */
export const corpusDir = process.env.KPG_CORPUS_DIR ?? path.resolve(repoRoot, '../shared/corpus');

/** True when the corpus is present. In CI (`CI=true`) a missing corpus is an error, not a skip. */
export function corpusAvailable(): boolean {
  if (existsSync(corpusDir)) return true;
  if (process.env.CI === 'true') {
    throw new Error(`reference corpus not found at ${corpusDir} (set KPG_CORPUS_DIR)`);
  }
  return false;
}

export function corpusPath(rel: string): string {
  return path.join(corpusDir, rel);
}

export function readCorpusText(rel: string): string {
  return readFileSync(corpusPath(rel), 'utf8');
}

export function readCorpusJson<T = unknown>(rel: string): T {
  return JSON.parse(readCorpusText(rel)) as T;
}

/** Files directly inside a corpus folder whose names end with `suffix`, sorted. */
export function listCorpus(relDir: string, suffix = '.json'): string[] {
  return readdirSync(corpusPath(relDir))
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => path.posix.join(relDir, f));
}
