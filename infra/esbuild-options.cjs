// esbuild options shared by the Lambda packaging (serverless-esbuild, which loads this file with
// require) and the bundle benchmark, so what is measured is what is deployed.
const path = require('node:path');

const lambdaCredentials = path.join(__dirname, '..', 'functions', 'adapters', 'lambda-credentials.ts');

/** Replace the SDK's default credential chain with the environment provider (see that module). */
const lambdaCredentialsPlugin = {
  name: 'lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: lambdaCredentials }));
  },
};

/**
 * The SDK clients import their whole package.json to put `version` in the user agent (their
 * runtimeConfig reads `packageInfo.version` and nothing else; esbuild cannot tree-shake a default
 * JSON import): bundle only name and version, 3 KB less parsed at every cold start.
 */
const sdkPackageInfoPlugin = {
  name: 'sdk-package-info',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, async (args) => {
      const { name, version } = JSON.parse(await require('node:fs/promises').readFile(args.path, 'utf8'));
      return { contents: JSON.stringify({ name, version }), loader: 'json' };
    });
  },
};

/**
 * The endpoint resolver's partition table names every region with a human description ("US East
 * (N. Virginia)"); `partition()` spreads a region's entry into its result, and no endpoint ruleset
 * reads `description` (the rulesets read the partition's name, dnsSuffix, dualStackDnsSuffix,
 * supportsFIPS, supportsDualStack and implicitGlobalRegion). Keep every region and partition, drop
 * the descriptions: 1.8 KB less parsed at every cold start.
 */
const sdkPartitionsPlugin = {
  name: 'sdk-partitions',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]@aws-sdk[\\/]util-endpoints[\\/].*[\\/]partitions\.json$/ },
      async (args) => {
        const info = JSON.parse(await require('node:fs/promises').readFile(args.path, 'utf8'));
        for (const partition of info.partitions) {
          for (const region of Object.values(partition.regions)) delete region.description;
        }
        return { contents: JSON.stringify(info), loader: 'json' };
      },
    );
  },
};

const lambdaBuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // The SDK v3 ships ES modules under `module`: preferring them lets esbuild tree-shake (about 2x
  // faster cold start than the CommonJS defaults).
  mainFields: ['module', 'main'],
  // Dynamic imports (the SNS and STS clients, needed only to alert or to reach another account)
  // become chunks loaded on first use, so the cold start parses only the entry chunk.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Some CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __kpgCreateRequire } from 'node:module'; const require = __kpgCreateRequire(import.meta.url);",
  },
  plugins: [lambdaCredentialsPlugin, sdkPackageInfoPlugin, sdkPartitionsPlugin],
};

module.exports = { lambdaBuildOptions, lambdaCredentialsPlugin };
