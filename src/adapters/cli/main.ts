/**
 * `copyright-ledger` command line (contract §7). `verify` is offline: it reads files and the
 * certificate, never the network. Exit codes: 0 ok, 1 invalid / audit failed, 2 usage error.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { toHex } from '../../core/bytes.js';
import { verifyAnyCertificate } from '../../core/registration.js';
import { nodeSha256 } from '../crypto/node.js';
import { auditCommand } from './audit.js';
import { exportCommand } from './export.js';
import { ingestCommand, IngestUsage, INGEST_USAGE } from './ingest.js';
import { readTsaCertificates } from './tsa-cert.js';
import { keyOption, readText, Usage, type Io } from './usage.js';

export type { Io };

const USAGE = `usage:
  copyright-ledger verify <certificate.json> [--file F] [--key <verifier key> | --key-file F] [--tsa-cert F]... [--json]
  copyright-ledger audit [--data-dir D | --server URL | --archive F [--tsa-cert F]...] [--key <verifier key> | --key-file F]
  copyright-ledger export (--data-dir D | --server URL) --out F [--key <verifier key> | --key-file F]
${INGEST_USAGE}

verify  checks an evidence or registration certificate offline; exit 0 valid, 1 invalid, 2 usage error
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

async function verifyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { file: { type: 'string' }, key: { type: 'string' }, 'key-file': { type: 'string' }, 'tsa-cert': { type: 'string', multiple: true }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new Usage('verify takes one certificate file');
  const verifierKey = await keyOption(values);
  const text = await readText(positionals[0]!);
  let cert: unknown;
  try {
    cert = JSON.parse(text);
  } catch {
    cert = text; // not JSON: the format check reports it
  }
  const file = values.file === undefined ? undefined : await hashFile(values.file);
  // Evidence or registration certificate, chosen by its `format`.
  // --tsa-cert pins the TSA certificate or CA the timestamp check must chain to (docs/TIMESTAMPS.md).
  const tsaCertificates = await readTsaCertificates(values['tsa-cert'] ?? [], (m) => new Usage(m));
  const result = verifyAnyCertificate(cert, { ...(verifierKey !== undefined ? { verifierKey } : {}), ...(file ? { file } : {}), sha256: nodeSha256, tsaCertificates });
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else {
    for (const c of result.checks) io.out(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(20)} ${c.detail}`);
    io.out(result.valid ? 'VALID: every check passed' : `INVALID: ${result.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')} failed`);
  }
  return result.valid ? 0 : 1;
}

/** SHA-256, SM3 and size of a file in one streaming pass. */
export async function hashFile(path: string): Promise<{ sha256: string; sm3: string; size: number }> {
  try {
    await access(path);
  } catch {
    throw new Usage(`cannot read ${path}`);
  }
  const sha = createHash('sha256');
  const sm3 = createHash('sm3');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      sha.update(chunk as Buffer);
      sm3.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (e) {
    throw new Usage(`cannot read ${path}: ${(e as Error).message}`);
  }
  return { sha256: toHex(sha.digest()), sm3: toHex(sm3.digest()), size };
}
