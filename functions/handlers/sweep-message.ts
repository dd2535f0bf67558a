/** The SQS message from the sweep planner to a worker: one account-region of one run. */
export const SWEEP_MESSAGE_VERSION = 1;

export interface SweepMessage {
  version: typeof SWEEP_MESSAGE_VERSION;
  runId: string;
  account: string;
  region: string;
  /** How many account-regions the run has (absent in messages of earlier versions of the planner). */
  scopes?: number;
}

/** Parse a message body; `undefined` plus the reason when it is not a sweep message. */
export function parseSweepMessage(body: string): { message?: SweepMessage; error?: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { error: 'body is not JSON' };
  }
  const m = value as Partial<SweepMessage> | null;
  if (typeof m !== 'object' || m === null) return { error: 'body is not an object' };
  if (m.version !== SWEEP_MESSAGE_VERSION) return { error: `version must be ${SWEEP_MESSAGE_VERSION}` };
  if (typeof m.runId !== 'string' || m.runId === '') return { error: 'runId must be a non-empty string' };
  if (typeof m.account !== 'string' || !/^\d{12}$/.test(m.account))
    return { error: 'account must be a 12-digit id' };
  if (typeof m.region !== 'string' || !/^[a-z]{2,}(-[a-z0-9]+)+-\d+$/.test(m.region)) {
    return { error: 'region must be an AWS region' };
  }
  if (m.scopes !== undefined && !(Number.isSafeInteger(m.scopes) && m.scopes >= 1))
    return { error: 'scopes must be a whole number >= 1' };
  return {
    message: {
      version: SWEEP_MESSAGE_VERSION,
      runId: m.runId,
      account: m.account,
      region: m.region,
      ...(m.scopes !== undefined ? { scopes: m.scopes } : {}),
    },
  };
}
