import { readdirSync } from 'node:fs';
import { corpusAvailable, corpusPath, readCorpusJson } from '../corpus.js';

/**
 * Cloud Custodian's recorded AWS responses (placebo), read in place from the shared corpus.
 * Each file is botocore's parsed output, `{ status_code, data }`; the member names are those of the
 * API model, the same ones the JS SDK v3 uses, so `data` becomes an SDK output once its
 * `ResponseMetadata` is dropped and its `{"__class__": "datetime", ...}` values become `Date`s.
 */
export const PLACEBO_DIR = 'peers/custodian/raw/placebo';

export interface PlaceboFile {
  status_code: number;
  data: Record<string, unknown>;
}

export const placeboAvailable = corpusAvailable();

/** Corpus-relative paths of every `<service>.<Operation>_<n>.json` file, sorted. */
export function placeboFiles(serviceOperation: string): string[] {
  if (!placeboAvailable) return [];
  const files: string[] = [];
  for (const dir of readdirSync(corpusPath(PLACEBO_DIR)).sort()) {
    for (const file of readdirSync(corpusPath(`${PLACEBO_DIR}/${dir}`)).sort()) {
      if (file.startsWith(`${serviceOperation}_`) && file.endsWith('.json')) {
        files.push(`${PLACEBO_DIR}/${dir}/${file}`);
      }
    }
  }
  return files;
}

export function readPlacebo(rel: string): PlaceboFile {
  return readCorpusJson<PlaceboFile>(rel);
}

function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record.__class__ === 'datetime') {
    const n = (key: string) => Number(record[key] ?? 0);
    return new Date(
      Date.UTC(
        n('year'),
        n('month') - 1,
        n('day'),
        n('hour'),
        n('minute'),
        n('second'),
        n('microsecond') / 1000,
      ),
    );
  }
  return Object.fromEntries(
    Object.entries(record)
      .filter(([key]) => key !== 'ResponseMetadata')
      .map(([key, v]) => [key, revive(v)]),
  );
}

/** A successful recorded response as the SDK output shape `T`. */
export function placeboOutput<T>(rel: string): T {
  const file = readPlacebo(rel);
  if (file.status_code !== 200) throw new Error(`${rel} is an error response (${file.status_code})`);
  return { ...(revive(file.data) as object), $metadata: { httpStatusCode: 200 } } as T;
}

type ServiceExceptionClass = new (options: {
  name: string;
  $fault: 'client' | 'server';
  $metadata: { httpStatusCode?: number };
  message?: string;
}) => Error;

/** A recorded error response as the SDK would throw it (`name` = the AWS error code). */
export function placeboError(rel: string, ServiceException: ServiceExceptionClass): Error {
  const file = readPlacebo(rel);
  const error = file.data.Error as { Code: string; Message?: string };
  return new ServiceException({
    name: error.Code,
    $fault: file.status_code >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: file.status_code },
    message: error.Message ?? '',
  });
}

/** Split `items` into `n` nearly equal consecutive pages (for pagination tests). */
export function pages<T>(items: T[], n: number): T[][] {
  const size = Math.ceil(items.length / n);
  return Array.from({ length: n }, (_, i) => items.slice(i * size, (i + 1) * size));
}
