/**
 * Every action of the AWS KMS service authorization reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html).
 * Requests through a KMS interface endpoint and requests on a key are KMS requests, so this finite
 * list is the whole action space the analyzer has to consider: enumerating it keeps the action
 * dimension exact for wildcards and NotAction.
 */
export const KMS_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:ConnectCustomKeyStore',
  'kms:CreateAlias',
  'kms:CreateCustomKeyStore',
  'kms:CreateGrant',
  'kms:CreateKey',
  'kms:Decrypt',
  'kms:DeleteAlias',
  'kms:DeleteCustomKeyStore',
  'kms:DeleteImportedKeyMaterial',
  'kms:DeriveSharedSecret',
  'kms:DescribeCustomKeyStores',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:DisconnectCustomKeyStore',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateMac',
  'kms:GenerateRandom',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:GetParametersForImport',
  'kms:GetPublicKey',
  'kms:ImportKeyMaterial',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListKeys',
  'kms:ListResourceTags',
  'kms:ListRetirableGrants',
  'kms:PutKeyPolicy',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:ReplicateKey',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:Sign',
  'kms:SynchronizeMultiRegionKey',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateCustomKeyStore',
  'kms:UpdateKeyDescription',
  'kms:UpdatePrimaryRegion',
  'kms:Verify',
  'kms:VerifyMac',
] as const;

export type KmsAction = (typeof KMS_ACTIONS)[number];

/**
 * Actions a key policy cannot govern: they act on the account, not on a key ("Policy type: IAM
 * policy" in the KMS permissions reference,
 * https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html).
 */
const ACCOUNT_LEVEL_ACTIONS: readonly KmsAction[] = [
  'kms:ConnectCustomKeyStore',
  'kms:CreateCustomKeyStore',
  'kms:CreateKey',
  'kms:DeleteCustomKeyStore',
  'kms:DescribeCustomKeyStores',
  'kms:DisconnectCustomKeyStore',
  'kms:GenerateRandom',
  'kms:ListAliases',
  'kms:ListKeys',
  'kms:ListRetirableGrants',
  'kms:UpdateCustomKeyStore',
];

/**
 * Which action a witness names when several are allowed: the one that says the most about the
 * exposure. Using the key's material first, then taking control of the key, then reading about it.
 * Actions not listed come after, in KMS_ACTIONS order.
 */
export const WITNESS_ACTION_PREFERENCE: readonly KmsAction[] = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:Sign',
  'kms:Verify',
  'kms:GenerateMac',
  'kms:VerifyMac',
  'kms:DeriveSharedSecret',
  'kms:PutKeyPolicy',
  'kms:CreateGrant',
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
  'kms:ImportKeyMaterial',
  'kms:DeleteImportedKeyMaterial',
  'kms:ReplicateKey',
  'kms:UpdatePrimaryRegion',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:GetPublicKey',
  'kms:GetKeyPolicy',
  'kms:DescribeKey',
];

/** The actions of requests on a key: what a key policy (and a witness on a key) can be about. */
export const KEY_ACTIONS: readonly KmsAction[] = KMS_ACTIONS.filter(
  (a) => !ACCOUNT_LEVEL_ACTIONS.includes(a),
);
