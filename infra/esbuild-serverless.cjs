// serverless-esbuild configuration: the shared Lambda options, with the output extension ESM needs.
const { lambdaBuildOptions } = require('./esbuild-options.cjs');

module.exports = () => ({
  ...lambdaBuildOptions,
  // No source maps in the packages: they tripled the zips. Errors are logged with their AWS code and
  // message (Powertools), which is what an operator acts on.
  sourcemap: false,
  outputFileExtension: '.mjs',
  // The Node.js 22 runtime provides no AWS SDK we rely on: everything is bundled.
  exclude: [],
  packager: 'npm',
});
