import { EC2Client } from '@aws-sdk/client-ec2';
import { type ClientOptions, sdkConfig } from './client-config.js';

/** Only `EC2Client`: commands are imported one by one in `ec2.ts` (the aggregated `EC2` class is huge). */
export function createEc2Client(options: ClientOptions): EC2Client {
  return new EC2Client(sdkConfig(options));
}
