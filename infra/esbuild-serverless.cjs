// serverless-esbuild configuration: the shared Lambda options, with the output extension ESM needs.
const { lambdaBuildOptions } = require('./esbuild-options.cjs');

module.exports = () => ({
  ...lambdaBuildOptions,
  outputFileExtension: '.mjs',
  // The Node.js 22 runtime provides no AWS SDK we rely on: everything is bundled.
  exclude: [],
  packager: 'npm',
});
