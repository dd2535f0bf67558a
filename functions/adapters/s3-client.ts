import { S3Client } from '@aws-sdk/client-s3';
import { applyRetryPolicy, type ClientOptions, sdkConfig } from './client-config.js';

export function createS3Client(options: ClientOptions): S3Client {
  return applyRetryPolicy(new S3Client(sdkConfig(options)));
}
