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
export const ACCOUNT_LEVEL_ACTIONS: readonly KmsAction[] = [
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

/** The actions of requests on a key: what a key policy (and a witness on a key) can be about. */
export const KEY_ACTIONS: readonly KmsAction[] = KMS_ACTIONS.filter(
  (a) => !ACCOUNT_LEVEL_ACTIONS.includes(a),
);
