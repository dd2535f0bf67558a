/**
 * Resource control policies (RCPs) as documents: validated against the RCP grammar, which is
 * narrower than a resource policy's. Pure: nothing here imports the AWS SDK.
 *
 * RCP syntax (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html):
 * Version must be "2012-10-17"; Effect must be Deny, Allow exists only in the AWS managed
 * RCPFullAWSAccess; every statement has Principal "*" (conditions narrow the principal); Action is
 * required and a customer managed RCP cannot use "*" alone; Resource or NotResource; Condition;
 * NotPrincipal and NotAction are not supported.
 */
import { parsePolicy } from './parse.js';
import type { Issue, Policy, Result } from './types.js';

/** One RCP as the analysis uses it. */
export interface Rcp {
  /** The policy id (`p-...`) when known (Organizations, describe-policy output), else the file. */
  name: string;
  policy: Policy;
  /**
   * RCPFullAWSAccess (`Allow * * *`): attached to the root, every OU and every account and not
   * detachable; it lets everything pass RCP evaluation and grants nothing, so it denies nothing.
   */
  fullAccess: boolean;
}

/** The AWS managed RCP's id and name as Organizations lists them. */
export const RCP_FULL_ACCESS_ID = 'p-RCPFullAWSAccess';
export const RCP_FULL_ACCESS_NAME = 'RCPFullAWSAccess';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: Json, k: string) => Object.hasOwn(o, k);

function statementsOf(doc: Json): { raw: unknown; path: string }[] {
  const body = doc.Statement;
  if (Array.isArray(body)) return body.map((raw, i) => ({ raw, path: `Statement[${i}]` }));
  return body === undefined ? [] : [{ raw: body, path: 'Statement' }];
}

/** `Allow`, Principal/Action/Resource `"*"`, nothing else: the shape of RCPFullAWSAccess. */
function isFullAccessStatement(s: Json): boolean {
  const keys = Object.keys(s).filter((k) => k !== 'Sid');
  return (
    keys.length === 4 &&
    s.Effect === 'Allow' &&
    s.Principal === '*' &&
    (s.Action === '*' || (Array.isArray(s.Action) && s.Action.length === 1 && s.Action[0] === '*')) &&
    (s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.length === 1 && s.Resource[0] === '*'))
  );
}

const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** What the RCP grammar forbids in one statement (the parser checks the rest). */
function rcpStatementIssues(raw: unknown, path: string, fullAccess: boolean): Issue[] {
  if (!isObject(raw)) return [];
  const issues: Issue[] = [];
  if (has(raw, 'NotPrincipal')) {
    issues.push({ path: `${path}.NotPrincipal`, message: 'NotPrincipal is not supported in an RCP' });
  }
  if (has(raw, 'NotAction')) {
    issues.push({ path: `${path}.NotAction`, message: 'NotAction is not supported in an RCP' });
  }
  if (!has(raw, 'Principal') && !has(raw, 'NotPrincipal')) {
    issues.push({
      path,
      message:
        'an RCP statement must have Principal "*" (an SCP or identity policy has no Principal: it is not an RCP)',
    });
  } else if (has(raw, 'Principal') && raw.Principal !== '*') {
    issues.push({
      path: `${path}.Principal`,
      message: 'an RCP allows only Principal "*" (narrow the principal with Condition keys)',
    });
  }
  if (raw.Effect === 'Allow' && !fullAccess) {
    issues.push({
      path: `${path}.Effect`,
      message: 'an RCP statement must be Deny: Allow is supported only in the AWS managed RCPFullAWSAccess',
    });
  }
  if (raw.Effect === 'Deny' && listOf(raw.Action).includes('*')) {
    issues.push({
      path: `${path}.Action`,
      message: 'a customer managed RCP cannot use Action "*": name the service (for example "kms:*")',
    });
  }
  return issues;
}

/**
 * Read one RCP document (an object, or its JSON text as Organizations returns it in `Content`).
 * Issues carry JSON paths inside the document.
 */
export function parseRcpDocument(name: string, document: unknown): Result<Rcp> {
  const parsed = parsePolicy(document, { maxBytes: Number.MAX_SAFE_INTEGER });
  const doc = typeof document === 'string' ? safeJson(document) : document;
  if (!isObject(doc)) return parsed.ok ? { ok: false, issues: [notObject()] } : parsed;
  const statements = statementsOf(doc);
  const fullAccess =
    statements.length === 1 &&
    isObject(statements[0]?.raw) &&
    isFullAccessStatement(statements[0].raw as Json);
  const issues: Issue[] = [];
  if (doc.Version !== '2012-10-17') {
    issues.push({
      path: 'Version',
      message: `an RCP must have Version "2012-10-17", got ${doc.Version === undefined ? 'none' : JSON.stringify(doc.Version)}`,
    });
  }
  if (statements.length === 0 && !has(doc, 'Statement')) {
    issues.push({ path: '$', message: 'missing Statement' });
  }
  for (const s of statements) issues.push(...rcpStatementIssues(s.raw, s.path, fullAccess));
  if (!parsed.ok) {
    // The RCP grammar's own messages first; the parser's for what they do not already cover.
    const seen = new Set(issues.map((i) => i.path));
    for (const i of parsed.issues) {
      if (![...seen].some((p) => i.path === p || i.path.startsWith(`${p}.`))) issues.push(i);
    }
  }
  if (issues.length > 0 || !parsed.ok) return { ok: false, issues };
  return { ok: true, value: { name, policy: parsed.value, fullAccess } };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const notObject = (): Issue => ({ path: '$', message: 'an RCP must be a JSON object' });
