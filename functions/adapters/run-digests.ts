/**
 * The run digests in the findings table (`RunDigestPort`): partition `run#<run id>`, one item per
 * account-region (`sk` `scope#<account>#<region>`, its summary as JSON) and one `digest-sent` item
 * written with `attribute_not_exists(sk)` by the worker that sends the run's digest, so exactly one
 * does (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
 * Items carry `expiresAt` (epoch seconds): the table's TTL removes a run a week after it
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html).
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { SweepSummaryInput } from '../engine/alert-types.js';
import type { RunDigestPort } from '../engine/run-digest.js';
import { LedgerError } from '../errors.js';

const KEEP_SECONDS = 7 * 24 * 3600;

const wrap = (table: string, op: string, err: unknown) =>
  new LedgerError(`${table}: ${op} failed: ${(err as Error).name ?? 'Error'}: ${(err as Error).message}`, {
    cause: err,
  });

export function createRunDigests(
  client: DynamoDBClient,
  table: string,
  now: () => Date = () => new Date(),
): RunDigestPort {
  const expiresAt = () => ({ N: String(Math.floor(now().getTime() / 1000) + KEEP_SECONDS) });
  const scope = (runId: string) => ({ S: `run#${runId}` });
  return {
    async put(runId, account, region, summary) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: {
              scope: scope(runId),
              sk: { S: `scope#${account}#${region}` },
              summary: { S: JSON.stringify(summary) },
              expiresAt: expiresAt(),
            },
          }),
        );
      } catch (err) {
        throw wrap(table, 'PutItem', err);
      }
    },
    async list(runId) {
      const out: SweepSummaryInput[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        let page: QueryCommandOutput;
        try {
          page = await client.send(
            new QueryCommand({
              TableName: table,
              // Strongly consistent: the summary another worker wrote a moment ago is counted.
              ConsistentRead: true,
              KeyConditionExpression: '#scope = :scope AND begins_with(sk, :prefix)',
              ExpressionAttributeNames: { '#scope': 'scope' },
              ExpressionAttributeValues: { ':scope': scope(runId), ':prefix': { S: 'scope#' } },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
        } catch (err) {
          throw wrap(table, 'Query', err);
        }
        for (const item of page.Items ?? []) {
          const text = item.summary?.S;
          if (text === undefined)
            throw new LedgerError(`${table}: run item ${item.sk?.S ?? '?'} has no summary`);
          out.push(JSON.parse(text) as SweepSummaryInput);
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    },
    async claim(runId) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: { scope: scope(runId), sk: { S: 'digest-sent' }, expiresAt: expiresAt() },
            ConditionExpression: 'attribute_not_exists(sk)',
          }),
        );
        return true;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return false;
        throw wrap(table, 'PutItem', err);
      }
    },
  };
}
