/**
 * `copyright-ledger audit [--data-dir D | --server URL | --archive F]`: the one auditor
 * (app/audit.ts) over a stopped store, a running server, or an export archive. Exit 0 when every
 * check passes, 1 naming the first bad item, 2 when it cannot run.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { audit, type AuditReport } from '../../app/audit.js';
import { loadKeyHistory } from '../../app/log-keys.js';
import { ArchiveError, openArchive } from '../archive/archive-source.js';
import { nodeSha256, readVerifierKey } from '../crypto/node.js';
import { levelAuditSource } from '../level/audit-source.js';
import { LevelLogStore } from '../level/store.js';
import { httpAuditSource, httpExportSource } from './http-source.js';
import { progress } from './progress.js';
import { readTsaCertificates } from './tsa-cert.js';
import { keyOption, serverUrl, Usage, type Io } from './usage.js';

export async function auditCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    options: {
      'data-dir': { type: 'string' },
      server: { type: 'string' },
      archive: { type: 'string' },
      key: { type: 'string' },
      'key-file': { type: 'string' },
      'tsa-cert': { type: 'string', multiple: true },
    },
  });
  if ([values['data-dir'], values.server, values.archive].filter((v) => v !== undefined).length > 1) throw new Usage('give one of --data-dir, --server and --archive');
  const pinned = await keyOption(values);
  if (values['tsa-cert'] !== undefined && values.archive === undefined) throw new Usage('--tsa-cert goes with --archive');
  if (values.archive !== undefined) return auditArchive(values.archive, pinned, await readTsaCertificates(values['tsa-cert'] ?? [], (m) => new Usage(m)), io);
  const bar = progress('audit');
  const onProgress = (done: bigint, total: bigint) => bar.update(Number(done), Number(total));
  let report: AuditReport;
  if (values.server !== undefined) {
    const base = serverUrl(values.server);
    const src = httpAuditSource(base.toString());
    try {
      const verifierKey = pinned ?? (await src.key());
      if (pinned === undefined) io.err(`note: using the key the server serves (${verifierKey}); pin it with --key`);
      const verifierKeys = await httpExportSource(base.toString()).keys();
      report = await audit(src, { verifierKey, verifierKeys, sha256: nodeSha256, onProgress });
    } catch (e) {
      // Not a finding about the log: the server could not be read (down, refused, answered 5xx).
      io.err(`error: audit could not complete: cannot read ${base.origin}: ${(e as Error).message}`);
      return 2;
    }
  } else {
    const dir = values['data-dir'] ?? process.env.DATA_DIR ?? './store';
    const store = await openStore(dir);
    try {
      // The key file holds no origin: take the name block 0 was signed for.
      const origin = (await store.getBlock(0n))?.checkpoint.split('\n', 1)[0];
      const verifierKey = pinned ?? (await readVerifierKey(dir, origin !== undefined ? { origin } : {}));
      if (verifierKey === undefined) throw new Usage(`no log key in ${dir}; give --key`);
      const history = await loadKeyHistory(store);
      report = await audit(levelAuditSource(store), { verifierKey, ...(history.length > 0 ? { verifierKeys: history } : {}), sha256: nodeSha256, onProgress });
    } finally {
      await store.close();
    }
  }
  bar.done(Number(report.entries), Number(report.entries));
  return printReport(report, io);
}

/** Opens a stopped server's store (LevelDB refuses a store a running server holds). */
export async function openStore(dir: string): Promise<LevelLogStore> {
  try {
    await access(join(dir, 'ledger'));
    return await LevelLogStore.open(join(dir, 'ledger'), { readOnly: true });
  } catch (e) {
    throw new Usage(`cannot open the store in ${dir} (is the server still running?): ${(e as Error).message}`);
  }
}

function printReport(report: AuditReport, io: Io, where?: string): number {
  if (report.ok) {
    io.out(`audit ok: ${report.blocks} blocks, ${report.entries} entries`);
    return 0;
  }
  const p = report.problem!;
  io.out(`audit FAILED at ${p.kind} ${p.at}${where !== undefined ? ` (${where})` : ''}: ${p.message}`);
  return 1;
}

async function auditArchive(path: string, pinned: string | undefined, tsaPins: Uint8Array[], io: Io): Promise<number> {
  try {
    await access(path);
  } catch {
    throw new Usage(`cannot read ${path}`);
  }
  const fail = (e: ArchiveError) => {
    io.out(`audit FAILED at file ${e.file}${e.entry !== undefined ? ` (entry ${e.entry})` : ''}: ${e.message}`);
    return 1;
  };
  const hashing = progress('check');
  let archive;
  try {
    archive = await openArchive(path, nodeSha256, (d, t) => hashing.update(d, t));
  } catch (e) {
    if (e instanceof ArchiveError) return fail(e);
    throw new Usage(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const verifierKey = pinned ?? archive.logKey;
    if (pinned === undefined) io.err(`note: using the key in the archive's log.key (${verifierKey}); pin it with --key`);
    const bar = progress('audit');
    let report: AuditReport;
    try {
      report = await audit(archive.source, {
        verifierKey,
        verifierKeys: archive.keys,
        tsaCertificates: [...tsaPins, ...archive.tsaCertificates],
        sha256: nodeSha256,
        onProgress: (done, total) => bar.update(Number(done), Number(total)),
      });
      bar.done(Number(report.entries), Number(report.entries));
      if (report.ok) archive.checkInfo(report);
    } catch (e) {
      // A file the log cannot be read from: the first changed file names it if there is one.
      if (e instanceof ArchiveError) {
        if (archive.mismatches[0] !== undefined && archive.mismatches[0].file !== e.file.split(' ')[0]) fail(archive.mismatches[0]);
        return fail(e);
      }
      throw e;
    }
    const first = archive.mismatches[0];
    if (first !== undefined) {
      // The changed file first; then what the log audit found in it, if anything.
      fail(first);
      if (!report.ok) printReport(report, io, archive.locate(report.problem!));
      return 1;
    }
    return printReport(report, io, report.ok ? undefined : archive.locate(report.problem!));
  } catch (e) {
    if (e instanceof ArchiveError) return fail(e);
    throw e;
  } finally {
    await archive.close();
  }
}
