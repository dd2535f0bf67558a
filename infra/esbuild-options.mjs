// ESM view of esbuild-options.cjs (the CommonJS file is the one serverless-esbuild can require).
import options from './esbuild-options.cjs';

export const { lambdaBuildOptions, lambdaCredentialsPlugin } = options;
