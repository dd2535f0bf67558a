import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import {
  createClientCache,
  createEc2Client,
  createKmsClient,
  createSnsClient,
  createStsClient,
} from '../../functions/adapters/clients.js';
import { SDK_MAX_ATTEMPTS } from '../../functions/adapters/constants.js';
import { classifyAwsError } from '../../functions/adapters/errors.js';

// These tests drive real SDK clients through a fake HTTP handler (no aws-sdk-client-mock here), so
// the SDK's own middleware — retry strategy included — runs as in production.

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

interface SeenRequest {
  protocol: string;
  hostname: string;
  port?: number;
  headers: Record<string, string>;
}

/** An HTTP handler answering every request with one KMS (awsJson1_1) error, recording requests. */
function kmsErrorHandler(statusCode: number, type: string) {
  const seen: SeenRequest[] = [];
  const handler = {
    handle: async (request: SeenRequest) => {
      seen.push(request);
      return {
        response: {
          statusCode,
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${seen.length}` },
          body: Buffer.from(JSON.stringify({ __type: type, message: `${type} (fake)` })),
        },
      };
    },
  };
  return {
    seen,
    handler: handler as unknown as NonNullable<Parameters<typeof createKmsClient>[0]['requestHandler']>,
  };
}

function kmsWith(
  statusCode: number,
  type: string,
  maxAttempts = 2,
): { client: KMSClient; seen: SeenRequest[] } {
  const { seen, handler } = kmsErrorHandler(statusCode, type);
  const client = createKmsClient({ region: 'eu-west-1', credentials, maxAttempts, requestHandler: handler });
  return { client, seen };
}

describe('client construction', () => {
  it('uses standard retry (not adaptive) with a small maxAttempts', async () => {
    for (const client of [
      createKmsClient({ region: 'eu-west-1' }),
      createEc2Client({ region: 'eu-west-1' }),
      createSnsClient({ region: 'eu-west-1' }),
      createStsClient({ region: 'eu-west-1' }),
    ]) {
      await expect(client.config.region()).resolves.toBe('eu-west-1');
      await expect(client.config.maxAttempts()).resolves.toBe(SDK_MAX_ATTEMPTS);
      const strategy = (await client.config.retryStrategy()) as { mode?: string };
      expect(strategy.mode).toBe('standard');
    }
  });

  it('sends to the endpoint override (LocalStack-like)', async () => {
    const { seen, handler } = kmsErrorHandler(400, 'NotFoundException');
    const client = createKmsClient({
      region: 'eu-west-1',
      credentials,
      endpoint: 'http://localhost:4566',
      requestHandler: handler,
    });
    await expect(client.send(new DescribeKeyCommand({ KeyId: 'k' }))).rejects.toMatchObject({
      name: 'NotFoundException',
    });
    expect(seen[0]).toMatchObject({ protocol: 'http:', hostname: 'localhost', port: 4566 });
  });

  it('signs with the credentials it is given', async () => {
    const { client, seen } = kmsWith(400, 'NotFoundException');
    await client.send(new DescribeKeyCommand({ KeyId: 'k' })).catch(() => undefined);
    expect(seen[0]?.headers.authorization).toContain('Credential=AKIDTEST/');
  });
});

describe('SDK-level retries', () => {
  it('KMS LimitExceededException is sent once: the SDK does not retry a quota error', async () => {
    const { client, seen } = kmsWith(400, 'LimitExceededException', 3);
    await expect(client.send(new DescribeKeyCommand({ KeyId: 'k' }))).rejects.toMatchObject({
      name: 'LimitExceededException',
    });
    expect(seen).toHaveLength(1);
  });

  it('KMS ThrottlingException (a request-rate limit) is still retried by the SDK', async () => {
    const { client, seen } = kmsWith(400, 'ThrottlingException', 2);
    await expect(client.send(new DescribeKeyCommand({ KeyId: 'k' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(seen).toHaveLength(2);
  });

  it('each client is built with its own retry strategy (its own retry quota), kept for every call', async () => {
    const a = createKmsClient({ region: 'eu-west-1' });
    const b = createKmsClient({ region: 'eu-west-1' });
    const strategy = await a.config.retryStrategy();
    await expect(a.config.retryStrategy()).resolves.toBe(strategy);
    await expect(b.config.retryStrategy()).resolves.not.toBe(strategy);
  });

  it('a KMS 5xx is still retried by the SDK, up to maxAttempts', async () => {
    const { client, seen } = kmsWith(500, 'KMSInternalException', 2);
    await expect(client.send(new DescribeKeyCommand({ KeyId: 'k' }))).rejects.toMatchObject({
      name: 'KMSInternalException',
    });
    expect(seen).toHaveLength(2);
  });
});

describe('request timeouts', () => {
  it('a server that accepts the request and never answers fails as a transient TimeoutError', async () => {
    let requests = 0;
    const server = createServer(() => {
      requests++; // and never answer
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const client = createKmsClient({
        region: 'eu-west-1',
        credentials,
        endpoint: `http://127.0.0.1:${port}`,
        maxAttempts: 2,
        requestTimeoutMs: 200,
      });
      const err = await client.send(new DescribeKeyCommand({ KeyId: 'k' })).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'TimeoutError' });
      expect(classifyAwsError(err)).toBe('transient');
      // Both SDK attempts were sent and timed out (without the timeout this test hangs).
      expect(requests).toBe(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('createClientCache', () => {
  it('creates one client per key and reuses it', () => {
    const cache = createClientCache(createKmsClient);
    const a = cache.get('111122223333:eu-west-1', { region: 'eu-west-1' });
    expect(cache.get('111122223333:eu-west-1', { region: 'eu-west-1' })).toBe(a);
    expect(cache.get('444455556666:eu-west-1', { region: 'eu-west-1' })).not.toBe(a);
    expect(cache.size).toBe(2);
  });
});
