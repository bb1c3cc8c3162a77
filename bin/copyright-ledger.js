#!/usr/bin/env node
// Thin launcher of the CLI compiled to dist/ (by `npm install`, `npm start` or `npm run build`).
// It never builds: a missing dist/ is reported in one line.
let cli;
try {
  cli = await import('../dist/adapters/cli/main.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('main.js')) throw e;
  process.stderr.write(`copyright-ledger: the CLI is not built (${new URL('../dist/', import.meta.url).pathname} is missing): run npm install or npm run build\n`);
  process.exit(2);
}
process.exitCode = await cli.main(process.argv.slice(2));
