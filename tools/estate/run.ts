/**
 * `npm run estate [-- --port N]`: the local AWS estate until Ctrl-C, and the lines to paste into
 * another terminal to sweep it and check its trails with the CLI.
 */
import { ESTATE_PORT, startEstate } from './estate.js';

const at = process.argv.indexOf('--port');
const port = at > 0 ? Number(process.argv[at + 1]) : ESTATE_PORT;
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  process.stderr.write(`estate: --port must be a port number, got ${process.argv[at + 1] ?? 'nothing'}\n`);
  process.exit(2);
}

let estate: Awaited<ReturnType<typeof startEstate>>;
try {
  estate = await startEstate({ port });
} catch (err) {
  const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
  process.stderr.write(
    inUse
      ? `estate: port ${port} is in use (another estate?); choose another: npm run estate -- --port ${port + 1}\n`
      : `estate: cannot start: ${(err as Error).message}\n`,
  );
  process.exit(2);
}

const { sim } = estate;
const keys = [...sim.estate.keys.values()];
process.stdout.write(
  [
    `AWS estate simulator on ${estate.url}: ${sim.estate.accounts.length} accounts x ${sim.estate.regions.length} regions, ` +
      `${keys.length} KMS keys (${keys.filter((k) => k.keyManager === 'AWS').length} AWS-managed, ` +
      `${keys.filter((k) => k.denyRead).length} the guard may not read), ${sim.estate.endpoints.size} KMS endpoints, ` +
      `${sim.estate.trails.length} CloudTrail trails.`,
    'In another terminal, from the repository root, paste:',
    '',
    ...estate.instructions.map((line) => `  ${line}`),
    '',
    'The sweep is a dry run (add --remediate to let it fix what it can); it exits 3 because one key cannot',
    'be read. trails exits 1: eu-west-1 has no logging trail that records write management events.',
    'Ctrl-C stops the estate (its state lives in memory only).',
    '',
  ].join('\n'),
);

const stop = () => {
  estate.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
