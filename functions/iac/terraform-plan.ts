/**
 * Terraform plans in the JSON output format (`terraform show -json plan.out`), format 1.x:
 * https://developer.hashicorp.com/terraform/internals/json-format
 * Each `resource_changes[]` entry's `change.after` is what the resource will be; `after_unknown`
 * marks the values known only after apply, and `configuration` says which of them the code set
 * (and from what: `references`) and which it left to the provider's default.
 */
import type { KeyGrant } from '../rules/reads.js';
import type { RuleId } from '../rules/types.js';
import { endpointResource, type IacRead, keyResource } from './resources.js';
import { type DeployTarget, isObject, type Json, Unknown } from './values.js';

const JUDGED = new Set([
  'aws_kms_key',
  'aws_kms_key_policy',
  'aws_kms_replica_key',
  'aws_kms_grant',
  'aws_vpc_endpoint',
  'aws_vpc_endpoint_policy',
  'aws_vpc_endpoint_private_dns',
]);

export function isPlan(value: unknown): value is Json {
  return (
    isObject(value) &&
    typeof value.format_version === 'string' &&
    ('resource_changes' in value || 'planned_values' in value || 'terraform_version' in value)
  );
}

/** The line of each `"address": "..."` in the text, the first after `"resource_changes"`. */
function addressLines(text: string): { lines: Map<string, number>; formatLine: number | undefined } {
  const lines = new Map<string, number>();
  const start = text.indexOf('"resource_changes"');
  const re = /"address"\s*:\s*"((?:[^"\\]|\\.)*)"/g;
  re.lastIndex = Math.max(start, 0);
  let line = 1;
  let at = 0;
  const lineAt = (offset: number) => {
    for (let i = text.indexOf('\n', at); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    at = offset;
    return line;
  };
  const fv = /"format_version"/.exec(text);
  const formatLine = fv ? text.slice(0, fv.index).split('\n').length : undefined;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const address = JSON.parse(`"${m[1]}"`) as string;
    const l = lineAt(m.index);
    if (!lines.has(address)) lines.set(address, l);
  }
  return { lines, formatLine };
}

/** `module.a.aws_kms_key.k[0]` → the configuration block of `aws_kms_key.k` in module call `a`. */
function configOf(plan: Json, address: string): Json | undefined {
  const parts = address.replace(/\[[^\]]*\]/g, '').split('.');
  let mod: unknown = isObject(plan.configuration) ? plan.configuration.root_module : undefined;
  while (parts[0] === 'module' && parts.length > 2) {
    const calls = isObject(mod) && isObject(mod.module_calls) ? mod.module_calls : {};
    const call = calls[parts[1] as string];
    mod = isObject(call) ? call.module : undefined;
    parts.splice(0, 2);
  }
  if (!isObject(mod) || !Array.isArray(mod.resources)) return undefined;
  const local = parts.join('.');
  const found = mod.resources.find((r) => isObject(r) && r.address === local);
  return isObject(found) ? found : undefined;
}

/** `change.after` with every `after_unknown` value an `Unknown` naming the attribute and what the code set it from. */
function withUnknowns(
  after: unknown,
  unknown: unknown,
  name: string,
  expressions: Json | undefined,
): unknown {
  if (unknown === true) {
    const key = name.split('.').pop() ?? name;
    const expr = expressions?.[key];
    const refs = isObject(expr) && Array.isArray(expr.references) ? ` from ${expr.references[0]}` : '';
    return new Unknown([`${name} (known after apply${refs})`]);
  }
  if (Array.isArray(after))
    return after.map((v, i) =>
      withUnknowns(v, Array.isArray(unknown) ? unknown[i] : undefined, `${name}[${i}]`, undefined),
    );
  if (isObject(after) || isObject(unknown)) {
    const out: Json = {};
    const a = isObject(after) ? after : {};
    const u = isObject(unknown) ? unknown : {};
    for (const k of new Set([...Object.keys(a), ...Object.keys(u)]))
      out[k] = withUnknowns(a[k], u[k], `${name}.${k}`, name.includes('.') ? undefined : expressions);
    return out;
  }
  return after;
}

/** What one resource change's reader needs: the change, its values after apply, where it is. */
interface Change {
  c: Json & { type: string };
  address: string;
  path: string;
  v: Json;
  value: (attr: string) => unknown;
  expressions: Json | undefined;
  assumptions: string[];
  common: { name: string; target: DeployTarget; assumptions: string[]; line?: number };
  policyPath: string;
  afters: Map<string, Json>;
  before: number;
}

/** Read a plan: every judged resource that will exist after apply, named by its address. */
export function readPlan(text: string, plan: Json, target: DeployTarget): IacRead {
  const out: IacRead = { shape: 'Terraform plan', resources: [], problems: [], notes: [] };
  const { lines, formatLine } = addressLines(text);
  // Format 1.x: minor versions only add fields; another major version may change their meaning.
  if (!/^1\.\d+$/.test(String(plan.format_version))) {
    out.problems.push({
      path: 'format_version',
      message: `Terraform plan format ${JSON.stringify(plan.format_version)} is not supported (format 1.x is): nothing in the plan was judged`,
      ...(formatLine !== undefined ? { line: formatLine } : {}),
    });
    return out;
  }
  const changes = Array.isArray(plan.resource_changes) ? plan.resource_changes : [];
  const afters = new Map<string, Json>();
  for (const c of changes)
    if (isObject(c) && isObject(c.change) && isObject(c.change.after))
      afters.set(String(c.address), c.change.after);
  const decidedBy = attachmentsOf(plan, changes);
  for (const [i, c] of changes.entries()) {
    if (!isObject(c) || c.mode !== 'managed' || typeof c.type !== 'string' || !JUDGED.has(c.type)) continue;
    readChange(c as Json & { type: string }, i, { plan, target, lines, afters, decidedBy, out });
  }
  return out;
}

/**
 * A key policy, endpoint policy or private DNS attachment decides that part of the resource it
 * names: the resource itself is then not judged on it (the attachment is, by its own address).
 */
function attachmentsOf(plan: Json, changes: unknown[]): Map<string, { rules: RuleId[]; by: string }[]> {
  const decidedBy = new Map<string, { rules: RuleId[]; by: string }[]>();
  for (const c of changes) {
    if (!isObject(c) || typeof c.type !== 'string') continue;
    const field =
      c.type === 'aws_kms_key_policy'
        ? 'key_id'
        : c.type.startsWith('aws_vpc_endpoint_')
          ? 'vpc_endpoint_id'
          : undefined;
    if (field === undefined || !isObject(c.change) || !isObject(c.change.after)) continue;
    const expr = configOf(plan, String(c.address))?.expressions;
    const ref = isObject(expr) ? expr[field] : undefined;
    const refs = isObject(ref) && Array.isArray(ref.references) ? ref.references.map(String) : [];
    const rules: RuleId[] =
      c.type === 'aws_kms_key_policy'
        ? ['key-no-external-principals', 'key-crypto-via-vpce', 'key-sourceip-ineffective']
        : c.type === 'aws_vpc_endpoint_policy'
          ? ['endpoint-no-external-principals']
          : ['endpoint-private-dns'];
    for (const r of refs) decidedBy.set(r, [...(decidedBy.get(r) ?? []), { rules, by: String(c.address) }]);
  }
  return decidedBy;
}

/** One judged resource change: its resource (and what its attachments decide instead). */
function readChange(
  c: Json & { type: string },
  i: number,
  run: {
    plan: Json;
    target: DeployTarget;
    lines: Map<string, number>;
    afters: Map<string, Json>;
    decidedBy: Map<string, { rules: RuleId[]; by: string }[]>;
    out: IacRead;
  },
): void {
  const { plan, target, lines, afters, decidedBy, out } = run;
  const address = String(c.address);
  const path = `resource_changes[${i}]`;
  const line = lines.get(address);
  const change = isObject(c.change) ? c.change : {};
  if (change.after === null || change.after === undefined) return; // destroyed: nothing to judge
  const config = configOf(plan, address);
  const expressions = isObject(config?.expressions) ? config.expressions : undefined;
  const v = withUnknowns(change.after, change.after_unknown, address, expressions) as Json;
  // An attribute the code did not set: the provider's default (a computed attribute is unknown
  // in the plan only because AWS fills it in). Without the configuration it stays unknown.
  const declared = (attr: string) => expressions === undefined || attr in expressions;
  const value = (attr: string) => (v[attr] instanceof Unknown && !declared(attr) ? undefined : v[attr]);
  const assumptions: string[] = [];
  const attachments = decidedBy.get(address) ?? [];
  for (const a of attachments) assumptions.push(`${a.rules.join(', ')}: decided by ${a.by}, judged there`);
  const before = out.resources.length;
  const common = { name: address, target, assumptions, ...(line !== undefined ? { line } : {}) };
  const policyPath = `${path}.change.after.policy`;
  const it: Change = {
    c,
    address,
    path,
    v,
    value,
    expressions,
    assumptions,
    common,
    policyPath,
    afters,
    before,
  };
  if (c.type === 'aws_kms_grant') planGrant(it, out);
  else if (c.type.startsWith('aws_kms_')) planKey(it, out);
  else planEndpoint(it, out);
  const added = out.resources[before];
  if (added && attachments.length > 0) {
    const decided = new Set(attachments.flatMap((a) => a.rules));
    const all: RuleId[] =
      added.resource.type === 'kms-key'
        ? [
            'key-no-external-principals',
            'key-crypto-via-vpce',
            'key-sourceip-ineffective',
            'key-no-external-grantees',
            'key-rotation-enabled',
          ]
        : ['endpoint-private-dns', 'endpoint-no-external-principals'];
    added.rules = (added.rules ?? all).filter((r) => !decided.has(r));
  }
}

function planKey({ c, v, value, common, policyPath }: Change, out: IacRead): void {
  keyResource(
    {
      ...common,
      policy: value('policy'),
      policyPath,
      ...(c.type === 'aws_kms_key_policy'
        ? {
            rules: [
              'key-no-external-principals',
              'key-crypto-via-vpce',
              'key-sourceip-ineffective',
            ] as RuleId[],
          }
        : {
            keySpec: v.customer_master_key_spec ?? 'SYMMETRIC_DEFAULT',
            keyUsage: v.key_usage ?? 'ENCRYPT_DECRYPT',
            multiRegion: c.type === 'aws_kms_replica_key' ? true : (v.multi_region ?? false),
          }),
    },
    out,
  );
}

function planGrant({ address, v, common, policyPath, before }: Change, out: IacRead): void {
  const grantee = v.grantee_principal;
  const retiring = v.retiring_principal;
  const grant: KeyGrant = {
    grantId: address,
    operations: Array.isArray(v.operations)
      ? v.operations.filter((o): o is string => typeof o === 'string')
      : [],
  };
  if (typeof v.name === 'string') grant.name = v.name;
  if (typeof grantee === 'string') grant.granteePrincipal = grantee;
  if (typeof retiring === 'string' && retiring !== '') grant.retiringPrincipal = retiring;
  keyResource(
    { ...common, policy: undefined, policyPath, grants: [grant], rules: ['key-no-external-grantees'] },
    out,
  );
  const unknowns = [grantee, retiring].flatMap((x) => (x instanceof Unknown ? x.names : []));
  const added = out.resources[before];
  if (added) {
    added.unknown = unknowns.length > 0 ? { 'key-no-external-grantees': unknowns } : {};
    added.assumptions = added.assumptions.filter((a) => !a.startsWith('no key policy'));
  }
}

function planEndpoint(
  { c, v, value, expressions, assumptions, common, policyPath, path, afters }: Change,
  out: IacRead,
): void {
  // aws_vpc_endpoint: vpc_endpoint_type defaults to Gateway, private_dns_enabled to false
  // (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc_endpoint).
  // The attachments name their endpoint; its service name comes from the plan when it is there.
  let base: Json = v;
  if (c.type !== 'aws_vpc_endpoint') {
    const ref = expressions?.vpc_endpoint_id;
    const refs = isObject(ref) && Array.isArray(ref.references) ? ref.references.map(String) : [];
    const endpoint = refs.map((r) => afters.get(r)).find((a) => a !== undefined);
    base = endpoint ?? {};
    assumptions.push(
      endpoint
        ? `attached to ${refs.find((r) => afters.has(r))}`
        : 'the endpoint it attaches to is not in the plan: judged as a KMS interface endpoint',
    );
  }
  const type =
    c.type === 'aws_vpc_endpoint' ? value('vpc_endpoint_type') : (base.vpc_endpoint_type ?? 'Interface');
  if (c.type === 'aws_vpc_endpoint' && type === undefined)
    assumptions.push('vpc_endpoint_type not set: Terraform default Gateway');
  const dns = c.type === 'aws_vpc_endpoint_policy' ? undefined : value('private_dns_enabled');
  if (c.type === 'aws_vpc_endpoint' && dns === undefined)
    assumptions.push('private_dns_enabled not set: Terraform default false');
  endpointResource(
    {
      ...common,
      serviceName: base.service_name,
      endpointType: type ?? 'Gateway',
      privateDns: c.type === 'aws_vpc_endpoint_policy' ? undefined : (dns ?? false),
      policy: c.type === 'aws_vpc_endpoint_private_dns' ? undefined : value('policy'),
      policyPath,
      path: `${path}.change.after`,
      vpcId: base.vpc_id,
      ...(c.type === 'aws_vpc_endpoint_policy'
        ? { rules: ['endpoint-no-external-principals'] as RuleId[] }
        : c.type === 'aws_vpc_endpoint_private_dns'
          ? { rules: ['endpoint-private-dns'] as RuleId[] }
          : {}),
    },
    out,
  );
}
