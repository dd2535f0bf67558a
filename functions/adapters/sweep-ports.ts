import type { RecordingCallCounter } from './counter.js';
import { createEc2Adapter } from './ec2.js';
import { createEc2Client } from './ec2-client.js';
import { createKmsAdapter } from './kms.js';
import { createKmsClient } from './kms-client.js';
import { type AccountPortsOptions, createAccountPorts } from './ports.js';

/**
 * KMS and EC2 ports for sweeps (CLI and worker Lambda): per account-region, each adapter takes its
 * tokens from that account-region's own rate limiter.
 */
export function createSweepPorts(
  options: AccountPortsOptions & {
    counter: RecordingCallCounter;
    throttleFor: (account: string, region: string) => (service: string, operation: string) => Promise<void>;
  },
) {
  const { counter, throttleFor, ...portOptions } = options;
  return {
    kms: createAccountPorts(
      createKmsClient,
      (client, account, region) =>
        createKmsAdapter(client, { counter, throttle: throttleFor(account, region) }),
      portOptions,
    ),
    ec2: createAccountPorts(
      createEc2Client,
      (client, account, region) =>
        createEc2Adapter(client, { counter, throttle: throttleFor(account, region) }),
      portOptions,
    ),
  };
}
