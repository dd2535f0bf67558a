/**
 * Values of infrastructure code before it deploys: what is known is plain JSON; what only the
 * deploy knows (a parameter without a default, an import, an attribute of a resource not yet made,
 * a Terraform value "known after apply") is an `Unknown` naming where it comes from, so a verdict
 * that depends on it can say so instead of guessing.
 */
export class Unknown {
  constructor(
    /** What the value depends on: `parameter KeyAdmin`, `Fn::ImportValue SharedRoleArn`, ... */
    readonly names: string[],
    /** For a string with unknown parts: the string with those parts as `${...}` (service names). */
    readonly text?: string,
  ) {}
}

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every unknown inside a value, by name, in order of first appearance. */
export function unknownsIn(value: unknown, into: Set<string> = new Set()): string[] {
  if (value instanceof Unknown) for (const n of value.names) into.add(n);
  else if (Array.isArray(value)) for (const v of value) unknownsIn(v, into);
  else if (isObject(value)) for (const v of Object.values(value)) unknownsIn(v, into);
  return [...into];
}

/** Where the deploy goes: `--account`/`--region`, or the CDK manifest's environment. */
export interface DeployTarget {
  account?: string;
  region?: string;
  /** No `--account`: the account trusted in the configuration that the deploying account is taken to be. */
  trustedAccount?: string;
}

/** AWS partition of a region (`cn-north-1` → `aws-cn`): https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html */
export function partitionOf(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * A stand-in key id in the KMS format (a UUID) for a key that does not exist yet: derived from the
 * resource's name so that the same template gives the same witnesses. KMS assigns the real id at
 * creation; the output says the ARN is a stand-in.
 */
export function standInKeyId(name: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const a = hex(h1);
  const b = hex(h2);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-8${a.slice(1, 4)}-${b}${a.slice(4, 8)}`;
}

/**
 * The default key policy KMS gives a key created without one: the account's root may do `kms:*`,
 * which hands access to the account's IAM policies.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
 */
export function defaultKeyPolicy(partition: string, account: string): Json {
  return {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}
