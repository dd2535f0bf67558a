// A worker thread's entry for the pool benchmark: the analyzer is TypeScript, and a worker does not
// inherit the loader the bench runs under, so it registers tsx before loading the judge.
import { register } from 'tsx/esm/api';

register();
await import('./pool-worker.ts');
