/**
 * Infrastructure code recognised by content: a CloudFormation template (JSON or YAML; a CDK cloud
 * assembly's `*.template.json` is one) or a Terraform plan (`terraform show -json`). Anything else
 * is left to the policy and API-response readers.
 */
import { isTemplate, readTemplate } from './cloudformation.js';
import type { IacRead } from './resources.js';
import { isPlan, readPlan } from './terraform-plan.js';
import type { DeployTarget } from './values.js';

const YAML_NAME = /\.(ya?ml|template)$/i;
const TEMPLATE_KEY = /^(AWSTemplateFormatVersion|Resources)\s*:/m;
const TEMPLATE_JSON_KEY = /"(AWSTemplateFormatVersion|Resources)"\s*:/;

/** Read a file as infrastructure code, or `undefined` when it is not any (then it is a policy or response). */
export function readIacText(file: string, text: string, target: DeployTarget): IacRead | undefined {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const shape = /\.template\.json$/i.test(file)
    ? 'CloudFormation template (CDK assembly)'
    : 'CloudFormation template';
  if (body.trimStart().startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      // A template with a syntax error: the YAML reader names the line (JSON is YAML).
      return TEMPLATE_JSON_KEY.test(body) && !/"Statement"\s*:/.test(body.slice(0, 200))
        ? readTemplate(body, target, shape)
        : undefined;
    }
    if (isTemplate(value)) return readTemplate(body, target, shape);
    if (isPlan(value)) return readPlan(body, value, target);
    return undefined;
  }
  if (YAML_NAME.test(file) || TEMPLATE_KEY.test(body))
    return readTemplate(body, target, 'CloudFormation template (YAML)');
  return undefined;
}
