/**
 * `copyright-ledger` command line (contract §7). `verify` is offline: it reads files and the
 * certificate, never the network. Exit codes: 0 ok, 1 invalid / audit failed, 2 usage error.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { toHex } from '../../core/bytes.js';
import { verifyAnyCertificate } from '../../core/registration.js';
import { parseVerifierKey } from '../../core/note.js';
import { audit } from '../../app/audit.js';
import { nodeSha256, readVerifierKey } from '../crypto/node.js';
import { LevelLogStore } from '../level/store.js';
import { levelAuditSource } from '../level/audit-source.js';
import { httpAuditSource } from './http-source.js';
import { ingestCommand, IngestUsage, INGEST_USAGE } from './ingest.js';
import { progress } from './progress.js';
import { readTsaCertificates } from './tsa-cert.js';

const USAGE = `usage:
  copyright-ledger verify <certificate.json> [--file F] [--key <verifier key> | --key-file F] [--tsa-cert F]... [--json]
  copyright-ledger audit [--data-dir D | --server URL] [--key <verifier key> | --key-file F]
${INGEST_USAGE}

verify  checks an evidence or registration certificate offline; exit 0 valid, 1 invalid, 2 usage error
audit   recomputes every leaf, node, root, signature and the block chain; exit 0, or 1 naming
        the first bad entry index or block height; 2 when it cannot run (usage, server unreachable)
ingest  deposits every file of a directory or manifest.jsonl; resumable with --state; exit 0,
        1 listing the failures, 130 interrupted (docs/UPLOADS.md)`;

class Usage extends Error {}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const stdio: Io = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') };

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'verify':
        return await verifyCommand(rest, io);
      case 'audit':
        return await auditCommand(rest, io);
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

async function keyOption(values: { key?: string; 'key-file'?: string }): Promise<string | undefined> {
  if (values.key !== undefined && values['key-file'] !== undefined) throw new Usage('give --key or --key-file, not both');
  const text = values.key ?? (values['key-file'] !== undefined ? (await readText(values['key-file'])).trim() : undefined);
  if (text === undefined) return undefined;
  try {
    parseVerifierKey(text);
  } catch {
    throw new Usage('the verifier key is not of the form <origin>+<key id>+<base64 key>');
  }
  return text;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new Usage(`cannot read ${path}: ${(e as Error).message}`);
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

async function auditCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: false,
    options: { 'data-dir': { type: 'string' }, server: { type: 'string' }, key: { type: 'string' }, 'key-file': { type: 'string' } },
  });
  void positionals;
  if (values['data-dir'] !== undefined && values.server !== undefined) throw new Usage('give --data-dir or --server, not both');
  const pinned = await keyOption(values);
  const bar = progress('audit');
  const onProgress = (done: bigint, total: bigint) => bar.update(Number(done), Number(total));
  let report;
  if (values.server !== undefined) {
    let base: URL;
    try {
      base = new URL(values.server);
    } catch {
      throw new Usage('--server takes a URL');
    }
    const src = httpAuditSource(base.toString());
    try {
      const verifierKey = pinned ?? (await src.key());
      if (pinned === undefined) io.err(`note: using the key the server serves (${verifierKey}); pin it with --key`);
      report = await audit(src, { verifierKey, sha256: nodeSha256, onProgress });
    } catch (e) {
      // Not a finding about the log: the server could not be read (down, refused, answered 5xx).
      io.err(`error: audit could not complete: cannot read ${base.origin}: ${(e as Error).message}`);
      return 2;
    }
  } else {
    const dir = values['data-dir'] ?? process.env.DATA_DIR ?? './store';
    let store: LevelLogStore;
    try {
      await access(join(dir, 'ledger'));
      store = await LevelLogStore.open(join(dir, 'ledger'), { readOnly: true });
    } catch (e) {
      throw new Usage(`cannot open the store in ${dir} (is the server still running?): ${(e as Error).message}`);
    }
    try {
      // The key file holds no origin: take the name block 0 was signed for.
      const origin = (await store.getBlock(0n))?.checkpoint.split('\n', 1)[0];
      const verifierKey = pinned ?? (await readVerifierKey(dir, origin !== undefined ? { origin } : {}));
      if (verifierKey === undefined) throw new Usage(`no log key in ${dir}; give --key`);
      report = await audit(levelAuditSource(store), { verifierKey, sha256: nodeSha256, onProgress });
    } finally {
      await store.close();
    }
  }
  bar.done(Number(report.entries), Number(report.entries));
  if (report.ok) {
    io.out(`audit ok: ${report.blocks} blocks, ${report.entries} entries`);
    return 0;
  }
  const p = report.problem!;
  io.out(`audit FAILED at ${p.kind} ${p.at}: ${p.message}`);
  return 1;
}
