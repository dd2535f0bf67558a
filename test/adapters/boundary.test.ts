import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const functionsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../functions');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every `import ... from '<module>'` (and `export ... from`) with its imported names. */
function imports(source: string): { module: string; names: string[] }[] {
  const found: { module: string; names: string[] }[] = [];
  const re = /(?:import|export)\s+(?:type\s+)?(?:\{([^}]*)\}|[\w*\s,]+)?\s*from\s+['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(re)) {
    const names = (m[1] ?? '')
      .split(',')
      .map((n) =>
        n
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0]!
          .trim(),
      )
      .filter(Boolean);
    found.push({ module: m[2]!, names });
  }
  return found;
}

const rel = (file: string) => path.relative(functionsDir, file).split(path.sep).join('/');

describe('adapters are the only @aws-sdk importers', () => {
  it('no module outside functions/adapters imports @aws-sdk', () => {
    const offenders = tsFiles(functionsDir)
      .filter((file) => !rel(file).startsWith('adapters/'))
      .filter((file) => imports(readFileSync(file, 'utf8')).some((i) => i.module.startsWith('@aws-sdk/')));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('adapters import clients and commands one by one, never the aggregated service classes', () => {
    const aggregated = new Set(['EC2', 'KMS', 'SNS', 'STS']);
    for (const file of tsFiles(path.join(functionsDir, 'adapters'))) {
      for (const i of imports(readFileSync(file, 'utf8'))) {
        if (!i.module.startsWith('@aws-sdk/')) continue;
        expect(
          [
            '@aws-sdk/client-ec2',
            '@aws-sdk/client-kms',
            '@aws-sdk/client-sns',
            '@aws-sdk/client-sts',
            '@aws-sdk/client-organizations',
            '@aws-sdk/client-sqs',
            '@aws-sdk/client-s3',
            '@aws-sdk/client-dynamodb',
            '@aws-sdk/client-cloudtrail',
            '@aws-sdk/client-securityhub',
            '@aws-sdk/client-eventbridge',
            // lambda-credentials.ts: the environment provider that replaces the default chain in Lambda bundles.
            '@aws-sdk/credential-provider-env',
            // profile-credentials.ts: the CLI's --profile.
            '@aws-sdk/credential-provider-ini',
          ],
          rel(file),
        ).toContain(i.module);
        expect(
          i.names.filter((n) => aggregated.has(n)),
          rel(file),
        ).toEqual([]);
      }
    }
  });

  it('adapter modules have no top-level side effects (so bundlers can drop unused clients)', () => {
    for (const file of tsFiles(path.join(functionsDir, 'adapters'))) {
      const source = readFileSync(file, 'utf8');
      // A client built at import time would keep its SDK package in every bundle importing the file.
      expect(source, rel(file)).not.toMatch(
        /^(?:export\s+)?(?:const|let|var)\s+\w+\s*=\s*new\s+\w*Client\(/m,
      );
      expect(source, rel(file)).not.toMatch(/^await\s/m);
    }
  });
});

describe('the core owns its ports: engine, rules and policy never import the edges', () => {
  const forbidden: Record<string, RegExp> = {
    // The engine defines what it needs from AWS (engine/ports.ts); adapters implement it.
    engine: /^\.\.\/(adapters|handlers|cli)\//,
    // Rules, remediations and the policy analysis are pure: no AWS, no orchestration.
    rules: /^\.\.\/(adapters|handlers|cli|engine|remediations)\//,
    remediations: /^\.\.\/(adapters|handlers|cli|engine)\//,
    policy: /^\.\.\/(adapters|handlers|cli|engine|rules)\//,
    // Findings documents (ASFF, OCSF, events) are rendered from values alone; the sinks are ports.
    findings: /^\.\.\/(adapters|handlers|cli|engine|remediations)\//,
  };
  it.each(Object.entries(forbidden))('%s imports nothing from the edges', (folder, pattern) => {
    const offenders = tsFiles(path.join(functionsDir, folder)).flatMap((file) =>
      imports(readFileSync(file, 'utf8'))
        .filter((i) => pattern.test(i.module))
        .map((i) => `${rel(file)} -> ${i.module}`),
    );
    expect(offenders).toEqual([]);
  });
});
