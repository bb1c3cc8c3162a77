/**
 * `copyright-ledger ingest` (contract §7): batch deposits for platforms.
 *
 *     ingest <dir | manifest.jsonl> --server URL --api-key K [--concurrency N] [--hash-only | --upload]
 *            [--state F] [--out DIR] [--batch N]
 *
 * Works come from a directory walk (regular files; symlinks are not followed) or from a JSONL
 * manifest of `{"path","metadata"?,"externalId"?}` lines. Each file is hashed locally (SHA-256 and
 * SM3 in one streaming pass, at most N files at once) and deposited hash-only in batches of up to
 * 1,000 (POST /v1/deposits/batch), or uploaded one by one with --upload.
 *
 * Never twice: every item carries an externalId (default `<relative path>:<sha256>`), which the
 * server keeps idempotent per account, so re-sending a work returns its first deposit. The state
 * file (append-only JSONL, fsync'd after each batch) only saves the work of re-hashing and
 * re-sending what is known to be done: a crash or Ctrl-C at any point is resumed by running the
 * same command again. docs/UPLOADS.md describes the formats.
 */
import { createHash } from 'node:crypto';
import { close as closeCb, createReadStream, fstat as fstatCb, open as openCb, openAsBlob, read as readCb, statSync, type Stats } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { WorkMetadata } from '../http/metadata.js';
import { sharedSm3Pool, type Sm3Pool } from '../crypto/sm3-pool.js';
import { progress } from './progress.js';

export interface IngestIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export class IngestUsage extends Error {}

export const INGEST_USAGE = `  copyright-ledger ingest <dir | manifest.jsonl> --server URL --api-key K [--concurrency N]
                         [--hash-only | --upload] [--state F] [--out DIR] [--batch N]`;

export interface IngestOptions {
  source: string;
  server: string;
  apiKey: string;
  /** Files hashed (or uploaded, or certificates fetched) at once. Default 16. */
  concurrency: number;
  upload: boolean;
  /** Items per batch request (1..1000, default 1000). */
  batch: number;
  state?: string;
  out?: string;
  /** Stops the run at the next safe point (Ctrl-C). */
  signal?: AbortSignal;
  /** fetch to use (tests). */
  fetch?: typeof fetch;
  /** Progress bar stream (default stderr); null for none. */
  progress?: NodeJS.WriteStream | null;
}

export interface IngestSummary {
  total: number;
  /** Deposited in this run: new deposits, or the first deposit of an externalId the log already held. */
  deposited: number;
  /** Of those, new in this run (entry index at or past the tree size when the run started). */
  created: number;
  /** Skipped: the state file says they are done. */
  skipped: number;
  failures: { path: string; reason: string }[];
  interrupted: boolean;
}

/** One line of the state file: a work that is deposited (and, with --out, has its certificate written). */
export interface StateRecord {
  v: 1;
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
  sm3: string;
  externalId: string;
  id: string;
  index: number;
  block: number;
  /** Relative path of the certificate in --out, when one was written. */
  certificate?: string;
}

interface Work {
  /** As shown and stored in the state file: relative to the directory or manifest. */
  path: string;
  abs: string;
  metadata?: Record<string, unknown>;
  externalId?: string;
}

interface Hashed extends Work {
  size: number;
  mtimeMs: number;
  sha256: string;
  sm3: string;
  externalId: string;
}

interface DepositJson {
  id: string;
  index: number;
  sha256: string;
  sm3?: string;
  size?: number;
  block: number;
}

const MAX_EXTERNAL_ID = 512;
const SMALL_FILE = 1 << 20;
const MAX_ATTEMPTS = 8;

/** Parses the command line of `ingest`. Throws IngestUsage. */
export function parseIngestArgs(args: string[], env: NodeJS.ProcessEnv = process.env): IngestOptions {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      'api-key': { type: 'string' },
      concurrency: { type: 'string' },
      'hash-only': { type: 'boolean' },
      upload: { type: 'boolean' },
      state: { type: 'string' },
      out: { type: 'string' },
      batch: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new IngestUsage('ingest takes one directory or manifest.jsonl');
  if (values.server === undefined) throw new IngestUsage('--server URL is required');
  let server: URL;
  try {
    server = new URL(values.server);
  } catch {
    throw new IngestUsage('--server takes a URL');
  }
  if (server.protocol !== 'http:' && server.protocol !== 'https:') throw new IngestUsage('--server takes an http(s) URL');
  const apiKey = values['api-key'] ?? env.COPYRIGHT_LEDGER_API_KEY;
  if (apiKey === undefined || apiKey === '') throw new IngestUsage('--api-key K (or env COPYRIGHT_LEDGER_API_KEY) is required');
  if (values['hash-only'] && values.upload) throw new IngestUsage('give --hash-only or --upload, not both');
  const int = (v: string | undefined, name: string, def: number, max: number) => {
    if (v === undefined) return def;
    if (!/^[1-9][0-9]*$/.test(v) || Number(v) > max) throw new IngestUsage(`--${name} takes 1..${max}`);
    return Number(v);
  };
  return {
    source: positionals[0]!,
    server: server.toString(),
    apiKey,
    concurrency: int(values.concurrency, 'concurrency', 16, 256),
    upload: values.upload === true,
    batch: int(values.batch, 'batch', 1000, 1000),
    ...(values.state !== undefined ? { state: values.state } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
  };
}

/** The CLI command: parses, runs, prints the summary. Exit 0 all done, 1 failures, 2 usage, 130 interrupted. */
export async function ingestCommand(args: string[], io: IngestIo): Promise<number> {
  const opts = parseIngestArgs(args);
  const ac = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      io.err('\ninterrupted: finishing the batches in flight and saving the state (Ctrl-C again to quit at once)');
      ac.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  try {
    const summary = await runIngest({ ...opts, signal: ac.signal });
    printSummary(summary, io);
    if (summary.interrupted) return 130;
    return summary.failures.length > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function printSummary(s: IngestSummary, io: IngestIo): void {
  io.out(
    `ingest ${s.interrupted ? 'INTERRUPTED' : 'done'}: ${s.total} works, ${s.deposited} deposited (${s.created} new, ${s.deposited - s.created} already in the log), ` +
      `${s.skipped} skipped (in the state file), ${s.failures.length} failed`,
  );
  const shown = s.failures.slice(0, 100);
  for (const f of shown) io.out(`FAILED ${f.path}: ${f.reason}`);
  if (s.failures.length > shown.length) io.out(`… and ${s.failures.length - shown.length} more failures`);
  if (s.interrupted) io.out('run the same command again to resume');
}

/** Runs an ingest. Never throws for a single work: its failure is listed in the summary. */
export async function runIngest(opts: IngestOptions): Promise<IngestSummary> {
  const fetchImpl = opts.fetch ?? fetch;
  const base = opts.server.endsWith('/') ? opts.server : opts.server + '/';
  const summary: IngestSummary = { total: 0, deposited: 0, created: 0, skipped: 0, failures: [], interrupted: false };
  const signal = opts.signal;

  const source = resolve(opts.source);
  let srcStat;
  try {
    srcStat = await stat(source);
  } catch {
    throw new IngestUsage(`cannot read ${opts.source}`);
  }
  const outDir = opts.out !== undefined ? resolve(opts.out) : undefined;
  const statePath = opts.state !== undefined ? resolve(opts.state) : undefined;
  const exclude = (abs: string) => abs === statePath || (outDir !== undefined && (abs === outDir || abs.startsWith(outDir + sep)));

  const works: Work[] = [];
  if (srcStat.isDirectory()) {
    for (const rel of await walk(source, exclude)) works.push({ path: rel, abs: join(source, rel) });
  } else {
    const listed = await readManifest(source, summary);
    works.push(...listed);
  }
  summary.total = works.length + summary.failures.length;

  const state = await StateFile.open(statePath);
  // Certificates are written in a scratch folder, then renamed into place: a run killed mid-write
  // leaves its partial files there, and the next run clears them.
  const partialDir = outDir === undefined ? undefined : join(outDir, PARTIAL_DIR);
  if (outDir !== undefined && partialDir !== undefined) {
    await mkdir(outDir, { recursive: true });
    await rm(partialDir, { recursive: true, force: true });
    await mkdir(partialDir);
  }
  let partialSeq = 0;
  const pool = sharedSm3Pool();
  const bar = opts.progress === null ? undefined : progress('ingest', opts.progress ?? process.stderr);
  let finished = summary.failures.length;
  const tick = () => bar?.update(finished, summary.total);
  const fail = (path: string, reason: string) => {
    summary.failures.push({ path, reason });
    finished++;
    tick();
  };

  const api = new Api(base, opts.apiKey, fetchImpl);
  let startSize: number;
  try {
    startSize = Number((JSON.parse(await api.publicText('v1/blocks/latest')) as { treeSize: number }).treeSize);
  } catch (e) {
    await state.close();
    throw new IngestUsage(`cannot reach the server at ${opts.server}: ${message(e)}`);
  }

  /** Writes the certificate of a deposit to --out; returns its path relative to --out. */
  const writeCertificate = async (h: Hashed, depositId: string): Promise<string | undefined> => {
    if (outDir === undefined || partialDir === undefined) return undefined;
    const text = await api.text(`v1/deposits/${depositId}/certificate`);
    const rel = certificateName(h.path);
    const target = join(outDir, rel);
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(partialDir, `${process.pid}-${partialSeq++}.tmp`);
    await writeFile(tmp, text.endsWith('\n') ? text : text + '\n');
    await rename(tmp, target);
    return rel.split(sep).join('/');
  };

  /** After the server answered for these works: certificates, then one durable state write. */
  const settle = async (done: { h: Hashed; dep: DepositJson }[]) => {
    const records: StateRecord[] = [];
    await forEachLimit(done, opts.concurrency, async ({ h, dep }) => {
      if (dep.sha256 !== h.sha256 || (dep.sm3 !== undefined && dep.sm3 !== h.sm3)) {
        fail(h.path, `the server's deposit ${dep.id} names other hashes than the file's`);
        return;
      }
      let certificate: string | undefined;
      try {
        certificate = await writeCertificate(h, dep.id);
      } catch (e) {
        fail(h.path, `deposited as ${dep.id}, but the certificate could not be written: ${message(e)}`);
        return;
      }
      records.push({
        v: 1,
        path: h.path,
        size: h.size,
        mtimeMs: h.mtimeMs,
        sha256: h.sha256,
        sm3: h.sm3,
        externalId: h.externalId,
        id: dep.id,
        index: dep.index,
        block: dep.block,
        ...(certificate !== undefined ? { certificate } : {}),
      });
      summary.deposited++;
      if (dep.index >= startSize) summary.created++;
      finished++;
    });
    await state.append(records);
    tick();
  };

  /** Sends one batch; on a 400 it splits the batch to find the bad items. */
  const sendBatch = async (items: Hashed[]): Promise<void> => {
    if (items.length === 0) return;
    const body = {
      items: items.map((h) => ({
        sha256: h.sha256,
        sm3: h.sm3,
        size: h.size,
        externalId: h.externalId,
        ...(h.metadata !== undefined ? { metadata: h.metadata } : {}),
      })),
    };
    let res: { status: number; json: unknown };
    try {
      res = await api.json('POST', 'v1/deposits/batch', body);
    } catch (e) {
      for (const h of items) fail(h.path, message(e));
      return;
    }
    if (res.status === 201) {
      const deposits = (res.json as { deposits?: DepositJson[] }).deposits;
      if (!Array.isArray(deposits) || deposits.length !== items.length) {
        for (const h of items) fail(h.path, 'the server answered the batch with a malformed body');
        return;
      }
      await settle(items.map((h, i) => ({ h, dep: deposits[i]! })));
      return;
    }
    if (res.status === 400 && items.length > 1) {
      const mid = items.length >> 1;
      await sendBatch(items.slice(0, mid));
      await sendBatch(items.slice(mid));
      return;
    }
    for (const h of items) fail(h.path, problemText(res));
  };

  const uploadOne = async (h: Hashed): Promise<void> => {
    let res: { status: number; json: unknown };
    try {
      res = await api.upload(h);
    } catch (e) {
      fail(h.path, message(e));
      return;
    }
    if (res.status !== 201 && res.status !== 200) {
      fail(h.path, problemText(res));
      return;
    }
    await settle([{ h, dep: res.json as DepositJson }]);
  };

  // The pipeline: hash with bounded parallelism; hash-only works go out in batches (two requests
  // in flight at most), uploads one by one.
  let pending: Hashed[] = [];
  const inflight = new Set<Promise<void>>();
  const launch = (p: Promise<void>) => {
    const q = p.finally(() => inflight.delete(q));
    inflight.add(q);
  };
  const flush = async () => {
    const items = pending;
    pending = [];
    while (inflight.size >= 2) await Promise.race(inflight);
    launch(sendBatch(items));
  };

  bar?.update(0, summary.total);
  await forEachLimit(works, opts.concurrency, async (w) => {
    if (signal?.aborted) return;
    let h: Hashed;
    try {
      const known = state.get(w.path);
      const digests = await hashFile(w.abs, pool, (st) =>
        known !== undefined && known.size === st.size && known.mtimeMs === st.mtimeMs && (outDir === undefined || certificatePresent(outDir, known)),
      );
      if (digests === undefined) {
        summary.skipped++;
        finished++;
        tick();
        return;
      }
      const externalId = w.externalId ?? defaultExternalId(w.path, digests.sha256);
      h = { ...w, ...digests, externalId };
    } catch (e) {
      fail(w.path, `cannot hash: ${message(e)}`);
      return;
    }
    if (opts.upload) {
      await uploadOne(h);
      return;
    }
    pending.push(h);
    if (pending.length >= opts.batch) await flush();
  });
  if (!opts.upload && pending.length > 0) await flush();
  while (inflight.size > 0) await Promise.race(inflight);
  await state.close();
  if (partialDir !== undefined) await rm(partialDir, { recursive: true, force: true });
  summary.interrupted = signal?.aborted === true && finished < summary.total;
  bar?.done(finished, summary.total);
  return summary;
}

/** `<relative path>:<sha256>`, or `~<sha256 of the path>:<sha256>` when that would exceed 512 characters. */
export function defaultExternalId(path: string, sha256: string): string {
  const id = `${path}:${sha256}`;
  if (id.length <= MAX_EXTERNAL_ID) return id;
  return `~${createHash('sha256').update(path).digest('hex')}:${sha256}`;
}

/** Scratch folder under --out for certificates being written (cleared at every start). */
const PARTIAL_DIR = '.copyright-ledger-partial';

/** Where a work's certificate goes under --out: its path with `.certificate.json` added, kept inside --out. */
export function certificateName(path: string): string {
  const parts = path
    .split(/[\\/]+/)
    .filter((p) => p !== '' && p !== '.')
    .map((p) => (p === '..' ? '_' : p));
  if (parts[0] === PARTIAL_DIR) parts[0] = '_' + PARTIAL_DIR; // never inside the scratch folder
  return join(...(parts.length > 0 ? parts : ['_'])) + '.certificate.json';
}

function certificatePresent(outDir: string, r: StateRecord): boolean {
  if (r.certificate === undefined) return false;
  try {
    return statSync(join(outDir, r.certificate)).size > 0;
  } catch {
    return false;
  }
}

/** Regular files under `root`, as sorted '/'-separated relative paths. */
async function walk(root: string, exclude: (abs: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    const subdirs: string[] = [];
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (exclude(abs)) continue;
      if (e.isDirectory()) subdirs.push(abs);
      else if (e.isFile()) out.push(relative(root, abs).split(sep).join('/'));
    }
    for (const d of subdirs) await visit(d);
  };
  await visit(root);
  return out.sort();
}

async function readManifest(path: string, summary: IngestSummary): Promise<Work[]> {
  const text = await readFile(path, 'utf8');
  const base = dirname(path);
  const works: Work[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const where = `manifest line ${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      summary.failures.push({ path: where, reason: 'not JSON' });
      continue;
    }
    const o = (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {}) as Record<string, unknown>;
    if (typeof o.path !== 'string' || o.path === '') {
      summary.failures.push({ path: where, reason: '"path" is missing' });
      continue;
    }
    const w: Work = { path: o.path, abs: isAbsolute(o.path) ? o.path : join(base, o.path) };
    if (o.externalId !== undefined) {
      if (typeof o.externalId !== 'string' || o.externalId.length < 1 || o.externalId.length > MAX_EXTERNAL_ID) {
        summary.failures.push({ path: o.path, reason: `${where}: externalId must be 1..${MAX_EXTERNAL_ID} characters` });
        continue;
      }
      w.externalId = o.externalId;
    }
    if (o.metadata !== undefined) {
      const r = WorkMetadata.safeParse(o.metadata);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        summary.failures.push({ path: o.path, reason: `${where}: metadata.${issue.path.map(String).join('.')}: ${issue.message}` });
        continue;
      }
      w.metadata = o.metadata as Record<string, unknown>;
    }
    works.push(w);
  }
  return works;
}

interface FileDigests {
  sha256: string;
  sm3: string;
  size: number;
  mtimeMs: number;
}

const fsOpen = (path: string) => new Promise<number>((res, rej) => openCb(path, 'r', (e, fd) => (e ? rej(e) : res(fd))));
const fsFstat = (fd: number) => new Promise<Stats>((res, rej) => fstatCb(fd, (e, st) => (e ? rej(e) : res(st))));
const fsRead = (fd: number, buf: Buffer, pos: number) =>
  new Promise<number>((res, rej) => readCb(fd, buf, pos, buf.length - pos, pos, (e, n) => (e ? rej(e) : res(n))));
const fsClose = (fd: number) => new Promise<void>((res) => closeCb(fd, () => res()));

/**
 * SHA-256 and SM3 of a file in one pass. Small files are read whole (open, fstat, read, close:
 * the callback API costs far less per file than fs/promises); larger ones are streamed with SM3
 * on a worker. `skip` sees the file's stat first: true skips the file (resolves undefined).
 */
export async function hashFile(path: string, pool: Sm3Pool, skip?: (st: { size: number; mtimeMs: number }) => boolean): Promise<FileDigests | undefined> {
  const fd = await fsOpen(path);
  let st: Stats;
  try {
    st = await fsFstat(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    if (skip?.(st)) return undefined;
    if (st.size <= SMALL_FILE) {
      const buf = Buffer.allocUnsafe(st.size);
      let n = 0;
      while (n < buf.length) {
        const got = await fsRead(fd, buf, n);
        if (got === 0) break;
        n += got;
      }
      const data = buf.subarray(0, n);
      return {
        sha256: createHash('sha256').update(data).digest('hex'),
        sm3: createHash('sm3').update(data).digest('hex'),
        size: n,
        mtimeMs: st.mtimeMs,
      };
    }
  } finally {
    await fsClose(fd);
  }
  const sha = createHash('sha256');
  const sm3 = pool.start();
  let n = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      sha.update(chunk);
      n += chunk.length;
      const wait = sm3.update(chunk);
      if (wait !== undefined) await wait;
    }
    return { sha256: sha.digest('hex'), sm3: await sm3.digest(), size: n, mtimeMs: st.mtimeMs };
  } catch (e) {
    sm3.cancel();
    throw e;
  }
}

/** Runs `fn` over `items` with at most `limit` running at once. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(runners);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function problemText(res: { status: number; json: unknown }): string {
  const p = res.json as { code?: unknown; detail?: unknown } | undefined;
  return `HTTP ${res.status}` + (typeof p?.code === 'string' ? ` ${p.code}` : '') + (typeof p?.detail === 'string' ? `: ${p.detail}` : '');
}

/** The append-only state file: one StateRecord per line; the last record of a path wins. */
class StateFile {
  private constructor(
    private readonly records: Map<string, StateRecord>,
    private readonly handle: FileHandle | undefined,
  ) {}

  static async open(path: string | undefined): Promise<StateFile> {
    const records = new Map<string, StateRecord>();
    if (path === undefined) return new StateFile(records, undefined);
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw new IngestUsage(`cannot read the state file ${path}: ${message(e)}`);
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const r = JSON.parse(line) as StateRecord;
        if (r.v === 1 && typeof r.path === 'string' && typeof r.id === 'string') records.set(r.path, r);
      } catch {
        // A line cut short by a crash: that work is simply done again (idempotently).
      }
    }
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'a');
    // A crash may have left a partial last line: start on a fresh line.
    if (text.length > 0 && !text.endsWith('\n')) await handle.write('\n');
    return new StateFile(records, handle);
  }

  get(path: string): StateRecord | undefined {
    return this.records.get(path);
  }

  /** Appends records and fsyncs: once this resolves they survive a crash. */
  async append(records: StateRecord[]): Promise<void> {
    for (const r of records) this.records.set(r.path, r);
    if (this.handle === undefined || records.length === 0) return;
    await this.handle.write(records.map((r) => JSON.stringify(r) + '\n').join(''));
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle?.close();
  }
}

/** The server's API, with retries: 429/503 honour Retry-After; network errors back off. */
class Api {
  constructor(
    private readonly base: string,
    private readonly apiKey: string,
    private readonly fetchImpl: typeof fetch,
  ) {}

  private url(path: string): string {
    return new URL(path, this.base).toString();
  }

  private async request(make: () => Promise<Response>): Promise<Response> {
    let delay = 250;
    for (let attempt = 1; ; attempt++) {
      let res: Response | undefined;
      let error: unknown;
      try {
        res = await make();
      } catch (e) {
        error = e;
      }
      if (res !== undefined && res.status !== 429 && res.status !== 503) return res;
      if (attempt >= MAX_ATTEMPTS) {
        if (res !== undefined) return res;
        throw new Error(`cannot reach the server: ${message(error)}`);
      }
      let wait = delay;
      if (res !== undefined) {
        const ra = res.headers.get('retry-after');
        const secs = ra !== null && /^\d+$/.test(ra) ? Number(ra) : ra !== null ? (Date.parse(ra) - Date.now()) / 1000 : NaN;
        if (Number.isFinite(secs)) wait = Math.min(Math.max(secs * 1000, 0), 60_000);
        await res.arrayBuffer().catch(() => undefined);
      }
      delay = Math.min(delay * 2, 10_000);
      await sleep(wait);
    }
  }

  async json(method: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const text = JSON.stringify(body);
    const res = await this.request(() =>
      this.fetchImpl(this.url(path), {
        method,
        headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json' },
        body: text,
      }),
    );
    return { status: res.status, json: await res.json().catch(() => undefined) };
  }

  /** GET without credentials (public endpoints). */
  publicText(path: string): Promise<string> {
    return this.text(path, false);
  }

  async text(path: string, auth = true): Promise<string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth) headers.authorization = `Bearer ${this.apiKey}`;
    const res = await this.request(() => this.fetchImpl(this.url(path), { headers }));
    const text = await res.text();
    if (res.status !== 200) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      throw new Error(problemText({ status: res.status, json }));
    }
    return text;
  }

  async upload(h: Hashed): Promise<{ status: number; json: unknown }> {
    const res = await this.request(async () => {
      const form = new FormData();
      if (h.metadata !== undefined) form.set('metadata', JSON.stringify(h.metadata));
      form.set('file', await openAsBlob(h.abs), h.path.split('/').pop() ?? 'file');
      return this.fetchImpl(this.url('v1/deposits'), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          'idempotency-key': 'ingest-' + createHash('sha256').update(h.externalId).digest('hex'),
        },
        body: form,
      });
    });
    return { status: res.status, json: await res.json().catch(() => undefined) };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
