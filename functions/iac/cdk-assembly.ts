/**
 * A CDK cloud assembly (`cdk.out/`): its `manifest.json` lists each stack artifact
 * (`aws:cloudformation:stack`) with its template file and its environment
 * `aws://<account>/<region>` (`unknown-account`/`unknown-region` for an environment-agnostic stack).
 * https://github.com/aws/aws-cdk/tree/main/packages/aws-cdk-lib/cloud-assembly-schema
 */
import type { IacProblem } from './resources.js';
import { isObject } from './values.js';

export interface AssemblyTemplate {
  /** The template's path, beside the manifest. */
  file: string;
  /** The stack's environment, where the manifest fixes it. */
  target: { account?: string; region?: string };
}

/** The stack templates a manifest names, or `undefined` when the text is not a cloud assembly manifest. */
export function cdkAssembly(
  file: string,
  text: string,
): { templates: AssemblyTemplate[]; problems: (IacProblem & { file: string })[] } | undefined {
  if (!/(^|[\\/])manifest\.json$/.test(file)) return undefined;
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(manifest) || typeof manifest.version !== 'string' || !isObject(manifest.artifacts))
    return undefined;
  const dir = file.replace(/[^\\/]*$/, '');
  const templates: AssemblyTemplate[] = [];
  const problems: (IacProblem & { file: string })[] = [];
  for (const [name, artifact] of Object.entries(manifest.artifacts)) {
    if (!isObject(artifact) || artifact.type !== 'aws:cloudformation:stack') continue;
    const props = isObject(artifact.properties) ? artifact.properties : {};
    if (typeof props.templateFile !== 'string' || props.templateFile.includes('..')) {
      problems.push({
        file,
        path: `artifacts.${name}.properties.templateFile`,
        message: 'a stack artifact must name its template file, inside the assembly',
      });
      continue;
    }
    const target: AssemblyTemplate['target'] = {};
    const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(
      typeof artifact.environment === 'string' ? artifact.environment : '',
    );
    if (env?.[1] && /^\d{12}$/.test(env[1])) target.account = env[1];
    if (env?.[2] && env[2] !== 'unknown-region') target.region = env[2];
    templates.push({ file: `${dir}${props.templateFile}`, target });
  }
  return { templates, problems };
}
