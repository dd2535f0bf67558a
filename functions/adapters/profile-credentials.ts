/**
 * The CLI's `--profile`: credentials of a named profile in the shared config and credentials files,
 * handed to each client as its `credentials`, so the process environment is never changed. fromIni
 * resolves what a profile can name (static keys, role_arn with source_profile or credential_source,
 * SSO, credential_process, web identity), as the default chain does for AWS_PROFILE.
 * https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html
 * Lambda bundles never import this module: functions use their own role.
 */
import { fromIni } from '@aws-sdk/credential-provider-ini';
import type { AwsCredentialsProvider } from '../engine/ports.js';

export function profileCredentials(profile: string): AwsCredentialsProvider {
  return fromIni({ profile });
}
