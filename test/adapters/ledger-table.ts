/**
 * A real DynamoDB implementation (dynalite) on loopback for the ledger's tests, with the table as
 * serverless.yml declares it (keys `scope` and `sk`, on-demand).
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createDynamoDbClient } from '../../functions/adapters/dynamodb-client.js';

export const TABLE = 'kms-perimeter-guard-findings';

export interface LedgerServer {
  url: string;
  client: (maxAttempts?: number) => DynamoDBClient;
  stop(): Promise<void>;
}

export async function startLedgerTable(): Promise<LedgerServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const client = (maxAttempts = 3) =>
    createDynamoDbClient({
      region: 'us-east-1',
      endpoint: url,
      maxAttempts,
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test' },
    });
  await client().send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'scope', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'scope', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  return { url, client, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
