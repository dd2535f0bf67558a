/**
 * The findings ledger on DynamoDB (`LedgerPort`). One item per finding: partition key `scope`
 * (`<partition>#<account>#<region>`), sort key `sk` (`<resource ARN>#<rule>`), so a sweep reads its
 * account-region with one paginated Query and an event reads its resource with one Query prefix.
 * Writes are PutItem with a condition on the version read: `attribute_not_exists(sk)` for a new
 * finding, `version = :v` otherwise; a failed condition (ConditionalCheckFailedException) means
 * another writer won this transition
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { LedgerPort } from '../engine/ledger.js';
import { LedgerError } from '../errors.js';
import type { FindingSubject } from '../findings/finding-id.js';
import { type FindingState, type LedgerRecord, scopeOf, sortKeyOf } from '../findings/lifecycle.js';
import type { RuleId, Severity } from '../rules/types.js';

type Item = Record<string, AttributeValue>;

function toItem(r: LedgerRecord): Item {
  const s = r.subject;
  return {
    scope: { S: scopeOf(s) },
    sk: { S: sortKeyOf(s) },
    id: { S: r.id },
    partition: { S: s.partition },
    account: { S: s.account },
    region: { S: s.region },
    resourceArn: { S: s.resourceArn },
    rule: { S: s.rule },
    state: { S: r.state },
    severity: { S: r.severity },
    fingerprint: { S: r.fingerprint },
    firstSeen: { S: r.firstSeen },
    lastSeen: { S: r.lastSeen },
    version: { N: String(r.version) },
  };
}

function fromItem(item: Item, table: string): LedgerRecord {
  const str = (k: string): string => {
    const v = item[k]?.S;
    if (v === undefined) throw new LedgerError(`${table}: item ${item.sk?.S ?? '?'} has no string ${k}`);
    return v;
  };
  const version = Number(item.version?.N);
  if (!Number.isInteger(version) || version < 1)
    throw new LedgerError(`${table}: item ${str('sk')} has no version`);
  const subject: FindingSubject = {
    partition: str('partition'),
    account: str('account'),
    region: str('region'),
    resourceArn: str('resourceArn'),
    rule: str('rule') as RuleId,
  };
  return {
    id: str('id'),
    subject,
    state: str('state') as FindingState,
    severity: str('severity') as Severity,
    fingerprint: str('fingerprint'),
    firstSeen: str('firstSeen'),
    lastSeen: str('lastSeen'),
    version,
  };
}

const wrap = (table: string, op: string, err: unknown) =>
  new LedgerError(`${table}: ${op} failed: ${(err as Error).name ?? 'Error'}: ${(err as Error).message}`, {
    cause: err,
  });

export function createLedger(client: DynamoDBClient, table: string): LedgerPort {
  return {
    async query(scope, resourceArn) {
      const out: LedgerRecord[] = [];
      let start: Item | undefined;
      do {
        let page: QueryCommandOutput;
        try {
          page = await client.send(
            new QueryCommand({
              TableName: table,
              // Strongly consistent: a record written by a handler a moment ago is seen.
              ConsistentRead: true,
              KeyConditionExpression: resourceArn
                ? '#scope = :scope AND begins_with(sk, :prefix)'
                : '#scope = :scope',
              ExpressionAttributeNames: { '#scope': 'scope' },
              ExpressionAttributeValues: {
                ':scope': { S: scope },
                ...(resourceArn ? { ':prefix': { S: `${resourceArn}#` } } : {}),
              },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
        } catch (err) {
          throw wrap(table, 'Query', err);
        }
        for (const item of page.Items ?? []) out.push(fromItem(item, table));
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    },
    async get(subject) {
      try {
        const res = await client.send(
          new GetItemCommand({
            TableName: table,
            ConsistentRead: true,
            Key: { scope: { S: scopeOf(subject) }, sk: { S: sortKeyOf(subject) } },
          }),
        );
        return res.Item ? fromItem(res.Item, table) : undefined;
      } catch (err) {
        if (err instanceof LedgerError) throw err;
        throw wrap(table, 'GetItem', err);
      }
    },
    async put(next, expected) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: toItem(next),
            ...(expected === 0
              ? { ConditionExpression: 'attribute_not_exists(sk)' }
              : {
                  ConditionExpression: 'version = :v',
                  ExpressionAttributeValues: { ':v': { N: String(expected) } },
                }),
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
