/**
 * Reads an export archive (docs/ARCHIVE.md) for `audit --archive`: checks its tar structure and
 * its manifest (every file listed once with its size and SHA-256, nothing unlisted), then serves
 * the log through the AuditSource port so the one auditor (app/audit.ts) checks every leaf,
 * node, root, checkpoint signature, the block chain, the key hand-overs and the timestamps.
 * Problems are thrown as ArchiveError naming the file (and entry index or line) they are in.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { toHex } from '../../core/bytes.js';
import { parseCheckpointBody } from '../../core/checkpoint.js';
import type { Sha256 } from '../../core/hash.js';
import { TreeHasher } from '../../core/merkle.js';
import { parseNoteUnverified, parseVerifierKey } from '../../core/note.js';
import { certificatesFromPem } from '../../core/pkix.js';
import type { AuditProblem, AuditSource } from '../../app/audit.js';
import * as F from '../../app/archive-format.js';
import { withLastHeights, type LogKeyRange } from '../../app/log-keys.js';
import type { BlockRecord } from '../../app/ports.js';
import { readMember, readTarIndex, TarError, type TarMember } from './tar.js';

/** A problem found in the archive: `file` names the member (with a line or offset when known). */
export class ArchiveError extends Error {
  constructor(
    readonly file: string,
    message: string,
    /** The entry index, when the problem is in an entry. */
    readonly entry?: bigint,
  ) {
    super(message);
  }
}

export interface OpenedArchive {
  source: AuditSource;
  info: F.ArchiveInfo;
  /** The verifier key in `log.key`. */
  logKey: string;
  keys: LogKeyRange[];
  tsaCertificates: Uint8Array[];
  /** Files whose bytes differ from the manifest, in manifest order (the audit still runs, to name the entry or block). */
  mismatches: ArchiveError[];
  /** The archive file an audit problem is in. */
  locate(problem: AuditProblem): string;
  /** Checks log.json against what the audit found. */
  checkInfo(report: { blocks: bigint; entries: bigint }): void;
  close(): Promise<void>;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function text(bytes: Uint8Array, file: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ArchiveError(file, 'not valid UTF-8');
  }
}

function json(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(text(bytes, file)) as unknown;
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(file, `not valid JSON (${(e as Error).message})`);
  }
}

async function hashMember(fh: FileHandle, m: TarMember, sha256: Sha256): Promise<string> {
  // Members are read whole: the largest (an entries file) is a few MiB.
  return toHex(sha256(await readMember(fh, m)));
}

/** Opens and checks the archive's structure and manifest; the log itself is checked by `audit` over `source`. */
export async function openArchive(path: string, sha256: Sha256, onProgress?: (done: number, total: number) => void): Promise<OpenedArchive> {
  const fh = await open(path, 'r');
  try {
    return await openChecked(fh, sha256, onProgress);
  } catch (e) {
    await fh.close();
    if (e instanceof TarError) throw new ArchiveError(e.where, e.message);
    throw e;
  }
}

async function openChecked(fh: FileHandle, sha256: Sha256, onProgress?: (done: number, total: number) => void): Promise<OpenedArchive> {
  const members = await readTarIndex(fh);
  const byName = new Map(members.map((m) => [m.name, m]));
  const read = async (name: string): Promise<Uint8Array> => {
    const m = byName.get(name);
    if (m === undefined) throw new ArchiveError(name, 'file is missing');
    return readMember(fh, m);
  };

  // The manifest: exactly the form the exporter writes, listing every other member once.
  const manifestBytes = await read(F.MANIFEST);
  const manifest = json(manifestBytes, F.MANIFEST) as { format?: unknown; files?: unknown } | null;
  if (manifest?.format !== F.ARCHIVE_FORMAT) throw new ArchiveError(F.MANIFEST, `format is not ${F.ARCHIVE_FORMAT}`);
  if (!Array.isArray(manifest.files)) throw new ArchiveError(F.MANIFEST, 'files is not a list');
  const files = manifest.files as F.ManifestFile[];
  for (const [i, f] of files.entries()) {
    const ok =
      typeof f === 'object' && f !== null && Object.keys(f).join() === 'path,size,sha256' && typeof f.path === 'string' && Number.isSafeInteger(f.size) && typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256);
    if (!ok) throw new ArchiveError(F.MANIFEST, `file ${i + 1} of the list is not {"path","size","sha256"}`);
  }
  if (text(manifestBytes, F.MANIFEST) !== F.formatManifest(files)) throw new ArchiveError(F.MANIFEST, 'not in the canonical form the exporter writes');
  const listed = new Set<string>();
  for (const f of files) {
    if (listed.has(f.path)) throw new ArchiveError(F.MANIFEST, `${f.path} is listed twice`);
    listed.add(f.path);
    const m = byName.get(f.path);
    if (m === undefined) throw new ArchiveError(F.MANIFEST, `lists ${f.path}, which is not in the archive`);
    if (m.size !== f.size) throw new ArchiveError(F.MANIFEST, `gives ${f.path} ${f.size} bytes; it has ${m.size}`);
  }
  for (const m of members) {
    if (m.name !== F.MANIFEST && !listed.has(m.name)) throw new ArchiveError(m.name, 'not listed in manifest.json');
    const known = [F.INFO, F.LOG_KEY, F.LOG_KEYS, F.TSA_CERT, F.REGISTRY].includes(m.name) || F.CHECKPOINT_RE.test(m.name) || F.TIMESTAMP_RE.test(m.name) || F.ENTRIES_RE.test(m.name);
    if (!known && m.name !== F.MANIFEST) throw new ArchiveError(m.name, 'not a file of the archive format');
  }
  const mismatches: ArchiveError[] = [];
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  let hashed = 0;
  for (const f of files) {
    if ((await hashMember(fh, byName.get(f.path)!, sha256)) !== f.sha256) mismatches.push(new ArchiveError(f.path, 'SHA-256 differs from manifest.json'));
    onProgress?.((hashed += f.size), totalBytes);
  }

  try {
    return await openLog(fh, members, byName, read, mismatches, sha256);
  } catch (e) {
    // A file that cannot be read as the format says: say when its bytes also differ from the manifest.
    const changed = e instanceof ArchiveError && mismatches.some((m) => m.file === e.file.split(' ')[0]);
    if (changed) throw new ArchiveError(e.file, `${e.message}; its SHA-256 differs from manifest.json`, e.entry);
    throw e;
  }
}

async function openLog(
  fh: FileHandle,
  members: TarMember[],
  byName: Map<string, TarMember>,
  read: (name: string) => Promise<Uint8Array>,
  mismatches: ArchiveError[],
  sha256: Sha256,
): Promise<OpenedArchive> {
  // log.json, the keys and the TSA certificate.
  const info = json(await read(F.INFO), F.INFO) as F.ArchiveInfo;
  const fields: [keyof F.ArchiveInfo, 'string' | 'number'][] = [
    ['format', 'string'], ['origin', 'string'], ['exportedAt', 'string'], ['exportedFrom', 'string'], ['height', 'number'],
    ['treeSize', 'number'], ['logKey', 'string'], ['entriesPerFile', 'number'], ['timestamps', 'number'], ['registryEntries', 'number'],
  ];
  for (const [k, type] of fields) {
    if (typeof info !== 'object' || info === null || typeof info[k] !== type || (type === 'number' && !Number.isSafeInteger(info[k]))) throw new ArchiveError(F.INFO, `${k} is not a ${type === 'number' ? 'whole number' : 'string'}`);
  }
  if (info.format !== F.ARCHIVE_FORMAT || text(await read(F.INFO), F.INFO) !== F.formatInfo(info)) throw new ArchiveError(F.INFO, 'not in the form the exporter writes');
  const logKey = text(await read(F.LOG_KEY), F.LOG_KEY);
  if (!logKey.endsWith('\n')) throw new ArchiveError(F.LOG_KEY, 'does not end with a newline');
  try {
    parseVerifierKey(logKey.slice(0, -1));
  } catch (e) {
    throw new ArchiveError(F.LOG_KEY, `not a verifier key (${(e as Error).message})`);
  }
  const keys = parseKeys(await read(F.LOG_KEYS));
  if (keys[keys.length - 1]!.key !== logKey.slice(0, -1)) throw new ArchiveError(F.LOG_KEYS, 'the last key is not the one in log.key');
  if (info.logKey !== logKey.slice(0, -1)) throw new ArchiveError(F.INFO, 'logKey differs from log.key');
  let tsaCertificates: Uint8Array[] = [];
  if (byName.has(F.TSA_CERT)) {
    try {
      tsaCertificates = certificatesFromPem(text(await read(F.TSA_CERT), F.TSA_CERT));
    } catch (e) {
      throw new ArchiveError(F.TSA_CERT, `not a PEM certificate (${(e as Error).message})`);
    }
  }
  checkRegistry(await read(F.REGISTRY), info);

  // Blocks and entries.
  let latest = -1n;
  let stamps = 0;
  const entryFiles: { start: bigint; member: TarMember }[] = [];
  for (const m of members) {
    const c = F.CHECKPOINT_RE.exec(m.name);
    if (c && BigInt(c[1]!) > latest) latest = BigInt(c[1]!);
    if (F.TIMESTAMP_RE.test(m.name)) stamps++;
    const e = F.ENTRIES_RE.exec(m.name);
    if (e) entryFiles.push({ start: BigInt(e[1]!), member: m });
  }
  for (const m of members) {
    const t = F.TIMESTAMP_RE.exec(m.name);
    if (t && !byName.has(F.checkpointName(BigInt(t[1]!)))) throw new ArchiveError(m.name, 'timestamp of a block the archive does not hold');
  }
  if (stamps !== info.timestamps) throw new ArchiveError(F.INFO, `says ${info.timestamps} timestamps, the archive holds ${stamps}`);
  entryFiles.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const entries = new EntryFiles(fh, entryFiles, sha256);

  const source: AuditSource = {
    latestHeight: async () => latest,
    async getBlock(h) {
      const name = F.checkpointName(h);
      if (!byName.has(name)) return undefined;
      return blockFromNote(h, text(await read(name), name));
    },
    getEntries: (start, count) => entries.get(start, count),
    hasEntry: async (index) => (await entries.get(index, 1)).length === 1,
    getTimestamp: async (h) => (byName.has(F.timestampName(h)) ? read(F.timestampName(h)) : undefined),
  };
  return {
    source,
    info,
    logKey: logKey.slice(0, -1),
    keys,
    tsaCertificates,
    mismatches,
    locate: (p) => (p.kind === 'block' ? `${F.checkpointName(p.at)}${/timestamp/.test(p.message) ? ` / ${F.timestampName(p.at)}` : ''}` : entries.fileOf(p.at)),
    checkInfo(report) {
      if (BigInt(info.height) !== report.blocks - 1n) throw new ArchiveError(F.INFO, `says height ${info.height}, the archive holds blocks 0..${report.blocks - 1n}`);
      if (BigInt(info.treeSize) !== report.entries) throw new ArchiveError(F.INFO, `says ${info.treeSize} entries, the archive holds ${report.entries}`);
    },
    close: () => fh.close(),
  };
}

/** A block record from its note alone; audit then checks the signature and every field. */
function blockFromNote(h: bigint, note: string): BlockRecord {
  try {
    const c = parseCheckpointBody(parseNoteUnverified(note).body);
    return { height: h, treeSize: c.treeSize, rootHash: c.rootHash, prevHash: c.prevHash, time: c.time, checkpoint: note };
  } catch {
    // Unreadable: the audit's signature check names it.
    return { height: h, treeSize: 0n, rootHash: new Uint8Array(32), prevHash: new Uint8Array(32), time: '', checkpoint: note };
  }
}

function parseKeys(bytes: Uint8Array): LogKeyRange[] {
  const body = json(bytes, F.LOG_KEYS) as { keys?: unknown } | null;
  const list = Array.isArray(body?.keys) ? (body.keys as ({ key?: unknown; firstHeight?: unknown } | null)[]) : [];
  if (list.length === 0) throw new ArchiveError(F.LOG_KEYS, 'no keys');
  const keys = list.map((k, i) => {
    if (typeof k !== 'object' || k === null || typeof k.key !== 'string' || !Number.isSafeInteger(k.firstHeight)) throw new ArchiveError(F.LOG_KEYS, `key ${i + 1} is not {"key","firstHeight"}`);
    try {
      parseVerifierKey(k.key);
    } catch (e) {
      throw new ArchiveError(F.LOG_KEYS, `key ${i + 1} is not a verifier key (${(e as Error).message})`);
    }
    return { key: k.key as string, firstHeight: BigInt(k.firstHeight as number) };
  });
  const ranges = withLastHeights(keys);
  if (text(bytes, F.LOG_KEYS) !== JSON.stringify({ keys: ranges.map((k) => ({ key: k.key, firstHeight: Number(k.firstHeight), ...(k.lastHeight !== undefined ? { lastHeight: Number(k.lastHeight) } : {}) })) }, null, 2) + '\n') {
    throw new ArchiveError(F.LOG_KEYS, 'not in the form the exporter writes (lastHeight must be the next key’s firstHeight)');
  }
  return ranges;
}

function checkRegistry(bytes: Uint8Array, info: F.ArchiveInfo): void {
  const lines = text(bytes, F.REGISTRY).split('\n');
  if (lines.pop() !== '') throw new ArchiveError(F.REGISTRY, 'does not end with a newline');
  let last = '';
  for (const [i, line] of lines.entries()) {
    const where = `${F.REGISTRY} line ${i + 1}`;
    let e: { number?: unknown };
    try {
      e = JSON.parse(line) as { number?: unknown };
    } catch {
      throw new ArchiveError(where, 'not valid JSON');
    }
    if (typeof e !== 'object' || e === null || typeof e.number !== 'string' || e.number <= last) throw new ArchiveError(where, 'not a registry entry in number order');
    if (JSON.stringify(e) !== line) throw new ArchiveError(where, 'not in the form the exporter writes');
    last = e.number;
  }
  if (lines.length !== info.registryEntries) throw new ArchiveError(F.INFO, `says ${info.registryEntries} registry entries, registry.jsonl holds ${lines.length}`);
}

/** The entries files, parsed one at a time (the auditor reads them in order). */
class EntryFiles {
  private cached: { start: bigint; entries: Uint8Array[] } | undefined;
  private readonly hasher: TreeHasher;

  constructor(
    private readonly fh: FileHandle,
    private readonly files: { start: bigint; member: TarMember }[],
    sha256: Sha256,
  ) {
    this.hasher = new TreeHasher(sha256);
  }

  fileOf(index: bigint): string {
    const f = this.files.filter((x) => x.start <= index).pop();
    return f === undefined ? 'entries/' : `${f.member.name} line ${index - f.start + 1n}`;
  }

  async get(start: bigint, count: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    while (out.length < count) {
      const at = start + BigInt(out.length);
      const f = this.files.filter((x) => x.start <= at).pop();
      if (f === undefined) break;
      const entries = await this.load(f);
      const off = Number(at - f.start);
      if (off >= entries.length) break;
      out.push(...entries.slice(off, off + count - out.length));
    }
    return out;
  }

  private async load(f: { start: bigint; member: TarMember }): Promise<Uint8Array[]> {
    if (this.cached?.start === f.start) return this.cached.entries;
    const name = f.member.name;
    const lines = text(await readMember(this.fh, f.member), name).split('\n');
    if (lines.pop() !== '') throw new ArchiveError(name, 'does not end with a newline');
    const entries = lines.map((line, i) => {
      const index = f.start + BigInt(i);
      const where = `${name} line ${i + 1}`;
      let e: { index?: unknown; entry?: unknown; leafHash?: unknown };
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        throw new ArchiveError(where, 'not valid JSON', index);
      }
      if (typeof e !== 'object' || e === null || e.index !== Number(index)) throw new ArchiveError(where, `index is not ${index}`, index);
      if (typeof e.entry !== 'string' || typeof e.leafHash !== 'string') throw new ArchiveError(where, 'not {"index","entry","leafHash"}', index);
      const bytes = new Uint8Array(Buffer.from(e.entry, 'base64'));
      if (Buffer.from(bytes).toString('base64') !== e.entry) throw new ArchiveError(where, 'entry is not canonical base64', index);
      const leaf = this.hasher.hashLeaf(bytes);
      if (line !== F.entryLine(index, e.entry, leaf)) {
        throw new ArchiveError(where, e.leafHash === toHex(leaf) ? 'not in the form the exporter writes' : 'leafHash does not match the entry', index);
      }
      return bytes;
    });
    // The next file starts where this one ends.
    const next = this.files[this.files.indexOf(f) + 1];
    if (next !== undefined && next.start !== f.start + BigInt(entries.length)) throw new ArchiveError(next.member.name, `starts at ${next.start}, not ${f.start + BigInt(entries.length)}`);
    this.cached = { start: f.start, entries };
    return entries;
  }
}
