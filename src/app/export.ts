/**
 * Export: the whole public log as one archive (docs/ARCHIVE.md) — every block's signed
 * checkpoint, the entries, the blocks' RFC 3161 replies, the log's verifier keys, the built-in
 * TSA's certificate and the public registry — with a manifest of every file's size and SHA-256.
 * Nothing private (accounts, deposit metadata and salts, keys) is ever read. The export is a
 * snapshot at the latest block when it starts; blocks committed meanwhile are left out.
 */
import { toBase64, toHex, utf8 } from '../core/bytes.js';
import { parseCheckpointBody } from '../core/checkpoint.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { TreeHasher } from '../core/merkle.js';
import { parseNoteUnverified } from '../core/note.js';
import * as F from './archive-format.js';
import { keyHistoryJson, type LogKeyRange } from './log-keys.js';

/** What an export reads. Implementations read only public data. */
export interface ExportSource {
  latestHeight(): Promise<bigint>;
  /** The signed checkpoint note of block `height`. */
  checkpoint(height: bigint): Promise<string>;
  /** Entries [start, start+count), in order; MUST return all of them (they are below the latest block's size). */
  getEntries(start: bigint, count: number): Promise<Uint8Array[]>;
  /** The block's stored RFC 3161 reply (DER TimeStampResp), undefined when it has none. */
  timestamp(height: bigint): Promise<Uint8Array | undefined>;
  /** The log's verifier keys, oldest first (at least the current one). */
  keys(): Promise<LogKeyRange[]>;
  /** The built-in TSA's certificate (PEM), if the log has one. */
  tsaCertificate(): Promise<string | undefined>;
  /** Public registry entries (JSON text) after `after`, in number order; `next` when there may be more. */
  registry(after: string | undefined): Promise<{ entries: string[]; next?: string }>;
}

/** Where the archive's files go, in order. */
export interface ArchiveSink {
  add(name: string, data: Uint8Array): Promise<void>;
}

export interface ExportOptions {
  sha256: Sha256;
  now: () => number;
  /** `data-dir` or `server`: recorded in log.json. */
  exportedFrom: string;
  /** Blocks read at once (a server source gains from a few in flight). */
  parallel?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function exportLog(src: ExportSource, sink: ArchiveSink, opts: ExportOptions): Promise<F.ArchiveInfo> {
  const files: F.ManifestFile[] = [];
  const add = async (name: string, data: Uint8Array) => {
    await sink.add(name, data);
    files.push({ path: name, size: data.length, sha256: toHex(opts.sha256(data)) });
  };
  const height = await src.latestHeight();
  const top = parseCheckpointBody(parseNoteUnverified(await src.checkpoint(height)).body);
  const total = Number(height) + 1 + Number(top.treeSize);
  let done = 0;
  const tick = (n: number) => opts.onProgress?.((done += n), total);

  // Blocks: checkpoints and timestamps, a few read at once.
  const parallel = opts.parallel ?? 1;
  let timestamps = 0;
  for (let h = 0n; h <= height; h += BigInt(parallel)) {
    const hs: bigint[] = [];
    for (let k = h; k <= height && k < h + BigInt(parallel); k++) hs.push(k);
    const got = await Promise.all(hs.map(async (k) => ({ k, note: await src.checkpoint(k), ts: await src.timestamp(k) })));
    for (const { k, note, ts } of got) {
      await add(F.checkpointName(k), utf8(note));
      if (ts !== undefined) {
        await add(F.timestampName(k), ts);
        timestamps++;
      }
    }
    tick(got.length);
  }

  // Entries, in files of ENTRIES_PER_FILE lines.
  const hasher = new TreeHasher(opts.sha256);
  for (let start = 0n; start < top.treeSize; start += BigInt(F.ENTRIES_PER_FILE)) {
    const count = Number(top.treeSize - start < BigInt(F.ENTRIES_PER_FILE) ? top.treeSize - start : BigInt(F.ENTRIES_PER_FILE));
    const lines: string[] = [];
    for (let off = 0; off < count; off += 1000) {
      const n = Math.min(1000, count - off);
      const batch = await src.getEntries(start + BigInt(off), n);
      if (batch.length !== n) throw new LogError('corrupt_store', `entries from ${start + BigInt(off)}: expected ${n}, read ${batch.length}`);
      batch.forEach((bytes, i) => lines.push(F.entryLine(start + BigInt(off + i), toBase64(bytes), hasher.hashLeaf(bytes))));
      tick(n);
    }
    await add(F.entriesName(start), utf8(lines.join('\n') + '\n'));
  }

  // The public registry.
  const registry: string[] = [];
  let after: string | undefined;
  do {
    const page = await src.registry(after);
    registry.push(...page.entries);
    after = page.next;
  } while (after !== undefined);
  await add(F.REGISTRY, utf8(registry.map((e) => e + '\n').join('')));

  // Keys and the TSA certificate.
  const keys = await src.keys();
  const logKey = keys[keys.length - 1]!.key;
  await add(F.LOG_KEY, utf8(logKey + '\n'));
  await add(F.LOG_KEYS, utf8(JSON.stringify(keyHistoryJson(keys), null, 2) + '\n'));
  const tsaCert = await src.tsaCertificate();
  if (tsaCert !== undefined) await add(F.TSA_CERT, utf8(tsaCert));

  const info: F.ArchiveInfo = {
    format: F.ARCHIVE_FORMAT,
    origin: top.origin,
    exportedAt: new Date(opts.now()).toISOString(),
    exportedFrom: opts.exportedFrom,
    height: Number(height),
    treeSize: Number(top.treeSize),
    logKey,
    entriesPerFile: F.ENTRIES_PER_FILE,
    timestamps,
    registryEntries: registry.length,
  };
  await add(F.INFO, utf8(F.formatInfo(info)));
  await sink.add(F.MANIFEST, utf8(F.formatManifest(files)));
  return info;
}
