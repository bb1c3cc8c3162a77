/**
 * `copyright-ledger` command line (contract §7). `verify` is offline: it reads files and the
 * certificate, never the network (verify.ts). Exit codes: 0 ok, 1 invalid / audit failed, 2 usage
 * error, 3 verify: checks pass but no key is pinned.
 */
import { auditCommand } from './audit.js';
import { exportCommand } from './export.js';
import { ingestCommand, IngestUsage, INGEST_USAGE } from './ingest.js';
import { Usage, type Io } from './usage.js';
import { verifyCommand } from './verify.js';

export type { Io };

const USAGE = `usage:
  copyright-ledger verify <certificate.json> [--file F] [--key <verifier key> | --key-file F] [--tsa-cert F]... [--json]
  copyright-ledger audit [--data-dir D | --server URL | --archive F [--tsa-cert F]...] [--key <verifier key> | --key-file F]
  copyright-ledger export (--data-dir D | --server URL) --out F [--key <verifier key> | --key-file F]
${INGEST_USAGE}

verify  checks an evidence or registration certificate offline; exit 0 valid against a pinned key
        (--key, --key-file or COPYRIGHT_LEDGER_TRUSTED_KEYS), 1 invalid, 2 usage error, 3 every
        check passed but the log key is not pinned (docs/VERIFY.md)
audit   recomputes every leaf, node, root, signature and the block chain; exit 0, or 1 naming
        the first bad entry index or block height; 2 when it cannot run (usage, server unreachable);
        --archive checks an export archive with no server, naming the first bad file (docs/ARCHIVE.md)
export  writes the whole public log (entries, checkpoints, timestamps, keys, registry) as one
        tar archive (docs/ARCHIVE.md); --data-dir reads a stopped server's store
ingest  deposits every file of a directory or manifest.jsonl; resumable with --state; exit 0,
        1 listing the failures, 130 interrupted (docs/UPLOADS.md)`;

const stdio: Io = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') };

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
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
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new Usage(`unknown command ${command}`);
    }
  } catch (e) {
    if (e instanceof Usage || e instanceof IngestUsage || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`error: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}
