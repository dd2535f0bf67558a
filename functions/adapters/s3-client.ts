import { S3Client } from '@aws-sdk/client-s3';
import { type ClientOptions, sdkConfig } from './client-config.js';

export function createS3Client(options: ClientOptions): S3Client {
  return new S3Client(sdkConfig(options));
}
