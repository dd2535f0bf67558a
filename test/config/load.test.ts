import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadConfigFile,
  loadConfigFromEnv,
  parseConfig,
  parseConfigText,
} from '../../functions/config/load.js';
import { DEFAULT_CRYPTO_ACTIONS, DEFAULT_RULE_MODES } from '../../functions/config/schema.js';
import { ConfigError } from '../../functions/errors.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('fills every default of SPEC §4 from the minimal config', () => {
    const c = parseConfig({ trust: { accounts: ['111122223333'] } }, 'test');
    expect(c.trust).toEqual({ accounts: ['111122223333'], organizationIds: [] });
    expect(c.rules).toEqual(DEFAULT_RULE_MODES);
    expect(c.network.cryptoActions).toEqual(DEFAULT_CRYPTO_ACTIONS);
    expect(c.network.allowAwsServiceCalls).toBe(true);
    expect(c.network.exemptPrincipalArns).toContain('arn:aws:iam::*:role/aws-service-role/*');
    expect(c.dryRun).toBe(false);
    expect(c.exemptionTagKey).toBe('kms-perimeter-guard:exempt');
    expect(c.memberRoleName).toBe('KmsPerimeterGuardMember');
  });

  it('takes each rule’s own settings under ruleOptions.<rule id>, as its module declares them', () => {
    expect(parseConfig({ trust: { accounts: ['111122223333'] } }, 't').ruleOptions).toEqual({
      'key-rotation-enabled': {},
    });
    const c = parseConfig(
      {
        trust: { accounts: ['111122223333'] },
        ruleOptions: { 'key-rotation-enabled': { maxRotationPeriodDays: 365 } },
      },
      't',
    );
    expect(c.ruleOptions).toEqual({ 'key-rotation-enabled': { maxRotationPeriodDays: 365 } });
  });

  it('keeps rule modes that are given and defaults the others', () => {
    const c = parseConfig(
      { trust: { organizationIds: ['o-a1b2c3d4e5'] }, rules: { 'key-crypto-via-vpce': 'off' } },
      't',
    );
    expect(c.rules['key-crypto-via-vpce']).toBe('off');
    expect(c.rules['endpoint-private-dns']).toBe('remediate');
  });

  it.each([
    [{ trust: { accounts: ['111122223333'] }, dryrun: true }, 'dryrun', 'unknown field'],
    [{ trust: { accounts: ['111122223333'], orgs: [] } }, 'trust.orgs', 'unknown field'],
    [{ trust: { accounts: ['11112222333'] } }, 'trust.accounts[0]', '12-digit'],
    [{ trust: { organizationIds: ['a1b2c3d4e5'] } }, 'trust.organizationIds[0]', 'organization id'],
    [
      { trust: { accounts: ['111122223333'] }, network: { vpceIds: ['vpc-123'] } },
      'network.vpceIds[0]',
      'VPC endpoint id',
    ],
    [
      { trust: { accounts: ['111122223333'] }, rules: { 'key-crypto-via-vpce': 'fix' } },
      'rules.key-crypto-via-vpce',
      '',
    ],
    [
      { trust: { accounts: ['111122223333'] }, rules: { 'no-such-rule': 'alert' } },
      'rules.no-such-rule',
      'unknown field',
    ],
    [{ trust: { accounts: ['111122223333'] }, dryRun: 'yes' }, 'dryRun', ''],
    [{ trust: { accounts: ['111122223333'] }, network: { cryptoActions: [] } }, 'network.cryptoActions', ''],
    [
      { trust: { accounts: ['111122223333'] }, network: { cryptoActions: ['Decrypt'] } },
      'network.cryptoActions[0]',
      'kms:',
    ],
    [
      {
        trust: { accounts: ['111122223333'] },
        ruleOptions: { 'key-rotation-enabled': { maxRotationDays: 365 } },
      },
      'ruleOptions.key-rotation-enabled.maxRotationDays',
      'unknown field',
    ],
    [
      {
        trust: { accounts: ['111122223333'] },
        ruleOptions: { 'key-rotation-enabled': { maxRotationPeriodDays: 30 } },
      },
      'ruleOptions.key-rotation-enabled.maxRotationPeriodDays',
      '',
    ],
    [
      { trust: { accounts: ['111122223333'] }, ruleOptions: { 'key-crypto-via-vpce': {} } },
      'ruleOptions.key-crypto-via-vpce',
      'unknown field',
    ],
    [{ trust: {} }, 'trust', 'at least one trusted account'],
    [{}, 'trust', ''],
  ])('rejects %j naming %s', (input, path, words) => {
    const err = configError(() => parseConfig(input, 'guard.json'));
    const paths = err.issues.map((i) => i.path);
    expect(paths).toContain(path);
    expect(err.message).toContain('guard.json');
    if (words) expect(err.issues.find((i) => i.path === path)?.message).toContain(words);
  });

  it.each([
    ['vpceAccounts', '1111-2222-3333', '12-digit'],
    ['vpceAccounts', '1111222233*', '12-digit'],
    ['vpceOrgIds', 'o-*', 'organization id'],
    ['vpceOrgIds', 'r-ab12', 'organization id'],
    ['vpceOrgPaths', 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111', 'organization path'],
    ['vpceOrgPaths', 'o-a1b2c3d4e5/r-ab12/ou-*/', 'organization path'],
    ['vpceOrgPaths', 'ou-ab12-11111111/', 'organization path'],
    ['vpcArns', 'vpc-0a1b2c3d', 'VPC ARN'],
    ['vpcArns', 'arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0a*', 'VPC ARN'],
    ['vpcArns', 'arn:aws:ec2:eu-*:111122223333:vpc/vpc-0a1b2c3d', 'VPC ARN'],
    ['vpcArns', 'arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-0a1b2c3d', 'VPC ARN'],
  ])('rejects network.%s %j, naming network.<field>[0]', (field, value, words) => {
    const err = configError(() =>
      parseConfig({ trust: { accounts: ['111122223333'] }, network: { [field]: [value] } }, 'guard.json'),
    );
    const issue = err.issues.find((i) => i.path === `network.${field}[0]`);
    expect(issue?.message).toContain(words);
  });

  it('accepts endpoint owners, organization paths (a trailing * for child OUs) and VPC ARNs with whole-part wildcards', () => {
    const c = parseConfig(
      {
        trust: { accounts: ['111122223333'] },
        network: {
          vpceAccounts: ['111122223333'],
          vpceOrgIds: ['o-a1b2c3d4e5'],
          vpceOrgPaths: [
            'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/',
            'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*',
            'o-a1b2c3d4e5/*',
          ],
          vpcArns: [
            'arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0a1b2c3d',
            'arn:aws:ec2:*:111122223333:vpc/*',
          ],
        },
      },
      't',
    );
    expect(c.network.vpceOrgPaths).toHaveLength(3);
    expect(parseConfig({ trust: { accounts: ['111122223333'] } }, 't').network).toMatchObject({
      vpceAccounts: [],
      vpceOrgIds: [],
      vpceOrgPaths: [],
      vpcArns: [],
    });
  });

  it('reports every bad field at once, not only the first', () => {
    const err = configError(() =>
      parseConfig({ trust: { accounts: ['1'] }, dryRun: 1, exemptionTagKey: '' }, 'x'),
    );
    expect(err.issues.map((i) => i.path).sort()).toEqual(['dryRun', 'exemptionTagKey', 'trust.accounts[0]']);
  });
});

describe('config text, files and environment', () => {
  it('names the source and says the JSON is invalid', () => {
    const err = configError(() => parseConfigText('{"trust": ', 'GUARD_CONFIG'));
    expect(err.message).toMatch(/GUARD_CONFIG[\s\S]*not valid JSON/);
  });

  it('reads GUARD_CONFIG, then GUARD_CONFIG_FILE, and refuses both or neither', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpg-config-'));
    const file = join(dir, 'guard.json');
    writeFileSync(file, JSON.stringify({ trust: { accounts: ['444455556666'] } }));
    expect(
      loadConfigFromEnv({ GUARD_CONFIG: '{"trust":{"accounts":["111122223333"]}}' }).trust.accounts,
    ).toEqual(['111122223333']);
    expect(loadConfigFromEnv({ GUARD_CONFIG_FILE: file }).trust.accounts).toEqual(['444455556666']);
    expect(configError(() => loadConfigFromEnv({})).message).toMatch(/GUARD_CONFIG/);
    expect(
      configError(() => loadConfigFromEnv({ GUARD_CONFIG: '{}', GUARD_CONFIG_FILE: file })).message,
    ).toMatch(/not both/);
    expect(configError(() => loadConfigFile(join(dir, 'missing.json'))).message).toMatch(/ENOENT/);
  });

  it('accepts the example configuration shipped in examples/', () => {
    expect(loadConfigFile('examples/config.json').network.vpceIds).toEqual(['vpce-0a1b2c3d4e5f6a7b8']);
  });
});
