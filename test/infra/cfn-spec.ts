/** Checks of CloudFormation templates against the resource specification (@aws-cdk/aws-service-spec). */
export type Resource = { Type: string; Properties: Record<string, unknown>; Condition?: string };
export type Template = {
  Resources: Record<string, Resource>;
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
};
export type Spec = {
  properties: Record<string, { required?: boolean; type: { type: string } }>;
  attributes: Record<string, unknown>;
};

export async function loadSpecs(types: Iterable<string>): Promise<Map<string, Spec | undefined>> {
  const { loadAwsServiceSpec } = await import('@aws-cdk/aws-service-spec');
  const db = await loadAwsServiceSpec();
  const specs = new Map<string, Spec | undefined>();
  for (const type of types) {
    if (specs.has(type)) continue;
    const found = db.lookup('resource', 'cloudFormationType', 'equals', type);
    specs.set(type, found.length === 1 ? (found.only() as unknown as Spec) : undefined);
  }
  return specs;
}

/** Unknown types, unknown properties, missing required properties, literal values of the wrong type. */
export function checkResources(
  all: Record<string, Resource>,
  specs: Map<string, Spec | undefined>,
): string[] {
  const problems: string[] = [];
  for (const [id, r] of Object.entries(all)) {
    const spec = specs.get(r.Type);
    if (!spec) {
      problems.push(`${id}: unknown type ${r.Type}`);
      continue;
    }
    for (const name of Object.keys(r.Properties ?? {})) {
      if (!spec.properties[name]) problems.push(`${id}: ${r.Type} has no property ${name}`);
    }
    for (const [name, p] of Object.entries(spec.properties)) {
      if (p.required && !(name in (r.Properties ?? {})))
        problems.push(`${id}: required property ${name} missing`);
    }
    for (const [name, value] of Object.entries(r.Properties ?? {})) {
      const t = spec.properties[name]?.type.type;
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
      if (
        (t === 'integer' || t === 'number') &&
        (typeof value === 'boolean' || Number.isNaN(Number(value)))
      ) {
        problems.push(`${id}.${name}: expected a number`);
      } else if (t === 'boolean' && !['true', 'false', true, false].includes(value as never)) {
        problems.push(`${id}.${name}: expected a boolean`);
      }
    }
  }
  return problems;
}

const PSEUDO = new Set([
  'AWS::AccountId',
  'AWS::Region',
  'AWS::Partition',
  'AWS::NoValue',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::URLSuffix',
]);

/** Every Ref and Fn::GetAtt target exists (resource, parameter or pseudo parameter; attribute in the spec). */
export function checkRefs(template: Template, specs: Map<string, Spec | undefined>): string[] {
  const problems: string[] = [];
  const visit = (node: unknown, where: string) => {
    if (Array.isArray(node)) {
      for (const [i, n] of node.entries()) visit(n, `${where}[${i}]`);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if (
      typeof o.Ref === 'string' &&
      !PSEUDO.has(o.Ref) &&
      !template.Resources[o.Ref] &&
      !template.Parameters?.[o.Ref]
    ) {
      problems.push(`${where}: Ref ${o.Ref}`);
    }
    if (o['Fn::GetAtt']) {
      const [target, attr] = Array.isArray(o['Fn::GetAtt'])
        ? (o['Fn::GetAtt'] as string[])
        : String(o['Fn::GetAtt']).split('.');
      const r = template.Resources[target as string];
      if (!r) problems.push(`${where}: GetAtt ${target}`);
      else if (!specs.get(r.Type)?.attributes[attr as string])
        problems.push(`${where}: ${r.Type} has no attribute ${attr}`);
    }
    for (const [k, v] of Object.entries(o)) visit(v, `${where}.${k}`);
  };
  visit(template.Resources, 'Resources');
  if (template.Conditions) visit(template.Conditions, 'Conditions');
  return problems;
}
