/**
 * `copyright-ledger audit [--data-dir D | --server URL | --archive F] [--json]`: the one auditor
 * (app/audit.ts) over a stopped store, a running server, or an export archive. Exit 0 when every
 * check passes, 1 naming the first bad item, 2 when it cannot run. `--json` prints one object,
 * `{"ok","blocks","entries","problems":[{"kind","at"?,"file"?,"entry"?,"message"}]}`.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { audit, type AuditReport } from '../../app/audit.js';
import { checkPinnedKeys, loadKeyHistory, type LogKeyRange } from '../../app/log-keys.js';
import { isSignedBy } from '../../core/note.js';
import type { TrustedKey } from '../../core/trust.js';
import { ArchiveError, openArchive } from '../archive/archive-source.js';
import { nodeSha256, readVerifierKey } from '../crypto/node.js';
import { levelAuditSource } from '../level/audit-source.js';
import { LevelLogStore } from '../level/store.js';
import { httpAuditSource, httpExportSource } from './http-source.js';
import { noProgress, progress, type Progress } from './progress.js';
import { readTsaCertificates } from './tsa-cert.js';
import { CannotRun, errorMessage, keyOption, serverUrl, Usage, type Io } from './usage.js';
import { RecordLogKeyStore } from '../records/log-key-store.js';

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
      json: { type: 'boolean' },
    },
  });
  const out = new Findings(io, values.json === true);
  if ([values['data-dir'], values.server, values.archive].filter((v) => v !== undefined).length > 1) throw new Usage('give one of --data-dir, --server and --archive');
  const pinned = await keyOption(values);
  if (values['tsa-cert'] !== undefined && values.archive === undefined) throw new Usage('--tsa-cert goes with --archive');
  if (values.archive !== undefined) return auditArchive(values.archive, pinned, await readTsaCertificates(values['tsa-cert'] ?? [], (m) => new Usage(m)), out);
  const bar = out.progress('audit');
  const onProgress = (done: bigint, total: bigint) => bar.update(Number(done), Number(total));
  let report: AuditReport;
  try {
    report = await auditLog(values, pinned, onProgress, out);
  } finally {
    bar.stop();
  }
  bar.done(Number(report.entries), Number(report.entries));
  out.report(report);
  return out.end(report);
}

/** The audit of a running server (--server) or a stopped store (--data-dir). */
async function auditLog(
  values: { server?: string | undefined; 'data-dir'?: string | undefined },
  pinned: TrustedKey[] | undefined,
  onProgress: (done: bigint, total: bigint) => void,
  out: Findings,
): Promise<AuditReport> {
  let report: AuditReport;
  if (values.server !== undefined) {
    const base = serverUrl(values.server);
    const src = httpAuditSource(base.toString());
    try {
      const verifierKeys = await httpExportSource(base.toString()).keys();
      const served = pinned === undefined ? await src.key() : undefined;
      if (served !== undefined) out.note(`note: using the key the server serves (${served}); pin it with --key`);
      const pin = served !== undefined ? { key: served } : pinAudit(pinned!, verifierKeys, await src.latestHeight());
      report = 'report' in pin ? pin.report : await audit(src, { verifierKey: pin.key, verifierKeys, sha256: nodeSha256, onProgress });
    } catch (e) {
      // Not a finding about the log: the server could not be read (down, refused, answered 5xx).
      throw new CannotRun(`audit could not complete: cannot read ${base.origin}: ${errorMessage(e)}`);
    }
  } else {
    const dir = values['data-dir'] ?? process.env.DATA_DIR ?? './store';
    const store = await openStore(dir);
    try {
      // The key file holds no origin: take the name block 0 was signed for.
      const origin = (await store.getBlock(0n))?.checkpoint.split('\n', 1)[0];
      const history = await loadKeyHistory(new RecordLogKeyStore(store));
      const head = await store.loadHead();
      let pin: { key?: string; report?: AuditReport };
      if (pinned !== undefined) {
        // No history: one key signs every block; the pinned key that signed the latest is the log's.
        const latest = head !== undefined ? await store.getBlock(head.height) : undefined;
        const signer = pinned.find((p) => latest !== undefined && isSignedBy(latest.checkpoint, p.key)) ?? pinned[0]!;
        pin = pinAudit(pinned, history.length > 0 ? history : [{ key: signer.key, firstHeight: 0n }], head?.height ?? 0n);
      } else {
        // As the server reads it: LOG_KEY_FILE, else DATA_DIR/log-key.pem.
        const keyFile = process.env.LOG_KEY_FILE;
        pin = { key: await readVerifierKey(dir, { ...(origin !== undefined ? { origin } : {}), ...(keyFile ? { keyFile } : {}) }) };
      }
      if (pin.report !== undefined) report = pin.report;
      else if (pin.key === undefined) throw new CannotRun(`no log key in ${dir}; give --key or --key-file (or set LOG_KEY_FILE)`);
      else report = await audit(levelAuditSource(store), { verifierKey: pin.key, ...(history.length > 0 ? { verifierKeys: history } : {}), sha256: nodeSha256, onProgress });
    } finally {
      await store.close();
    }
  }
  return report;
}

/** Opens a stopped server's store (LevelDB refuses a store a running server holds). */
export async function openStore(dir: string): Promise<LevelLogStore> {
  try {
    await access(join(dir, 'ledger'));
    return await LevelLogStore.open(join(dir, 'ledger'), { readOnly: true });
  } catch (e) {
    throw new CannotRun(`cannot open the store in ${dir} (is the server still running?): ${(e as Error).message}`);
  }
}

interface Problem {
  kind: 'entry' | 'block' | 'file';
  at?: number;
  file?: string;
  entry?: number;
  message: string;
}

/** What an audit found, printed as lines as it goes, or collected into one JSON object (--json). */
class Findings {
  private readonly problems: Problem[] = [];

  constructor(
    private readonly io: Io,
    private readonly json: boolean,
  ) {}

  /** A note on stderr (which key was used). */
  note(line: string): void {
    this.io.err(line);
  }

  progress(label: string): Progress {
    return this.json ? noProgress : progress(label);
  }

  /** A file of an archive that is not as its manifest or the log says. */
  file(e: ArchiveError): void {
    this.problems.push({ kind: 'file', file: e.file, ...(e.entry !== undefined ? { entry: Number(e.entry) } : {}), message: e.message });
    if (!this.json) this.io.out(`audit FAILED at file ${e.file}${e.entry !== undefined ? ` (entry ${e.entry})` : ''}: ${e.message}`);
  }

  /** The auditor's report; `where` names the archive file of its problem. */
  report(report: AuditReport, where?: string): void {
    const p = report.problem;
    if (p === undefined) return;
    this.problems.push({ kind: p.kind, at: Number(p.at), ...(where !== undefined ? { file: where } : {}), message: p.message });
    if (!this.json) this.io.out(`audit FAILED at ${p.kind} ${p.at}${where !== undefined ? ` (${where})` : ''}: ${p.message}`);
  }

  /** The last line (or the JSON object) and the exit code: 0 when nothing was found, else 1. */
  end(report?: AuditReport): number {
    const ok = this.problems.length === 0 && report?.ok === true;
    if (this.json) {
      this.io.out(
        JSON.stringify({ ok, ...(report !== undefined ? { blocks: Number(report.blocks), entries: Number(report.entries) } : {}), problems: this.problems }),
      );
    } else if (ok) this.io.out(`audit ok: ${report!.blocks} blocks, ${report!.entries} entries`);
    return ok ? 0 : 1;
  }
}

/**
 * The key to pin an audit to when the user pinned keys (`--key`, `--key-file`), or a failed
 * report when they do not fit the log's key history (log-keys.ts checkPinnedKeys).
 */
function pinAudit(pinned: readonly TrustedKey[], history: readonly LogKeyRange[], latestHeight: bigint): { key: string } | { report: AuditReport } {
  const checked = checkPinnedKeys(pinned, history, latestHeight);
  if ('key' in checked) return checked;
  return { report: { ok: false, blocks: 0n, entries: 0n, problem: { kind: 'block', ...checked.problem } } };
}

async function auditArchive(path: string, pinned: TrustedKey[] | undefined, tsaPins: Uint8Array[], out: Findings): Promise<number> {
  try {
    await access(path);
  } catch {
    throw new CannotRun(`cannot read ${path}`);
  }
  const fail = (e: ArchiveError) => {
    out.file(e);
    return out.end();
  };
  const hashing = out.progress('check');
  let archive;
  try {
    archive = await openArchive(path, nodeSha256, (d, t) => hashing.update(d, t));
  } catch (e) {
    if (e instanceof ArchiveError) return fail(e);
    throw new CannotRun(`cannot read ${path}: ${(e as Error).message}`);
  } finally {
    hashing.stop();
  }
  try {
    const pin = pinned === undefined ? { key: archive.logKey } : pinAudit(pinned, archive.keys, await archive.source.latestHeight());
    if (pinned === undefined) out.note(`note: using the key in the archive's log.key (${archive.logKey}); pin it with --key`);
    if ('report' in pin) {
      out.report(pin.report);
      return out.end(pin.report);
    }
    const bar = out.progress('audit');
    let report: AuditReport;
    try {
      report = await audit(archive.source, {
        verifierKey: pin.key,
        verifierKeys: archive.keys,
        // --tsa-cert pins: then every token must chain to one of them. Without it, tokens are
        // checked against the archive's own tsa-cert.pem when they chain to it, else as carried.
        ...(tsaPins.length > 0 ? { tsaCertificates: tsaPins, tsaPinned: true } : { tsaCertificates: archive.tsaCertificates }),
        sha256: nodeSha256,
        onProgress: (done, total) => bar.update(Number(done), Number(total)),
      });
      bar.done(Number(report.entries), Number(report.entries));
      if (report.ok) archive.checkInfo(report);
    } catch (e) {
      bar.stop();
      // A file the log cannot be read from: the first changed file names it if there is one.
      if (e instanceof ArchiveError) {
        if (archive.mismatches[0] !== undefined && archive.mismatches[0].file !== e.file.split(' ')[0]) out.file(archive.mismatches[0]);
        return fail(e);
      }
      throw e;
    }
    // The changed file first; then what the log audit found in it, if anything.
    const first = archive.mismatches[0];
    if (first !== undefined) out.file(first);
    if (!report.ok) out.report(report, archive.locate(report.problem!));
    return out.end(report);
  } catch (e) {
    if (e instanceof ArchiveError) return fail(e);
    throw e;
  } finally {
    await archive.close();
  }
}
