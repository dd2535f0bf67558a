import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentials, CredentialsForAccountOptions, StsPort } from '../engine/ports.js';
import { type AdapterOptions, createCaller } from './call.js';
import { ASSUME_ROLE_DURATION_SECONDS, CREDENTIALS_REFRESH_MARGIN_MS } from './constants.js';
import { AwsCallError, RoleAssumptionError } from './errors.js';

export interface StsAdapterOptions extends AdapterOptions {
  /** Clock in epoch ms (tests). */
  now?: () => number;
  /** Renew this long before `Expiration`; keep it above the SDK's own 5-minute refresh window. */
  refreshMarginMs?: number;
  durationSeconds?: number;
  /** `aws`, `aws-cn`, `aws-us-gov`. */
  partition?: string;
}

export interface CachingStsPort extends StsPort {
  /** Forget every cached session (tests, or after a role change). */
  clear(): void;
}

export function memberRoleArn(account: string, roleName: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}

/** RoleSessionName: 2-64 characters of `[\w+=,.@-]`. https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html */
export function toRoleSessionName(name: string): string {
  const cleaned = name.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `${cleaned}--`.slice(0, 2);
}

interface CacheEntry {
  credentials: Promise<AwsCredentials>;
  /** When to renew (epoch ms); undefined while AssumeRole is in flight. */
  renewAt?: number;
}

/**
 * The guard's STS port: assumes the member role of other accounts and caches each session until
 * shortly before it expires. Concurrent callers for one role share one AssumeRole call.
 */
export function createStsAdapter(client: STSClient, options: StsAdapterOptions = {}): CachingStsPort {
  const call = createCaller('sts', options);
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? CREDENTIALS_REFRESH_MARGIN_MS;
  const durationSeconds = options.durationSeconds ?? ASSUME_ROLE_DURATION_SECONDS;
  const cache = new Map<string, CacheEntry>();

  async function assume(
    account: string,
    roleArn: string,
    opts: CredentialsForAccountOptions,
  ): Promise<{ credentials: AwsCredentials; expiresAt: number }> {
    try {
      const out = await call('AssumeRole', roleArn, () =>
        client.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: toRoleSessionName(opts.sessionName),
            DurationSeconds: durationSeconds,
            ...(opts.externalId ? { ExternalId: opts.externalId } : {}),
          }),
        ),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        throw new RoleAssumptionError({
          account,
          roleArn,
          reason: 'failed',
          message: `AssumeRole ${roleArn} returned no credentials`,
        });
      }
      const expiresAt = c.Expiration?.getTime() ?? now() + durationSeconds * 1_000;
      return {
        credentials: {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: new Date(expiresAt),
        },
        expiresAt,
      };
    } catch (err) {
      if (!(err instanceof AwsCallError) || err.retryable) throw err;
      // STS answers AccessDenied both when the role is missing and when its trust policy does not
      // name us; the message says both, since the alert is all an operator will see.
      const denied = err.classification === 'access-denied';
      throw new RoleAssumptionError({
        account,
        roleArn,
        reason: denied ? 'access-denied' : 'failed',
        message: denied
          ? `cannot assume ${roleArn} in account ${account}: ${err.code}. Check that the role exists ` +
            `in ${account} and that its trust policy allows the guard's execution role to assume it.`
          : `cannot assume ${roleArn} in account ${account}: ${err.message}`,
        cause: err,
      });
    }
  }

  return {
    async credentialsForAccount(account, roleName, opts) {
      if (account === opts.ownAccount) return undefined;
      const roleArn = memberRoleArn(account, roleName, options.partition);
      if (!/^\d{12}$/.test(account)) {
        throw new RoleAssumptionError({
          account,
          roleArn,
          reason: 'invalid-account',
          message: `cannot assume a role in "${account}": not a 12-digit account id`,
        });
      }
      const cached = cache.get(roleArn);
      if (cached && (cached.renewAt === undefined || now() < cached.renewAt)) return cached.credentials;

      const credentials = assume(account, roleArn, opts).then(
        (session) => {
          // Renew `margin` before expiry, but never sooner than half-way through a short session.
          const issuedAt = now();
          entry.renewAt = Math.max(session.expiresAt - margin, issuedAt + (session.expiresAt - issuedAt) / 2);
          return session.credentials;
        },
        (err: unknown) => {
          if (cache.get(roleArn) === entry) cache.delete(roleArn);
          throw err;
        },
      );
      const entry: CacheEntry = { credentials };
      cache.set(roleArn, entry);
      return entry.credentials;
    },
    clear: () => cache.clear(),
  };
}

export { credentialsProviderFor } from './credentials.js';
