/**
 * Entry point of `copyright-ledger-verify.mjs`, the dependency-free verifier: esbuild bundles
 * this file with src/core into one ESM file (adapters/downloads/build.ts) that runs with
 * `node copyright-ledger-verify.mjs cert.json [--file F] [--key K | --key-file F] [--json]` on
 * Node >= 18 in an empty folder. The command itself is verify.ts, shared with the CLI.
 */
import { CannotRun, Usage, type Io } from './usage.js';
import { VERIFY_HELP, VERIFY_SYNOPSIS, verifyCommand } from './verify.js';

/** Replaced by the build with package.json's version. */
declare const COPYRIGHT_LEDGER_VERSION: string | undefined;
const VERSION = typeof COPYRIGHT_LEDGER_VERSION === 'string' ? COPYRIGHT_LEDGER_VERSION : 'development';

const USAGE = `usage: node copyright-ledger-verify.mjs ${VERIFY_SYNOPSIS.replace(/^verify /, '')}
       node copyright-ledger-verify.mjs --version | --help`;

/** Runs the standalone verifier on `argv` (without node and the script). Returns the exit code. */
export async function standaloneMain(argv: string[], io: Io, env: Record<string, string | undefined>): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    io.out(`copyright-ledger-verify ${VERSION}`);
    return 0;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(`copyright-ledger-verify ${VERSION}\n${USAGE}\n\n${VERIFY_HELP}`);
    return 0;
  }
  // The CLI's spelling `copyright-ledger verify cert.json …` works too.
  const args = argv[0] === 'verify' ? argv.slice(1) : argv;
  try {
    return await verifyCommand(args, io, env);
  } catch (e) {
    if (e instanceof Usage || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`copyright-ledger-verify: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof CannotRun) {
      io.err(`copyright-ledger-verify: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

const stdio: Io = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') };

// Run only as the bundle's entry (the build defines COPYRIGHT_LEDGER_VERSION), not when imported by tests.
if (typeof COPYRIGHT_LEDGER_VERSION === 'string') {
  standaloneMain(process.argv.slice(2), stdio, process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
