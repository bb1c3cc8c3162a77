/**
 * Certificates of ingested works under --out: fetched many at once (POST /v1/certificates, up to
 * 1,000 ids per request; per deposit with GET when the server does not have that route), each
 * written to a scratch folder and renamed into place, so a run killed mid-write leaves only
 * partial files there, which the next run clears.
 */
import { renameSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { problemText, type Api } from './api.js';
import { message, type StateRecord } from './types.js';

/** Most ids in one POST /v1/certificates. */
export const MAX_CERTIFICATES_PER_REQUEST = 1_000;

/** Scratch folder under --out for certificates being written (cleared at every start). */
export const PARTIAL_DIR = '.copyright-ledger-partial';

/** Where a work's certificate goes under --out: its path with `.certificate.json` added, kept inside --out. */
export function certificateName(path: string): string {
  const parts = path
    .split(/[\\/]+/)
    .filter((p) => p !== '' && p !== '.')
    .map((p) => (p === '..' ? '_' : p));
  if (parts[0] === PARTIAL_DIR) parts[0] = '_' + PARTIAL_DIR; // never inside the scratch folder
  return join(...(parts.length > 0 ? parts : ['_'])) + '.certificate.json';
}

/** True when the state record names a certificate that is there (non-empty) under `outDir`. */
export function certificatePresent(outDir: string, r: StateRecord): boolean {
  if (r.certificate === undefined) return false;
  try {
    return statSync(join(outDir, r.certificate)).size > 0;
  } catch {
    return false;
  }
}

/** Each deposit's certificate JSON text, or an Error saying why there is none. */
export type Fetched = Map<string, string | Error>;

/**
 * The certificates of `ids` (distinct, at most 1,000): one POST /v1/certificates. Each text is
 * the certificate exactly as GET /v1/deposits/{id}/certificate answers it (JSON texts re-serialize
 * to the same bytes). Throws when the request as a whole fails.
 */
export async function fetchCertificates(api: Api, ids: readonly string[]): Promise<Fetched> {
  const out: Fetched = new Map();
  if (ids.length === 0) return out;
  const res = await api.json('POST', 'v1/certificates', { ids });
  if (res.status === 404 && (res.json as { detail?: unknown } | undefined)?.detail === 'no route for POST /v1/certificates') {
    // A server from before POST /v1/certificates: one GET per deposit.
    await Promise.all(ids.map(async (id) => out.set(id, await api.text(`v1/deposits/${id}/certificate`).catch((e: unknown) => new Error(message(e))))));
    return out;
  }
  if (res.status !== 200) throw new Error(problemText(res));
  const items = (res.json as { certificates?: unknown } | undefined)?.certificates;
  if (!Array.isArray(items) || items.length !== ids.length) throw new Error('the server answered POST /v1/certificates with a malformed body');
  ids.forEach((id, i) => {
    const item = items[i] as { deposit?: { id?: unknown }; error?: { code?: unknown; title?: unknown } } | null;
    if (item?.deposit?.id === id) out.set(id, JSON.stringify(item));
    else if (item?.error !== undefined) out.set(id, new Error(`${String(item.error.code)}: ${String(item.error.title)}`));
    else out.set(id, new Error('the server answered with a certificate of another deposit'));
  });
  return out;
}

/** Writes certificates under --out through the scratch folder. */
export class CertificateFiles {
  private seq = 0;
  private readonly partialDir: string;
  /** Folders made in this run (each made once; a folder removed meanwhile fails its writes). */
  private readonly folders = new Set<string>();

  private constructor(readonly outDir: string) {
    this.partialDir = join(outDir, PARTIAL_DIR);
  }

  /** Creates --out and an empty scratch folder (clearing what an earlier run left there). */
  static async open(outDir: string): Promise<CertificateFiles> {
    const files = new CertificateFiles(outDir);
    await mkdir(outDir, { recursive: true });
    await rm(files.partialDir, { recursive: true, force: true });
    await mkdir(files.partialDir);
    return files;
  }

  /** Writes the certificate of the work at `path`; returns its path relative to --out, with `/`. */
  async write(path: string, text: string): Promise<string> {
    const rel = certificateName(path);
    const target = join(this.outDir, rel);
    const folder = dirname(target);
    if (!this.folders.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.folders.add(folder);
    }
    const tmp = join(this.partialDir, `${process.pid}-${this.seq++}.tmp`);
    // Synchronous: a certificate is a few KB, and open/write/close/rename on the event loop cost
    // less than four round trips through the thread pool each (measured: scripts/bench/certs.ts).
    writeFileSync(tmp, text.endsWith('\n') ? text : text + '\n');
    renameSync(tmp, target);
    return rel.split(sep).join('/');
  }

  /** Removes the scratch folder (the run is over). */
  async close(): Promise<void> {
    await rm(this.partialDir, { recursive: true, force: true });
  }
}
