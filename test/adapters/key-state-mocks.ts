/**
 * The SDK answers an aws-sdk-client-mock KMS mock gives, by default, for each read a key rule may
 * declare (`ExtraKeyState`): compliant values, so a rule added later and turned on does not change
 * what unrelated handler and CLI tests see. Keyed by the registry of reads: a new read does not
 * compile here until it has a default answer.
 */
import {
  GetKeyRotationStatusCommand,
  type KMSClientResolvedConfig,
  ListGrantsCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-kms';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { ExtraKeyRead } from '../../functions/rules/reads.js';

type KmsStub = AwsStub<ServiceInputTypes, ServiceOutputTypes, KMSClientResolvedConfig>;

const DEFAULT_ANSWERS: Record<ExtraKeyRead, (kms: KmsStub) => void> = {
  rotation: (kms) =>
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365 }),
  grants: (kms) => kms.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false }),
};

/** Call after `kms.reset()`; a test that cares about a read sets its own answer afterwards. */
export function answerKeyStateReads(kms: KmsStub): void {
  for (const answer of Object.values(DEFAULT_ANSWERS)) answer(kms);
}
