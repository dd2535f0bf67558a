// Resolves `${file(./infra/stage-config.cjs):...}` in serverless.yml: reads infra/config/<stage>.json
// and validates it with the guard's own schema (functions/config), so an invalid configuration
// fails packaging with the field named, before anything is deployed. No AWS call, no credentials.
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { buildSync } = require('esbuild');

function loadValidator() {
  // The schema is TypeScript: bundle it in memory to CommonJS and load it.
  const out = buildSync({
    entryPoints: [path.join(__dirname, '..', 'functions', 'config', 'load.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
  });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(module, module.exports, require);
  return module.exports;
}

module.exports = async ({ options, resolveVariable }) => {
  const stage = options.stage ?? (await resolveVariable('sls:stage'));
  // GUARD_STAGE_CONFIG_DIR: another folder of <stage>.json files (tests, private configurations).
  const dir = process.env.GUARD_STAGE_CONFIG_DIR ?? path.join(__dirname, 'config');
  const file = path.join(dir, `${stage}.json`);
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no configuration for stage "${stage}": create ${path.relative(process.cwd(), file)}`);
  }
  const { parseConfigText } = loadValidator();
  const config = parseConfigText(text, path.relative(process.cwd(), file));
  return {
    guardConfig: JSON.stringify(config),
    memberRoleName: config.memberRoleName,
    schedule: config.sweep.schedule,
    reportBucket: config.sweep.reportBucket ?? '',
    hasReportBucket: config.sweep.reportBucket !== undefined,
  };
};
