/**
 * `copyright-ledger` command line (contract §7). `verify` is offline: it reads files and the
 * certificate, never the network. `--version`, `--help` and `<command> --help` print to stdout.
 * Every error is one line `copyright-ledger: <message>` on stderr; a usage error adds the
 * command's usage. Exit codes: 0 ok, 1 invalid / audit failed / works failed, 2 usage error or
 * the command cannot run, 3 verify without a pinned key, 130 interrupted.
 */
import { auditCommand } from './audit.js';
import { exportCommand } from './export.js';
import { COMMANDS, commandHelp, commandUsage, overview, version, type Command } from './help.js';
import { ingestCommand } from './ingest.js';
import { migrateCommand } from './migrate.js';
import { CannotRun, helpRequested, Usage, type Io } from './usage.js';
import { verifyCommand } from './verify.js';

export type { Io };

const stdio: Io = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') };

const isCommand = (c: string | undefined): c is Command => (COMMANDS as readonly (string | undefined)[]).includes(c);

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-V' || command === 'version') {
    io.out(`copyright-ledger ${version()}`);
    return 0;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    io.out(isCommand(rest[0]) ? commandHelp(rest[0]) : overview());
    return 0;
  }
  if (!isCommand(command)) {
    io.err(`${command === undefined ? 'copyright-ledger: no command given' : `copyright-ledger: unknown command ${command}`}\n\n${overview()}`);
    return 2;
  }
  if (helpRequested(rest)) {
    io.out(commandHelp(command));
    return 0;
  }
  try {
    switch (command) {
      case 'verify':
        return await verifyCommand(rest, io);
      case 'audit':
        return await auditCommand(rest, io);
      case 'export':
        return await exportCommand(rest, io);
      case 'ingest':
        return await ingestCommand(rest, io);
      case 'migrate':
        return await migrateCommand(rest, io);
    }
  } catch (e) {
    return failed(e, command, io);
  }
}

/** Prints why a command could not run, in one line (plus the usage for a usage error); exit 2. */
function failed(e: unknown, command: Command, io: Io): number {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof Usage || (e as { code?: string } | null)?.code?.startsWith('ERR_PARSE_ARGS')) {
    io.err(`copyright-ledger: ${message}\n\n${commandUsage(command)}`);
    return 2;
  }
  if (e instanceof CannotRun) {
    io.err(`copyright-ledger: ${message}`);
    return 2;
  }
  // Anything else (a file system error, a bug) is still one line, never a stack trace.
  io.err(`copyright-ledger: ${command}: ${message.split('\n', 1)[0]}`);
  return 2;
}
