/**
 * Everything that lists the rules is derived from the registry (functions/rules/index.ts): the rule
 * ids, the config schema's `rules` member and defaults, the JSON schemas' rule-id enums.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';
import { DEFAULT_RULE_MODES, RULE_IDS } from '../../functions/config/schema.js';
import { RULES } from '../../functions/rules/index.js';
import { EXTRA_KEY_READS, READ_PERMISSIONS } from '../../functions/rules/reads.js';
import { SCHEMA_FILES, withRuleIds } from '../../scripts/write-schemas.js';

describe('the rule registry is the one list', () => {
  it('rule ids and default modes come from the rule modules', () => {
    expect(RULE_IDS).toEqual(RULES.map((r) => r.id));
    expect(DEFAULT_RULE_MODES).toEqual(Object.fromEntries(RULES.map((r) => [r.id, r.defaultMode])));
  });

  it('the config schema accepts exactly the registered rules, each defaulting to its own mode', () => {
    const config = parseConfig({ trust: { accounts: ['111122223333'] } }, 'registry-test');
    expect(config.rules).toEqual(DEFAULT_RULE_MODES);
    expect(() =>
      parseConfig({ trust: { accounts: ['111122223333'] }, rules: { 'no-such-rule': 'alert' } }, 't'),
    ).toThrow(/no-such-rule/);
  });

  it.each(SCHEMA_FILES)('%s lists the registered rule ids (npm run schemas rewrites them)', (file) => {
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(withRuleIds(text));
  });

  it('every read a rule declares is a known read with its IAM actions; the extra key reads are derived', () => {
    for (const rule of RULES)
      for (const read of rule.reads) expect(READ_PERMISSIONS[read], `${rule.id} reads ${read}`).toBeDefined();
    expect([...EXTRA_KEY_READS]).toEqual(['rotation', 'grants']);
  });
});
