/**
 * CloudFormation templates (JSON or YAML, and the `*.template.json` of a CDK cloud assembly) to the
 * resources the rules judge. Intrinsic functions are evaluated where the template alone decides
 * them; what only the deploy decides is an `Unknown` naming it.
 * Intrinsics: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
 * Pseudo parameters: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html
 */
import { ownSet } from '../policy/own.js';
import { templateEndpoint, templateKey } from './cloudformation-resources.js';
import { endpointResource, type IacRead, keyResource, placement } from './resources.js';
import { type DeployTarget, isObject, type Json, Unknown, unknownsIn } from './values.js';
import { BadNode, parseTemplateText, SourceError, type SourceTree } from './yaml-source.js';

/** Does this parsed value look like a CloudFormation template? (`Resources` of `{Type: "AWS::..."}`) */
export function isTemplate(value: unknown): boolean {
  if (!isObject(value) || !isObject(value.Resources)) return false;
  if ('AWSTemplateFormatVersion' in value) return true;
  return Object.values(value.Resources).some(
    (r) => isObject(r) && typeof r.Type === 'string' && /^(AWS|Custom)::/.test(r.Type),
  );
}

const NO_VALUE = Symbol('AWS::NoValue');

interface Scope {
  template: Json;
  target: DeployTarget;
  tree: SourceTree;
  /** Parameters whose Default was used, for the output. */
  defaults: Set<string>;
}

const lineNear = (tree: SourceTree, path: string): number | undefined => {
  for (let p = path; p !== ''; p = p.replace(/(\.[^.[]*|\[\d+\])$/, '')) {
    const line = tree.lines.get(p);
    if (line !== undefined) return line;
    if (!/[.[]/.test(p)) break;
  }
  return undefined;
};

function fail(scope: Scope, path: string, message: string): never {
  throw new SourceError(message, path, lineNear(scope.tree, path));
}

function pseudo(name: string, scope: Scope): unknown {
  const place = placement(scope.target);
  switch (name) {
    case 'AWS::AccountId':
      return place.account ?? new Unknown(['AWS::AccountId (no --account and no trust.accounts)']);
    case 'AWS::Region':
      return place.region ?? new Unknown(['AWS::Region (no --region)']);
    case 'AWS::Partition':
      return place.partition;
    case 'AWS::URLSuffix':
      return place.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return new Unknown([`${name} (known at deploy)`]);
  }
}

/** `Ref`: a pseudo parameter, a parameter (its Default, said in the output) or a resource (unknown before deploy). */
function ref(name: unknown, path: string, scope: Scope): unknown {
  if (typeof name !== 'string') fail(scope, path, 'Ref takes a name');
  if (name.startsWith('AWS::')) return pseudo(name, scope);
  const params = isObject(scope.template.Parameters) ? scope.template.Parameters : {};
  const param = Object.hasOwn(params, name) ? params[name] : undefined;
  if (isObject(param)) {
    if (param.Default === undefined) return new Unknown([`parameter ${name} (no Default)`]);
    scope.defaults.add(name);
    const d = param.Default;
    // A CommaDelimitedList parameter's Default is one string of comma-separated values.
    return typeof param.Type === 'string' && /List/.test(param.Type) && typeof d === 'string'
      ? d.split(',')
      : d;
  }
  const resources = isObject(scope.template.Resources) ? scope.template.Resources : {};
  if (Object.hasOwn(resources, name)) return new Unknown([`Ref ${name} (known after deploy)`]);
  fail(scope, path, `Ref to ${name}, which is neither a parameter nor a resource of the template`);
}

function sub(arg: unknown, path: string, scope: Scope): unknown {
  let text: unknown = arg;
  let vars: Json = {};
  if (Array.isArray(arg)) {
    [text] = arg;
    const v = resolve(arg[1], `${path}[1]`, scope);
    if (!isObject(v)) fail(scope, path, 'Fn::Sub takes a string or [string, {variables}]');
    vars = v;
  }
  if (typeof text !== 'string') fail(scope, path, 'Fn::Sub takes a string');
  const names = new Set<string>();
  // `${!Literal}` is the literal `${Literal}`.
  const out = text.replace(/\$\{(!?)([^}]*)\}/g, (whole, bang: string, name: string) => {
    if (bang === '!') return `\${${name}}`;
    let v: unknown;
    if (Object.hasOwn(vars, name)) v = vars[name];
    else if (name.includes('.')) {
      const dot = name.indexOf('.');
      v = getAtt([name.slice(0, dot), name.slice(dot + 1)], path, scope);
    } else v = ref(name, path, scope);
    if (v instanceof Unknown) {
      for (const n of v.names) names.add(n);
      return whole;
    }
    if (typeof v !== 'string' && typeof v !== 'number')
      fail(scope, path, `Fn::Sub variable ${name} is not a string`);
    return String(v);
  });
  return names.size > 0 ? new Unknown([...names], out) : out;
}

function getAtt(arg: unknown, path: string, scope: Scope): unknown {
  if (!Array.isArray(arg) || typeof arg[0] !== 'string')
    fail(scope, path, 'Fn::GetAtt takes [resource, attribute]');
  const [name, attr] = arg as [string, unknown];
  const resources = isObject(scope.template.Resources) ? scope.template.Resources : {};
  const target = Object.hasOwn(resources, name) ? resources[name] : undefined;
  if (!isObject(target)) fail(scope, path, `Fn::GetAtt of ${name}, which is not a resource of the template`);
  // A role named in the template is in the deploying account: its ARN is known before deploy.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html#aws-resource-iam-role-return-values
  if (target.Type === 'AWS::IAM::Role' && attr === 'Arn' && isObject(target.Properties)) {
    const roleName = resolve(target.Properties.RoleName, `Resources.${name}.Properties.RoleName`, scope);
    const rolePath = resolve(target.Properties.Path ?? '/', `Resources.${name}.Properties.Path`, scope);
    const account = pseudo('AWS::AccountId', scope);
    if (typeof roleName === 'string' && typeof rolePath === 'string' && typeof account === 'string')
      return `arn:${placement(scope.target).partition}:iam::${account}:role${rolePath}${roleName}`;
  }
  return new Unknown([`Fn::GetAtt ${name}.${String(resolve(attr, path, scope))} (known after deploy)`]);
}

function condition(name: unknown, path: string, scope: Scope): unknown {
  const conditions = isObject(scope.template.Conditions) ? scope.template.Conditions : {};
  if (typeof name !== 'string' || !Object.hasOwn(conditions, name))
    fail(scope, path, `no condition ${String(name)}`);
  const v = resolve(conditions[name], `Conditions.${name}`, scope);
  return v instanceof Unknown ? new Unknown([`condition ${name}: ${v.names.join(', ')}`]) : v;
}

const list = (v: unknown, path: string, scope: Scope, fn: string): unknown[] => {
  if (!Array.isArray(v)) fail(scope, path, `${fn} takes a list`);
  return v;
};

/** One intrinsic function (`Ref`, `Condition`, `Fn::*`) at `at`: its value, or Unknown naming what decides it. */
function intrinsic(only: string, arg: unknown, at: string, scope: Scope): unknown {
  switch (only) {
    case 'Ref':
      return ref(arg, at, scope);
    case 'Condition':
      return condition(arg, at, scope);
    case 'Fn::Sub':
      return sub(arg, at, scope);
    case 'Fn::GetAtt':
      return getAtt(typeof arg === 'string' ? arg.split('.') : arg, at, scope);
    case 'Fn::ImportValue': {
      const name = resolve(arg, at, scope);
      return new Unknown([
        `Fn::ImportValue ${name instanceof Unknown ? name.names.join(', ') : String(name)} (another stack's export)`,
      ]);
    }
    case 'Fn::Join': {
      const [sep, items] = list(arg, at, scope, only);
      const parts = resolve(items, `${at}[1]`, scope);
      if (parts instanceof Unknown) return parts;
      const names = unknownsIn(parts);
      if (names.length > 0) return new Unknown(names);
      return list(parts, at, scope, only).map(String).join(String(sep));
    }
    case 'Fn::Select': {
      const [index, items] = list(arg, at, scope, only);
      const i = resolve(index, `${at}[0]`, scope);
      const l = resolve(items, `${at}[1]`, scope);
      if (i instanceof Unknown) return i;
      if (l instanceof Unknown) return l;
      const chosen = list(l, at, scope, only)[Number(i)];
      if (chosen === undefined) fail(scope, at, `Fn::Select index ${String(i)} is out of range`);
      return chosen;
    }
    case 'Fn::Split': {
      const [sep, text] = list(arg, at, scope, only);
      const t = resolve(text, `${at}[1]`, scope);
      return typeof t === 'string'
        ? t.split(String(sep))
        : t instanceof Unknown
          ? t
          : fail(scope, at, 'Fn::Split takes a string');
    }
    case 'Fn::If': {
      const [cond, yes, no] = list(arg, at, scope, only);
      const c = condition(cond, `${at}[0]`, scope);
      if (c instanceof Unknown) {
        // Both branches may deploy: the value is unknown, named by the condition.
        return new Unknown(c.names);
      }
      return resolve(c === true ? yes : no, `${at}[${c === true ? 1 : 2}]`, scope);
    }
    default:
      return conditionOrData(only, arg, at, scope);
  }
}

/** The condition functions and the data functions of `intrinsic`. */
function conditionOrData(only: string, arg: unknown, at: string, scope: Scope): unknown {
  switch (only) {
    case 'Fn::Equals': {
      const [a, b] = list(arg, at, scope, only).map((v, i) => resolve(v, `${at}[${i}]`, scope));
      const names = unknownsIn([a, b]);
      return names.length > 0 ? new Unknown(names) : JSON.stringify(a) === JSON.stringify(b);
    }
    case 'Fn::And':
    case 'Fn::Or': {
      const vs = list(arg, at, scope, only).map((v, i) => resolve(v, `${at}[${i}]`, scope));
      const names = unknownsIn(vs);
      if (only === 'Fn::And' && vs.includes(false)) return false;
      if (only === 'Fn::Or' && vs.includes(true)) return true;
      return names.length > 0 ? new Unknown(names) : only === 'Fn::And';
    }
    case 'Fn::Not': {
      const [v] = list(arg, at, scope, only).map((x, i) => resolve(x, `${at}[${i}]`, scope));
      return v instanceof Unknown ? v : v !== true;
    }
    case 'Fn::FindInMap': {
      const [m, k1, k2] = list(arg, at, scope, only).map((v, i) => resolve(v, `${at}[${i}]`, scope));
      const names = unknownsIn([m, k1, k2]);
      if (names.length > 0) return new Unknown(names);
      const maps = isObject(scope.template.Mappings) ? scope.template.Mappings : {};
      const top = maps[String(m)];
      const second = isObject(top) ? top[String(k1)] : undefined;
      const found = isObject(second) ? second[String(k2)] : undefined;
      if (found === undefined)
        fail(scope, at, `Fn::FindInMap: no ${String(m)}.${String(k1)}.${String(k2)} in Mappings`);
      return resolve(found, `Mappings.${String(m)}.${String(k1)}.${String(k2)}`, scope);
    }
    case 'Fn::Base64': {
      const v = resolve(arg, at, scope);
      return typeof v === 'string' ? btoa(unescape(encodeURIComponent(v))) : v;
    }
    case 'Fn::ToJsonString': {
      const v = resolve(arg, at, scope);
      const names = unknownsIn(v);
      return names.length > 0 ? new Unknown(names) : JSON.stringify(v);
    }
    case 'Fn::Length': {
      const v = resolve(arg, at, scope);
      return Array.isArray(v) ? v.length : new Unknown(unknownsIn(v));
    }
    case 'Fn::GetAZs':
    case 'Fn::Cidr':
      return new Unknown([`${only} (known at deploy)`]);
    case 'Fn::Transform':
      return new Unknown(['Fn::Transform (a macro runs at deploy)']);
    default:
      return fail(scope, at, `unknown intrinsic function ${only}`);
  }
}

/** Evaluate every intrinsic in a value; unknown parts stay `Unknown`; an unknown function is an error. */
function resolve(value: unknown, path: string, scope: Scope): unknown {
  if (value instanceof BadNode) throw new SourceError(value.message, value.path, value.line);
  if (Array.isArray(value))
    return value.map((v, i) => resolve(v, `${path}[${i}]`, scope)).filter((v) => v !== NO_VALUE);
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  const [only] = keys;
  if (
    keys.length === 1 &&
    only !== undefined &&
    (only === 'Ref' || only === 'Condition' || only.startsWith('Fn::'))
  ) {
    return intrinsic(only, value[only], `${path}.${only}`, scope);
  }
  const out: Json = {};
  for (const k of keys) {
    const v = resolve(value[k], `${path}.${k}`, scope);
    if (v !== NO_VALUE) ownSet(out, k, v);
  }
  return out;
}

/**
 * Read a template's text. Every KMS key, replica key and VPC endpoint becomes a resource named by
 * its logical id; a resource with an error is a problem (with its path and line) and the others are
 * still read.
 */
export function readTemplate(text: string, target: DeployTarget, shape = 'CloudFormation template'): IacRead {
  const out: IacRead = { shape, resources: [], problems: [], notes: [] };
  let tree: SourceTree;
  try {
    tree = parseTemplateText(text);
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
    out.problems.push({
      path: err.path,
      message: err.message,
      ...(err.line !== undefined ? { line: err.line } : {}),
    });
    return out;
  }
  if (!isTemplate(tree.value)) {
    out.problems.push({
      path: 'Resources',
      message: 'not a CloudFormation template (no Resources of AWS:: types)',
    });
    return out;
  }
  const template = tree.value as Json;
  const resources = template.Resources as Json;
  for (const [id, decl] of Object.entries(resources)) {
    const path = `Resources.${id}`;
    const line = tree.lines.get(path);
    const scope: Scope = { template, target, tree, defaults: new Set() };
    try {
      readResource(id, decl, { path, line, scope, target }, out);
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      out.problems.push({
        path: err.path,
        message: err.message,
        ...(err.line !== undefined ? { line: err.line } : {}),
      });
    }
  }
  return out;
}

/** One resource of a template: a key, replica key or endpoint becomes a resource; others are skipped. */
function readResource(
  id: string,
  decl: unknown,
  at: { path: string; line: number | undefined; scope: Scope; target: DeployTarget },
  out: IacRead,
): void {
  const { path, line, scope, target } = at;
  if (!isObject(decl)) fail(scope, path, 'a resource must be an object');
  const type = decl.Type;
  if (type !== 'AWS::KMS::Key' && type !== 'AWS::KMS::ReplicaKey' && type !== 'AWS::EC2::VPCEndpoint') return;
  // A resource whose Condition is false is not created.
  if (decl.Condition !== undefined) {
    const c = condition(decl.Condition, `${path}.Condition`, scope);
    if (c === false) {
      out.notes.push({ id, note: `not created (condition ${String(decl.Condition)} is false)` });
      return;
    }
  }
  const props = resolve(decl.Properties ?? {}, `${path}.Properties`, scope);
  if (!isObject(props)) fail(scope, `${path}.Properties`, 'Properties must be an object');
  const assumptions = [...scope.defaults].map((p) => `parameter ${p} taken at its Default`);
  const common = { name: id, target, assumptions, ...(line !== undefined ? { line } : {}) };
  if (type === 'AWS::EC2::VPCEndpoint') templateEndpoint(props, common, path, out);
  else templateKey(props, type, common, path, out);
}
