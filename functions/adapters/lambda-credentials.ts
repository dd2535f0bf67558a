/**
 * Lambda bundles only: stands in for `@aws-sdk/credential-provider-node` (the default chain), which
 * also brings SSO, INI files, process and web-identity providers with their own nested STS/SSO
 * clients — dead weight in Lambda, where the runtime always hands the function's role credentials
 * to the code in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 * The Lambda build aliases the package to this module (`infra/esbuild-options.mjs`); tests and the
 * CLI keep the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (_init?: unknown) => fromEnv();
