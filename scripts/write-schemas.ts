// Regenerates what the JSON schemas under schema/ take from the rule registry (the rule id enums),
// so they cannot drift from functions/rules/index.ts. `npm run schemas`; a test fails when the
// committed files differ from what this writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { RULE_IDS } from '../functions/rules/index.js';

export const SCHEMA_FILES = [
  'schema/finding-alert.v1.schema.json',
  'schema/finding-event.v1.schema.json',
  'schema/sweep-report.v1.schema.json',
];

/** The schema text with every rule-id enum set to the registry's ids, in report order. */
export function withRuleIds(text: string): string {
  const schema = JSON.parse(text) as { $defs: Record<string, { enum?: string[] }> };
  for (const name of ['ruleId']) {
    const def = schema.$defs[name];
    if (!def?.enum) throw new Error(`no $defs.${name}.enum`);
    def.enum = [...RULE_IDS];
  }
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1]?.endsWith('write-schemas.ts')) {
  for (const file of SCHEMA_FILES) writeFileSync(file, withRuleIds(readFileSync(file, 'utf8')));
}
