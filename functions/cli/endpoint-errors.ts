/**
 * Errors that are about where the CLI sends its calls, not about any resource: nothing listens at
 * `--endpoint-url`, or something answers that is not an AWS API (a web page, another service). The
 * SDK reports these as deserialization errors with its internals attached; the user needs one
 * sentence naming the URL.
 */

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
]);

/** The error and every `cause` under it (adapters wrap SDK errors in AwsCallError). */
function chain(err: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    out.push(e as Record<string, unknown>);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * One sentence when `err` says the endpoint is unreachable or not an AWS API, else undefined (an
 * AWS error about a resource or a permission, which the caller reports as such).
 */
export function endpointFailure(err: unknown, url: string | undefined): string | undefined {
  const where = url ?? 'the AWS endpoint';
  for (const e of chain(err)) {
    const code = text(e.code) || text(e.errno) || text(e.name);
    if (CONNECTION_CODES.has(code)) return `cannot connect to ${where} (${code})`;
    const message = text(e.message);
    // The SDK's deserializers: "Deserialization error: to see the raw response, inspect the hidden
    // field {error}.$response"; a JSON or XML parser failing on HTML; or an answer with no AWS error code.
    if (
      url !== undefined &&
      (/Deserialization error|is not valid JSON|Unexpected token|char '.' is not expected/.test(message) ||
        code === 'UnknownError')
    ) {
      const status = (e.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode;
      return `${url} answered${status ? ` (HTTP ${status})` : ''}, but not as an AWS API: is --endpoint-url the address of an AWS-compatible endpoint?`;
    }
  }
  return undefined;
}

/** No credentials in the default chain: a setup problem of the whole run, never one region's. */
export function missingCredentials(err: unknown): boolean {
  return chain(err).some(
    (e) => e.name === 'CredentialsProviderError' || e.code === 'CredentialsProviderError',
  );
}

export const NO_CREDENTIALS =
  'no AWS credentials found (set AWS_PROFILE, --profile or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)';
