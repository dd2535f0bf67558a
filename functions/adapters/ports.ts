import type { AwsCredentialsProvider, StsPort } from '../engine/ports.js';
import { type ClientOptions, createClientCache } from './client-config.js';
import { credentialsProviderFor } from './credentials.js';

export interface AccountPortsOptions {
  /** The function's own account (from the invoked function ARN); no role is assumed for it. */
  ownAccount: () => string;
  /** `config.memberRoleName`: the role assumed in every other account. */
  roleName: string;
  sessionName: string;
  sts: StsPort;
  /** Endpoint override (LocalStack, the simulator). */
  endpoint?: string;
  /** Per-attempt request timeout of every client (ms); defaults to the clients' own. */
  requestTimeoutMs?: number;
  /** The own account's credentials (the CLI's `--profile`); absent = the default chain. */
  credentials?: AwsCredentialsProvider;
}

/**
 * Ports per account-region, cached for the life of the container (connections and the
 * retry quota survive between invocations). For another account the member role is
 * assumed first, so a role that cannot be assumed fails here, with `RoleAssumptionError`, before any
 * resource call; the client then draws refreshed credentials from the STS cache.
 */
export function createAccountPorts<C, P>(
  createClient: (options: ClientOptions) => C,
  /** Builds the port of one account-region (its own rate limiter, for sweeps). */
  createAdapter: (client: C, account: string, region: string) => P,
  options: AccountPortsOptions,
): (account: string, region: string) => Promise<P> {
  const clients = createClientCache(createClient);
  const adapters = new Map<string, P>();
  return async (account, region) => {
    const own = options.ownAccount();
    const stsOptions = { ownAccount: own, sessionName: options.sessionName };
    if (account !== own) await options.sts.credentialsForAccount(account, options.roleName, stsOptions);
    const key = `${account}:${region}`;
    let adapter = adapters.get(key);
    if (adapter === undefined) {
      const credentials =
        credentialsProviderFor(options.sts, account, options.roleName, stsOptions) ?? options.credentials;
      const client = clients.get(key, {
        region,
        ...(credentials ? { credentials } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      });
      adapter = createAdapter(client, account, region);
      adapters.set(key, adapter);
    }
    return adapter;
  };
}
