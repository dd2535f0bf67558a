import type { BuildOptions, Plugin } from 'esbuild';

export const lambdaCredentialsPlugin: Plugin;
export const lambdaBuildOptions: BuildOptions;
