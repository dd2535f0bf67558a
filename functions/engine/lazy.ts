/**
 * The halves of the engine a compliant event never runs, each imported once, on first use: the
 * remediation planner (a finding whose rule remediates), the acting half (prechecks, the write, the
 * read-back), the alert rendering (an alert to send) and the findings ledger (a finding to
 * alert). In the Lambda bundle each is a chunk
 * (esbuild code splitting), so the cold start parses only the judging half. The promise is kept:
 * a second `import()` of a loaded module still goes through module resolution (and through any
 * loader hooks), which a warm container should not pay per event.
 */
type Loader<T> = () => Promise<T>;

function once<T>(load: Loader<T>): Loader<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((err: unknown) => {
      // A failed load (a missing chunk) is not cached: the next use tries again.
      loaded = undefined;
      throw err;
    });
    return loaded;
  };
}

export const loadRemediation = once(() => import('./remediation.js'));
export const loadApply = once(() => import('./apply.js'));
export const loadAlerts = once(() => import('./alerts.js'));
export const loadFindingsGate = once(() => import('./findings-gate.js'));
