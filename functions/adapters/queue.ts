/** SQS (the sweep queue) and S3 (the sweep reports): the two calls the sweep Lambdas make besides KMS/EC2. */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type AdapterOptions, createCaller } from './call.js';
import { AwsCallError } from './errors.js';

/** SendMessageBatch takes at most 10 entries. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html */
export const SQS_BATCH_MAX = 10;

/**
 * Send every body, 10 per call; entries SQS reports as failed are sent again (bounded), and any
 * that still fail are thrown as one error naming them (the scheduler's invocation then fails and is
 * retried; the worker is idempotent per account-region).
 */
export async function sendMessages(
  client: SQSClient,
  queueUrl: string,
  bodies: { id: string; body: string }[],
  options: AdapterOptions & { attempts?: number } = {},
): Promise<number> {
  const call = createCaller('sqs', options);
  let pending = bodies;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const failed: typeof bodies = [];
    for (let i = 0; i < pending.length; i += SQS_BATCH_MAX) {
      const chunk = pending.slice(i, i + SQS_BATCH_MAX);
      const out = await call('SendMessageBatch', queueUrl, () =>
        client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((b) => ({ Id: b.id, MessageBody: b.body })),
          }),
        ),
      );
      for (const f of out.Failed ?? []) {
        const entry = chunk.find((b) => b.id === f.Id);
        if (entry && !f.SenderFault) failed.push(entry);
        else if (entry)
          throw new AwsCallError({
            service: 'sqs',
            operation: 'SendMessageBatch',
            code: f.Code ?? 'SenderFault',
            classification: 'permanent',
            message: `message ${f.Id} refused: ${f.Message ?? ''}`,
            resourceId: queueUrl,
          });
      }
    }
    if (failed.length === 0) break;
    if (attempt >= (options.attempts ?? 3)) {
      throw new AwsCallError({
        service: 'sqs',
        operation: 'SendMessageBatch',
        code: 'PartialFailure',
        classification: 'transient',
        message: `${failed.length} messages not sent: ${failed.map((f) => f.id).join(', ')}`,
        resourceId: queueUrl,
      });
    }
    pending = failed;
  }
  return bodies.length;
}

export async function putJson(
  client: S3Client,
  bucket: string,
  key: string,
  value: unknown,
  options: AdapterOptions = {},
): Promise<void> {
  const call = createCaller('s3', options);
  await call('PutObject', `s3://${bucket}/${key}`, () =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
        // Reports name resources and principals: keep them encrypted at rest with the bucket's key.
        ServerSideEncryption: 'aws:kms',
      }),
    ),
  );
}
