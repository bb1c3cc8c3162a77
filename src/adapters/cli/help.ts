/** The CLI's help texts: `copyright-ledger --help` and `copyright-ledger <command> --help`, and its version. */
import { readFileSync } from 'node:fs';

/** The package version (package.json sits three levels up from src/adapters/cli and dist/adapters/cli). */
export function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export const COMMANDS = ['verify', 'audit', 'export', 'ingest', 'migrate'] as const;
export type Command = (typeof COMMANDS)[number];

const KEY_OPTIONS = `  --key <verifier key>   the log's verifier key, pinned: <origin>+<key id>+<base64 key>
  --key-file F           a trust list: one verifier key per line, # comments, \`<key> until=<block>\`
                         for a retired key (e.g. curl -fsS <server>/v1/log/key > log.key)`;

const COMMON = `  --json                 one JSON object on stdout instead of text; no progress
  -h, --help             this help`;

export const SYNOPSIS: Record<Command, string> = {
  verify: 'copyright-ledger verify <certificate.json> [--file F] [--key <verifier key> | --key-file F] [--tsa-cert F]... [--json]',
  audit: 'copyright-ledger audit [--data-dir D | --server URL | --archive F [--tsa-cert F]...] [--key <verifier key> | --key-file F] [--json]',
  export: 'copyright-ledger export (--data-dir D | --server URL) --out F [--key <verifier key> | --key-file F] [--json]',
  ingest: `copyright-ledger ingest <dir | manifest.jsonl> --server URL [--api-key-file F] [--concurrency N]
                        [--hash-only | --upload] [--state F] [--out DIR] [--batch N] [--json]`,
  migrate: `copyright-ledger migrate --from <data-dir | postgres-url> --to <data-dir | postgres-url>
                        [--key <verifier key> | --key-file F] [--json]`,
};

const DETAILS: Record<Command, string> = {
  verify: `Checks an evidence, registration or operation (licence, transfer, pledge) certificate
offline (no network): its format, the log key, the checkpoint signature, the inclusion proof, the
entry, the work's hashes and metadata or the record's terms, and the RFC 3161 timestamp when it
carries one; with --file, that the file is the deposited work.

options:
  --file F               the work: its SHA-256, SM3 and size must match the certificate
${KEY_OPTIONS}
  --tsa-cert F           PEM of the TSA certificate or CA the timestamp must chain to (repeatable)
${COMMON}

--key-file takes a trust list: one verifier key per line, # comments, several keys of one log
(after a key rotation); \`<key> until=<block>\` trusts a retired key only for checkpoints up to
that block (its hand-over). Without --key or --key-file, the trust list named by the environment
variable COPYRIGHT_LEDGER_TRUSTED_KEYS is used. A certificate is valid only when its log key is
pinned; otherwise its key and fingerprint are shown so you can compare them out of band
(docs/VERIFY.md).

exit: 0 valid against the pinned key, 1 invalid (the failing checks are named), 2 usage error or an
unreadable input, 3 every check passes but no key was pinned (never reported as valid)`,
  audit: `Recomputes every leaf, node, root, signature and the block chain of the whole log.

options:
  --server URL           a running server, over its public API
  --data-dir D           a stopped server's store (default: $DATA_DIR, else ./store)
  --archive F            an export archive, no server needed (docs/ARCHIVE.md); names the first bad file
  --tsa-cert F           with --archive: PEM every timestamp must chain to (repeatable); without
                         it, tokens are checked against the archive's tsa-cert.pem, else as carried
${KEY_OPTIONS}
                         (without one: the key the server, the store (LOG_KEY_FILE, else
                         D/log-key.pem) or the archive holds, with a note). Every pinned key of
                         this log must be in its key history and within its until=; keys of
                         other logs are ignored; the audit follows the hand-overs from them
${COMMON}

exit: 0 every check passed, 1 naming the first bad entry index or block height (or archive file),
2 usage error or it cannot run (server unreachable, store locked by a running server)`,
  export: `Writes the whole public log (entries, checkpoints, timestamp tokens, keys, registry) as one
portable tar archive with a SHA-256 manifest (docs/ARCHIVE.md). Never overwrites a file.

options:
  --server URL           a running server, over its public API (429/503 are waited out)
  --data-dir D           a stopped server's store
  --out F                the archive to write
${KEY_OPTIONS}
                         (with --data-dir: the current key, when the store has no key file; a
                         trust list is checked against the store's key history)
${COMMON}

exit: 0 written, 2 usage error or it cannot run (server unreachable, store locked, --out exists)`,
  ingest: `Deposits every regular file of a directory (or every line of a manifest.jsonl): hashed locally
(SHA-256 and SM3), sent in batches (or uploaded with --upload), never twice, resumable with a
state file, one certificate per work with --out (docs/UPLOADS.md).

options:
  --server URL           the server to deposit to
  --api-key-file F       the account's API key, read from a file; or env COPYRIGHT_LEDGER_API_KEY
  --api-key K            the same on the command line (works, but other users see it in ps)
  --concurrency N        files hashed (uploaded, certificates fetched) at once, 1..256 (default 16)
  --hash-only            the default: hash locally, send batches to POST /v1/deposits/batch
  --upload               upload each file (POST /v1/deposits) instead
  --batch N              items per batch request, 1..1000 (default 1000)
  --state F              append-only state file: a crash or Ctrl-C is resumed by running the command again
  --out DIR              writes DIR/<relative path>.certificate.json for every work
${COMMON}

environment:
  COPYRIGHT_LEDGER_API_KEY  the API key, when neither --api-key-file nor --api-key is given

exit: 0 all done, 1 some works failed (listed), 2 usage error or it cannot run (server unreachable),
130 interrupted (Ctrl-C once stops after the batches in flight; twice quits at once)`,
  migrate: `Copies a whole stopped store into a new, empty one: LevelDB (a data dir) to PostgreSQL
(postgres://…), back, or between two of a kind (docs/SCALING.md). The log goes block by block
with its signed checkpoints, every block's tree recomputed and checked against its root; then
timestamps, accounts with their API keys (old keys keep working), claims, records, counters,
sessions and passwords. The source is only read. Both sides are then audited and their
checkpoint roots printed. Files of the data dir that are not the store (the log key, PDF and TSA
keys, kept uploads) are not copied.

options:
  --from S               the store to copy: a data dir (its ledger/) or a postgres:// URL
  --to T                 the new store: a data dir without a ledger/ yet, or an empty database
${KEY_OPTIONS}
                         (without one: LOG_KEY_FILE, else log-key.pem of either data dir, else of
                         $DATA_DIR)
${COMMON}

exit: 0 copied, both audits passed and the roots are equal; 1 an audit failed or the roots differ;
2 usage error or it cannot run (a service still running on either store, a target that is not
empty, a damaged source)`,
};

/** One command's usage and options (its --help). */
export function commandHelp(command: Command): string {
  return `usage: ${SYNOPSIS[command]}\n\n${DETAILS[command]}`;
}

/** The short usage printed after a usage error. */
export function commandUsage(command: Command): string {
  return `usage: ${SYNOPSIS[command]}\nrun copyright-ledger ${command} --help for the options`;
}

/** `copyright-ledger --help`. */
export function overview(): string {
  return `usage:
  ${SYNOPSIS.verify}
  ${SYNOPSIS.audit}
  ${SYNOPSIS.export}
  ${SYNOPSIS.ingest}
  ${SYNOPSIS.migrate}
  copyright-ledger <command> --help
  copyright-ledger --version

verify  checks an evidence, registration or operation certificate offline; exit 0 valid,
        1 invalid, 2 usage error, 3 valid but no key pinned
audit   recomputes every leaf, node, root, signature and the block chain; exit 0, or 1 naming
        the first bad entry index or block height; 2 when it cannot run
export  writes the whole public log as one tar archive (docs/ARCHIVE.md)
ingest  deposits every file of a directory or manifest.jsonl; resumable with --state; exit 0,
        1 listing the failures, 130 interrupted (docs/UPLOADS.md)
migrate copies a whole stopped store into an empty one (LevelDB or PostgreSQL), then audits both
        sides; exit 0 when both pass with the same checkpoint root (docs/SCALING.md)

Errors are one line on stderr, "copyright-ledger: <message>", with the exit code above.`;
}
