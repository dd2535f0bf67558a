import type { BuildOptions, Plugin } from 'esbuild';

declare const options: { lambdaBuildOptions: BuildOptions; lambdaCredentialsPlugin: Plugin };
export = options;
