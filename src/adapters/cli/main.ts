/**
 * `copyright-ledger` command line (contract §7). `verify` is offline: it reads files and the
 * certificate, never the network. `--version`, `--help` and `<command> --help` print to stdout.
 * Every error is one line `copyright-ledger: <message>` on stderr; a usage error adds the
 * command's usage. Exit codes: 0 ok, 1 invalid / audit failed / works failed, 2 usage error or
 * the command cannot run, 3 verify without a pinned key, 130 interrupted.
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
import { COMMANDS, commandHelp, commandUsage, overview, version, type Command } from './help.js';
import { ingestCommand } from './ingest.js';
import { readTsaCertificates } from './tsa-cert.js';
import { CannotRun, helpRequested, keyOption, readText, Usage, type Io } from './usage.js';

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
    throw new CannotRun(`cannot read ${path}`);
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
    throw new CannotRun(`cannot read ${path}: ${(e as Error).message}`);
  }
  return { sha256: toHex(sha.digest()), sm3: toHex(sm3.digest()), size };
}
