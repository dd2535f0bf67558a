/**
 * DynamoDB for the simulator: a real DynamoDB implementation (dynalite) behind the simulator's
 * endpoint, so the guard's one endpoint override (GUARD_AWS_ENDPOINT_URL) reaches the findings
 * table too. Requests whose `X-Amz-Target` is `DynamoDB_20120810.*` (the JSON 1.0 protocol,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html)
 * are forwarded unchanged; dynalite does not check signatures. The findings table is created as
 * serverless.yml declares it.
 */
import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810.';

export class SimDynamoDb {
  private server: ReturnType<typeof dynalite> | undefined;
  private port: Promise<number> | undefined;

  private listen(): Promise<number> {
    this.port ??= new Promise((resolve, reject) => {
      const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
      this.server = server;
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
    return this.port;
  }

  /** Forward one request, its body already read. */
  async forward(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const port = await this.listen();
    await new Promise<void>((resolve, reject) => {
      const headers = {
        ...req.headers,
        host: `127.0.0.1:${port}`,
        'content-length': Buffer.byteLength(body),
      };
      const out = request(
        { host: '127.0.0.1', port, method: req.method, path: req.url, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
          answer.on('end', resolve);
          answer.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  /** The findings table (keys `scope` and `sk`, on-demand), as serverless.yml declares it. */
  async createFindingsTable(name: string): Promise<void> {
    const port = await this.listen();
    const body = JSON.stringify({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'scope', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'scope', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    await new Promise<void>((resolve, reject) => {
      const out = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `${DYNAMODB_TARGET_PREFIX}CreateTable`,
            // dynalite wants a signature-shaped header; it does not verify it.
            authorization:
              'AWS4-HMAC-SHA256 Credential=AKIASIM/20261201/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
            'x-amz-date': '20261201T000000Z',
          },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () =>
            answer.statusCode === 200
              ? resolve()
              : reject(new Error(`CreateTable ${name}: ${Buffer.concat(chunks).toString('utf8')}`)),
          );
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
