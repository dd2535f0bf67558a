/**
 * The deployment's esbuild plugins that trim what the SDK bundles: what they drop is never read.
 * The partition table keeps every partition and region with every field but `description`, so the
 * bundled endpoint resolver's `partition()` answers exactly as the package's own; the clients'
 * package.json keeps the name and version their user agent reads.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { partition } from '@aws-sdk/util-endpoints';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../infra/esbuild-options.mjs';

// The files esbuild bundles (the ES module builds, `mainFields: ['module', 'main']`).
const partitionsFile = 'node_modules/@aws-sdk/util-endpoints/dist-es/lib/aws/partitions.json';
const kmsVersion: string = JSON.parse(
  readFileSync('node_modules/@aws-sdk/client-kms/package.json', 'utf8'),
).version;

let bundled: { partition: typeof partition };
let text: string;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kpg-esbuild-options-'));
  const outfile = path.join(dir, 'entry.mjs');
  await build({
    ...lambdaBuildOptions,
    splitting: false,
    sourcemap: false,
    stdin: {
      contents:
        "export { partition } from '@aws-sdk/util-endpoints'; export { KMSClient } from '@aws-sdk/client-kms';",
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    outfile,
    logLevel: 'error',
  });
  text = readFileSync(outfile, 'utf8');
  bundled = await import(pathToFileURL(outfile).href);
}, 60_000);

describe('sdk-partitions plugin', () => {
  const table: { partitions: { id: string; regions: Record<string, { description?: string }> }[] } =
    JSON.parse(readFileSync(partitionsFile, 'utf8'));
  const regions = table.partitions.flatMap((p) => Object.keys(p.regions));

  it('drops the region descriptions from the bundle', () => {
    expect(regions.length).toBeGreaterThan(30);
    expect(text).not.toContain('US East (N. Virginia)');
    expect(partition('us-east-1')).toHaveProperty('description');
  });

  it.each(regions)('partition(%s) answers as the package does, without the description', (region) => {
    const { description: _dropped, ...expected } = partition(region) as { description?: string };
    expect(bundled.partition(region)).toEqual(expected);
  });

  it('resolves regions outside the table by the partitions’ patterns as the package does', () => {
    for (const region of ['us-east-7', 'cn-northwest-9', 'us-gov-east-5', 'eu-isoe-west-3', 'xx-nowhere-1']) {
      expect(bundled.partition(region)).toEqual(partition(region));
    }
  });
});

describe('sdk-package-info plugin', () => {
  it('bundles the client package.json as its name and version only', () => {
    expect(text).toContain(`"@aws-sdk/client-kms"`);
    expect(text).toContain(kmsVersion);
    // Fields of the real package.json that the bundle no longer carries.
    expect(text).not.toContain('"devDependencies"');
    expect(text).not.toContain('"typesVersions"');
  });
});
