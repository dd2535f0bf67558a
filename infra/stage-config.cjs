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

/**
 * A stage configuration that cannot be used ends packaging here, with one line per problem naming
 * the file and the field. Thrown, the error would reach the framework once for every variable that
 * reads this file, each time with its stack (about 200 lines for one typo).
 */
function fail(lines) {
  process.stderr.write(`${lines.map((l) => `stage configuration: ${l}`).join('\n')}\n`);
  process.exit(1);
}

module.exports = async ({ options, resolveVariable }) => {
  const stage = options.stage ?? (await resolveVariable('sls:stage'));
  // GUARD_STAGE_CONFIG_DIR: another folder of <stage>.json files (tests, private configurations).
  const dir = process.env.GUARD_STAGE_CONFIG_DIR ?? path.join(__dirname, 'config');
  const file = path.join(dir, `${stage}.json`);
  const shown = path.relative(process.cwd(), file);
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    fail([
      err.code === 'ENOENT'
        ? `${shown}: no configuration for stage "${stage}" (start from infra/config/prod.example.json)`
        : `${shown}: cannot read it (${err.code ?? err.message})`,
    ]);
  }
  const { parseConfigText } = loadValidator();
  let config;
  try {
    config = parseConfigText(text.replace(/^\uFEFF/, ''), shown);
  } catch (err) {
    if (err.name !== 'ConfigError' || !Array.isArray(err.issues)) throw err;
    fail(err.issues.map((i) => `${shown}: ${i.path}: ${i.message}`));
  }
  return {
    guardConfig: JSON.stringify(config),
    memberRoleName: config.memberRoleName,
    schedule: config.sweep.schedule,
    reportBucket: config.sweep.reportBucket ?? '',
    hasReportBucket: config.sweep.reportBucket !== undefined,
  };
};
