// zod/mini: tree-shakable, so the Lambda bundles carry only the validators used here.
import * as z from 'zod/mini';
import { RULE_IDS, RULES, type RuleId } from '../rules/index.js';
import type { RuleMode } from '../rules/types.js';

/** Rule ids of SPEC.md §1, in report order: derived from the rule registry. */
export { RULE_IDS, type RuleId };

const RULE_MODES = ['off', 'alert', 'remediate'] as const satisfies readonly RuleMode[];

export type { RuleMode };

/** Each rule's own default mode (`defaultMode` in its module). */
export const DEFAULT_RULE_MODES = Object.fromEntries(RULES.map((r) => [r.id, r.defaultMode])) as Record<
  RuleId,
  RuleMode
>;

/** SPEC.md §2: the crypto actions that must travel through an approved endpoint. */
export const DEFAULT_CRYPTO_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:GenerateDataKeyWithoutPlaintext',
];

const DEFAULT_EXEMPT_PRINCIPAL_ARNS = [
  'arn:aws:iam::*:role/aws:ec2-infrastructure',
  'arn:aws:iam::*:role/aws-service-role/*',
];

const accountId = z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id'));
const orgId = z
  .string()
  .check(z.regex(/^o-[a-z0-9]{10,32}$/, 'must be an organization id like o-a1b2c3d4e5'));
const vpceId = z
  .string()
  .check(z.regex(/^vpce-[0-9a-f]{8,17}$/, 'must be a VPC endpoint id like vpce-0a1b2c3d4e5f6a7b8'));
const vpcId = z.string().check(z.regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id like vpc-0a1b2c3d'));
/**
 * aws:VpceOrgPaths values: an Organizations entity path (`o-<id>/r-<root>/ou-<root>-<ou>/.../`),
 * as IAM's StringLike reads it: ending in `*` it also covers child OUs, `o-<id>/*` the whole
 * organization. Only a trailing `*` is accepted, so a value means one subtree
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-vpceorgpaths,
 * path format: access_policies_last-accessed-view-data-orgs.html#access_policies_last-accessed-viewing-orgs-entity-path).
 */
const orgPath = z
  .string()
  .check(
    z.regex(
      /^o-[a-z0-9]{10,32}\/(\*|r-[0-9a-z]{4,32}\/(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}\/)*\*?)$/,
      'must be an organization path like o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ (a trailing * also covers child OUs)',
    ),
  );
/**
 * aws:SourceVpcArn values: `arn:<partition>:ec2:<region>:<account>:vpc/vpc-<id>`. IAM's ARN
 * operators match each of the six parts separately, wildcards allowed (the IAM page's own example
 * uses `arn:aws:ec2:us-east-1:*:vpc/vpc-1a2b3c4d`); here a whole region, account or VPC id part
 * may be `*`, nothing partial, so each value names a clear set of VPCs.
 */
const vpcArn = z
  .string()
  .check(
    z.regex(
      /^arn:aws(-[a-z]+)*:ec2:(\*|[a-z]{2,}(-[a-z0-9]+)+-\d+):(\*|\d{12}):vpc\/(\*|vpc-[0-9a-f]{8,17})$/,
      'must be a VPC ARN like arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0a1b2c3d (a whole region, account or VPC id may be *)',
    ),
  );
const kmsAction = z
  .string()
  .check(z.regex(/^kms:[A-Za-z*?]+$/, 'must be a KMS action like kms:Decrypt (wildcards * and ? allowed)'));

const region = z
  .string()
  .check(z.regex(/^[a-z]{2,}(-[a-z0-9]+)+-\d+$/, 'must be an AWS region like eu-west-1'));

/** APIs with a client-side rate limit in sweeps (see engine/rate-limit.ts for the defaults). */
export const RATE_LIMITED_APIS = [
  'kms:ListKeys',
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:ListResourceTags',
  'kms:ListGrants',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'ec2:Describe',
  'ec2:ModifyVpcEndpoint',
] as const;

const bucketLimit = z.strictObject({
  rate: z.number().check(z.positive('must be > 0 (requests per second)')),
  burst: z.number().check(z.gte(1, 'must be >= 1')),
});

/** Scheduled sweeps (the sweep issue): scope, schedule, rates, report destination. */
const sweepSchema = z.prefault(
  z.strictObject({
    /** Region names, or "all-enabled" (EC2 DescribeRegions in the guard's account). */
    regions: z._default(
      z.union([z.literal('all-enabled'), z.array(region).check(z.minLength(1))]),
      'all-enabled',
    ),
    /** Account ids, "organization" (Organizations ListAccounts, ACTIVE only), or [] for the guard's own account. */
    accounts: z._default(z.union([z.literal('organization'), z.array(accountId)]), []),
    /** EventBridge Scheduler expression. */
    schedule: z._default(
      z
        .string()
        .check(
          z.regex(
            /^(rate|cron)\(.+\)$/,
            'must be a schedule expression like rate(1 day) or cron(0 3 * * ? *)',
          ),
        ),
      'rate(1 day)',
    ),
    /** S3 bucket for the JSON reports (a dated prefix per run); omitted = no report file. */
    reportBucket: z.optional(
      z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')),
    ),
    /** Resources judged at once per account-region. */
    concurrency: z._default(z.number().check(z.int(), z.gte(1), z.lte(256)), 32),
    /** Overrides of the default token buckets (half of each AWS quota). */
    rateLimits: z._default(z.partialRecord(z.enum(RATE_LIMITED_APIS), bucketLimit), {}),
  }),
  {},
);

const ruleMode = z.enum(RULE_MODES);
const rulesSchema = z._default(
  z.strictObject(
    Object.fromEntries(RULE_IDS.map((id) => [id, z._default(ruleMode, DEFAULT_RULE_MODES[id])])) as {
      [K in RuleId]: z.ZodMiniDefault<typeof ruleMode>;
    },
  ),
  DEFAULT_RULE_MODES,
);

/**
 * `ruleOptions`: each rule's own settings, the fragments the rules declare (`options` in their
 * modules); a rule without settings has no member, so `ruleOptions.<id>` for it is an unknown key.
 */
const ruleOptionsSchema = z.prefault(
  z.strictObject(
    Object.fromEntries(
      RULES.flatMap((r) => (r.options ? [[r.id, z.prefault(r.options, {})]] : [])),
    ) as Record<string, z.ZodMiniType<Record<string, unknown>>>,
  ),
  {},
);

export const guardConfigSchema = z
  .strictObject({
    trust: z.strictObject({
      accounts: z._default(z.array(accountId), []),
      organizationIds: z._default(z.array(orgId), []),
    }),
    network: z.prefault(
      z.strictObject({
        vpceIds: z._default(z.array(vpceId), []),
        vpcIds: z._default(z.array(vpcId), []),
        /** Endpoints owned by these accounts are approved (aws:VpceAccount; no wildcards: a sensitive key). */
        vpceAccounts: z._default(z.array(accountId), []),
        /** Endpoints owned by accounts of these organizations are approved (aws:VpceOrgID). */
        vpceOrgIds: z._default(z.array(orgId), []),
        /** Endpoints owned by accounts under these organization paths are approved (aws:VpceOrgPaths). */
        vpceOrgPaths: z._default(z.array(orgPath), []),
        /** Endpoints attached to these VPCs are approved (aws:SourceVpcArn). */
        vpcArns: z._default(z.array(vpcArn), []),
        allowAwsServiceCalls: z._default(z.boolean(), true),
        exemptPrincipalArns: z._default(
          z.array(z.string().check(z.startsWith('arn:', 'must be an IAM ARN pattern'))),
          DEFAULT_EXEMPT_PRINCIPAL_ARNS,
        ),
        cryptoActions: z._default(z.array(kmsAction).check(z.minLength(1)), DEFAULT_CRYPTO_ACTIONS),
      }),
      {},
    ),
    rules: rulesSchema,
    ruleOptions: ruleOptionsSchema,
    dryRun: z._default(z.boolean(), false),
    exemptionTagKey: z._default(
      z.string().check(z.minLength(1), z.maxLength(128)),
      'kms-perimeter-guard:exempt',
    ),
    /**
     * Longest exemption accepted, in days from now: an exemption tag without `until`, or with an
     * `until` further away, exempts nothing (reported as such).
     */
    exemptionMaxDays: z._default(z.number().check(z.int(), z.gte(1), z.lte(3650)), 90),
    /**
     * Time budget for judging and planning one resource, in ms. The Lambdas and sweeps default to
     * 2,000 ms when it is not set; `check` uses `--budget`, else this, else none. Past it the
     * finding is `unproven` ("analysis budget exceeded") or its remediation refused.
     */
    analysisBudgetMs: z.optional(z.number().check(z.int(), z.gte(1), z.lte(600_000))),
    sweep: sweepSchema,
    /**
     * `organization.rcps`: "read" makes sweeps read, from the management or a delegated
     * administrator account, the RCPs effective for each account and judge its keys with them;
     * "ignore" (default) judges key policies alone.
     */
    organization: z.prefault(z.strictObject({ rcps: z._default(z.enum(['ignore', 'read']), 'ignore') }), {}),
    /**
     * `alerts.on`: with the findings ledger (the Lambdas), "transitions" (default) alerts a finding
     * when it is new, changes witness or severity, reopens, is remediated or resolved; "every"
     * alerts every open finding whenever it is seen (each sweep), as without a ledger.
     */
    alerts: z.prefault(
      z.strictObject({ on: z._default(z.enum(['transitions', 'every']), 'transitions') }),
      {},
    ),
    /**
     * `securityHub.enabled`: each finding transition is imported into Security Hub in the finding's
     * own account (BatchImportFindings through the member role). Off by default.
     */
    securityHub: z.prefault(z.strictObject({ enabled: z._default(z.boolean(), false) }), {}),
    /**
     * `eventBridge.enabled`: each finding transition is put on the default event bus of the guard's
     * account (source "kms-perimeter-guard"). On by default: with no rule matching, an event costs
     * nothing but the PutEvents call.
     */
    eventBridge: z.prefault(z.strictObject({ enabled: z._default(z.boolean(), true) }), {}),
    /** Role the guard assumes in member accounts (event-guard and sweep issues). */
    memberRoleName: z._default(
      z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name')),
      'KmsPerimeterGuardMember',
    ),
  })
  .check(
    z.superRefine((cfg, ctx) => {
      if (cfg.trust.accounts.length === 0 && cfg.trust.organizationIds.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['trust'],
          message:
            'at least one trusted account (trust.accounts) or organization (trust.organizationIds) is required',
        });
      }
    }),
  );

export type GuardConfig = z.infer<typeof guardConfigSchema>;
export type GuardConfigInput = z.input<typeof guardConfigSchema>;
