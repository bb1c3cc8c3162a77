/**
 * The export archive's file names and the formats of its small files (docs/ARCHIVE.md). Shared
 * by the exporter and the archive reader, so both spell every name and line the same way.
 */
import { toHex } from '../core/bytes.js';

export const ARCHIVE_FORMAT = 'copyright-ledger-archive/1';
export const MANIFEST = 'manifest.json';
export const INFO = 'log.json';
export const LOG_KEY = 'log.key';
export const LOG_KEYS = 'log-keys.json';
export const TSA_CERT = 'tsa-cert.pem';
export const REGISTRY = 'registry.jsonl';
/** Entries per `entries/*.jsonl` file. */
export const ENTRIES_PER_FILE = 10_000;

export const checkpointName = (h: bigint) => `checkpoints/${h}.txt`;
export const timestampName = (h: bigint) => `timestamps/${h}.tsr`;
export const entriesName = (start: bigint) => `entries/${start.toString().padStart(12, '0')}.jsonl`;

export const CHECKPOINT_RE = /^checkpoints\/(0|[1-9][0-9]*)\.txt$/;
export const TIMESTAMP_RE = /^timestamps\/(0|[1-9][0-9]*)\.tsr$/;
export const ENTRIES_RE = /^entries\/([0-9]{12})\.jsonl$/;

/** One line of an entries file: `{"index":N,"entry":"<base64>","leafHash":"<hex>"}`. */
export function entryLine(index: bigint, entryBase64: string, leafHash: Uint8Array): string {
  return `{"index":${index},"entry":"${entryBase64}","leafHash":"${toHex(leafHash)}"}`;
}

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

/** manifest.json: one line per file, so `jq` and a diff both read it; the reader requires exactly this form. */
export function formatManifest(files: readonly ManifestFile[]): string {
  const lines = files.map((f) => JSON.stringify({ path: f.path, size: f.size, sha256: f.sha256 }));
  return `{"format":${JSON.stringify(ARCHIVE_FORMAT)},"files":[\n${lines.join(',\n')}\n]}\n`;
}

/** log.json: what the archive holds; every figure is checked against the files by `audit --archive`. */
export interface ArchiveInfo {
  format: string;
  origin: string;
  exportedAt: string;
  /** `data-dir` or `server`. */
  exportedFrom: string;
  height: number;
  treeSize: number;
  logKey: string;
  entriesPerFile: number;
  timestamps: number;
  registryEntries: number;
}

export function formatInfo(info: ArchiveInfo): string {
  const ordered: ArchiveInfo = {
    format: info.format,
    origin: info.origin,
    exportedAt: info.exportedAt,
    exportedFrom: info.exportedFrom,
    height: info.height,
    treeSize: info.treeSize,
    logKey: info.logKey,
    entriesPerFile: info.entriesPerFile,
    timestamps: info.timestamps,
    registryEntries: info.registryEntries,
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}
