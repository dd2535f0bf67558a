/**
 * The shapes CloudTrail management events arrive in: the EventBridge "AWS API Call via CloudTrail"
 * envelope, or the bare CloudTrail record (tests, replays, trail files). Lenient where AWS is (extra
 * fields, `null` for absent values, account ids as JSON numbers), strict on what the guard needs.
 */
// zod/mini: the same validators as `zod` in a tree-shakable functional API (the Lambda bundles
// carry about 13 KB of it instead of 90 KB).
import * as z from 'zod/mini';
import type { Issue } from './types.js';

/**
 * `detail-type` of CloudTrail API calls on EventBridge
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html).
 */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

const ACCOUNT_ID = /^\d{12}$/;
/** Region names as AWS spells them (`us-east-1`, `us-gov-west-1`, `eu-isoe-west-1`). */
const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;

/**
 * A 12-digit account id as a string. CloudTrail sometimes logs account ids as JSON numbers (EC2
 * `ownerId` in the real CreateVpcEndpoint record), which drops leading zeros: pad them back.
 */
export function normalizeAccountId(value: unknown): string | undefined {
  if (typeof value === 'string') return ACCOUNT_ID.test(value) ? value : undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= 999_999_999_999) {
    return String(value).padStart(12, '0');
  }
  return undefined;
}

const accountIdSchema = z.pipe(
  z.unknown(),
  z.transform((value, ctx): string => {
    const account = normalizeAccountId(value);
    if (account === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        message: 'must be a 12-digit AWS account id (string or number)',
      });
      return z.NEVER;
    }
    return account;
  }),
);

const regionSchema = z.string().check(z.regex(REGION, 'must be an AWS region name like us-east-1'));

/** A JSON object (not an array, not null). */
const jsonObject = z.record(z.string(), z.unknown());

/** https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html */
const userIdentitySchema = z.looseObject({
  type: z.nullish(z.string()),
  arn: z.nullish(z.string()),
  /** Validated only where it is used (as the last source of the account). */
  accountId: z.optional(z.unknown()),
  invokedBy: z.nullish(z.string()),
  sessionContext: z.nullish(
    z.looseObject({
      sessionIssuer: z.nullish(z.looseObject({ arn: z.nullish(z.string()) })),
    }),
  ),
});

/** https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html */
export const cloudTrailRecordSchema = z.looseObject({
  eventVersion: z.nullish(z.string()),
  eventID: z.string().check(z.minLength(1)),
  eventTime: z.string().check(z.minLength(1)),
  eventSource: z.string().check(z.minLength(1)),
  eventName: z.string().check(z.minLength(1)),
  /** Required for a bare record; an envelope carries `region` instead. */
  awsRegion: z.nullish(regionSchema),
  recipientAccountId: z.nullish(accountIdSchema),
  userIdentity: z.nullish(userIdentitySchema),
  requestParameters: z.nullish(jsonObject),
  responseElements: z.nullish(jsonObject),
  errorCode: z.nullish(z.string()),
  errorMessage: z.nullish(z.string()),
  resources: z.nullish(
    z.array(
      z.looseObject({
        // Raw CloudTrail spells it `ARN`; some normalisers lower-case it.
        ARN: z.nullish(z.string()),
        arn: z.nullish(z.string()),
        type: z.nullish(z.string()),
      }),
    ),
  ),
});

export type CloudTrailRecord = z.output<typeof cloudTrailRecordSchema>;

/** https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html */
export const eventBridgeEnvelopeSchema = z.looseObject({
  version: z.nullish(z.string()),
  id: z.nullish(z.string()),
  'detail-type': z.literal(CLOUDTRAIL_DETAIL_TYPE),
  source: z.string().check(z.minLength(1)),
  account: accountIdSchema,
  time: z.nullish(z.string()),
  region: regionSchema,
  resources: z.nullish(z.array(z.unknown())),
  detail: cloudTrailRecordSchema,
});

/** A plain JSON object (what JSON.parse yields for `{...}`). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON path (`$.detail.requestParameters.keyId`, `$['detail-type']`, `$.resources[0].ARN`).
 * `base` is an already formatted path.
 */
export function jsonPath(segments: readonly PropertyKey[], base = '$'): string {
  let out = base;
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** zod issues as `{ path, message }` with JSON paths under `base`. */
export function zodIssues(error: z.core.$ZodError, base = '$'): Issue[] {
  return error.issues.map((issue) => ({ path: jsonPath(issue.path, base), message: issue.message }));
}

/**
 * A member by name, matching case-insensitively when the exact spelling is absent: EC2 request
 * parameters are PascalCase (`VpcEndpointId`), its responses camelCase (`vpcEndpointId`), and KMS
 * responses vary (`AWSAccountId` in the AWS docs example, `aWSAccountId` in console records).
 */
export function member(
  obj: Record<string, unknown>,
  name: string,
): { key: string; value: unknown } | undefined {
  if (Object.hasOwn(obj, name)) return { key: name, value: obj[name] };
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) {
    if (key.toLowerCase() === lower) return { key, value: obj[key] };
  }
  return undefined;
}

/**
 * Where to look for parameters in an EC2 `requestParameters` / `responseElements` object.
 * Query-API EC2 actions log them under ONE wrapper key named after EC2's internal shape
 * (`CreateVpcEndpointRequest`, but `DelTGwVpcAttachReq` for DeleteTransitGatewayVpcAttachment), so
 * the wrapper is found by shape, never by name: the object-valued member(s). Legacy EC2 events log
 * flat parameters, so the object itself is searched too (after the wrapper).
 */
export function ec2Bodies(
  container: Record<string, unknown>,
  path: string,
): { body: Record<string, unknown>; path: string }[] {
  const wrappers = Object.keys(container)
    .filter((key) => isJsonObject(container[key]))
    .map((key) => ({ body: container[key] as Record<string, unknown>, path: jsonPath([key], path) }));
  return [...wrappers, { body: container, path }];
}

/**
 * The members of an EC2 set, flattened. CloudTrail renders EC2 sets from XML: one member is an
 * object, several an array, an empty set is `""`; members may be wrapped as `{"item": ...}`
 * (responses), `{"items": [...]}` (legacy shapes) or, for request list parameters, as
 * `{"content": "...", "tag": 1}` (see the DeleteFlowLogs shape reference in the corpus).
 */
export function ec2Members(value: unknown, path: string): { value: unknown; path: string }[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => ec2Members(v, jsonPath([i], path)));
  if (isJsonObject(value)) {
    for (const wrapper of ['item', 'items', 'content']) {
      if (Object.hasOwn(value, wrapper)) return ec2Members(value[wrapper], jsonPath([wrapper], path));
    }
  }
  return [{ value, path }];
}

/** The strings of an EC2 scalar-or-set value, each with its JSON path; anything else is an issue. */
export function ec2Strings(
  value: unknown,
  path: string,
): { strings: { value: string; path: string }[]; issues: Issue[] } {
  const strings: { value: string; path: string }[] = [];
  const issues: Issue[] = [];
  for (const m of ec2Members(value, path)) {
    if (typeof m.value === 'string') strings.push({ value: m.value, path: m.path });
    else issues.push({ path: m.path, message: `expected a string, got ${describe(m.value)}` });
  }
  return { strings, issues };
}

/** A short description of a JSON value's type, for issue messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
