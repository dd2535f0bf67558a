import type { AwsCredentialsProvider, CredentialsForAccountOptions, StsPort } from '../engine/ports.js';

/**
 * A credentials provider for SDK clients of `account`: `undefined` for the own account (default
 * chain), otherwise one that draws from the STS cache. The SDK re-asks a provider when its
 * credentials are within 5 minutes of `expiration`, so a cached client survives session renewal.
 */
export function credentialsProviderFor(
  sts: StsPort,
  account: string,
  roleName: string,
  options: CredentialsForAccountOptions,
): AwsCredentialsProvider | undefined {
  if (account === options.ownAccount) return undefined;
  return async () => {
    const credentials = await sts.credentialsForAccount(account, roleName, options);
    if (!credentials) throw new Error(`no role credentials for account ${account}`);
    return credentials;
  };
}
