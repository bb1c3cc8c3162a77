/**
 * (t) the log as C2SP tiles (docs/TILES.md): what publishing into TILES_DIR costs batch deposits
 * (the same load as (c), with and without TILES_DIR), how large the directory gets, and how fast
 * the service serves tiles (GET of random full hash tiles, entry bundles and the checkpoint).
 * The service runs in its own process (server.ts); load from autocannon here; 127.0.0.1 only.
 */
import autocannon from 'autocannon';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBatchHttp, startServerChild, type BatchHttpFigures } from './http.js';
import { contentionWindow, dirSize, fmtInt, note, ownCpuMs, randomHexes, sleep, tempDir } from './util.js';

export interface TileServeFigure {
  what: string;
  reqPerSec: number;
  mibPerSec: number;
  p50: number;
  p99: number;
  non200: number;
}

export interface TilesFigures {
  batchWithout: BatchHttpFigures;
  batchWith: BatchHttpFigures;
  /** TILES_DIR after the run with it: entries published, bytes and files per 1,000,000 entries. */
  published: { entries: number; bytesPerEntry: number; filesPerMillion: number };
  serve: TileServeFigure[];
  treeSize: number;
  othersCores?: number;
}

/** The 3-digit-group tile index path (x001/x234/067). */
const indexPath = (n: number): string => {
  const d = String(n);
  const groups = d.padStart(Math.ceil(d.length / 3) * 3, '0').match(/.{3}/g)!;
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
};

function get(url: string, connections: number, seconds: number, path: () => string): Promise<autocannon.Result> {
  return new Promise((res, rej) => {
    autocannon({ url, connections, duration: seconds, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }] }, (err, r) => (err ? rej(err) : res(r)));
  });
}

export async function runTiles(opts: { seconds: number; warmupSeconds: number; fillEntries: number }): Promise<TilesFigures> {
  const C = { connections: 16, items: 1_000 };
  note(`(t) batch deposits without TILES_DIR (${C.connections} × ${C.items}-item batches)`);
  const batchWithout = await runBatchHttp({ ...C, seconds: opts.seconds, warmupSeconds: opts.warmupSeconds });
  const dir = await tempDir('cl-bench-tiles-');
  let batchWith: BatchHttpFigures;
  let published: TilesFigures['published'];
  try {
    process.env.BENCH_TILES_DIR = dir.path;
    note(`(t) the same with TILES_DIR=${dir.path}`);
    batchWith = await runBatchHttp({ ...C, seconds: opts.seconds, warmupSeconds: opts.warmupSeconds });
    // The service published everything before it stopped (a clean stop publishes the last blocks).
    const entries = Number((await readFile(join(dir.path, 'checkpoint'), 'utf8')).split('\n')[1]);
    const size = await dirSize(dir.path);
    published = { entries, bytesPerEntry: size.bytes / entries, filesPerMillion: (size.files / entries) * 1e6 };
  } finally {
    delete process.env.BENCH_TILES_DIR;
    await dir.remove();
  }

  // Readers of a tile log come from many addresses: the per-address read budget is off here.
  process.env.BENCH_RATE_LIMITS = 'false';
  const srv = await startServerChild().finally(() => delete process.env.BENCH_RATE_LIMITS);
  try {
    note(`(t) filling a service with ${fmtInt(opts.fillEntries)} entries to serve tiles from`);
    for (let done = 0; done < opts.fillEntries; done += 10_000) {
      const res = await fetch(`${srv.url}/v1/deposits/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${srv.apiKey}` },
        body: JSON.stringify({ items: randomHexes(10_000).map((sha256) => ({ sha256 })) }),
      });
      if (res.status !== 201) throw new Error(`fill: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
    const treeSize = (await srv.stats()).treeSize;
    const fullTiles = Math.floor(treeSize / 256);
    const random = () => Math.floor(Math.random() * fullTiles);
    const kinds: [string, () => string][] = [
      ['random full level-0 hash tiles (8 KiB)', () => `/tile/0/${indexPath(random())}`],
      ['random full entry bundles', () => `/tile/entries/${indexPath(random())}`],
      ['/checkpoint', () => '/checkpoint'],
    ];
    const serve: TileServeFigure[] = [];
    const cw = contentionWindow();
    const own0 = ownCpuMs();
    const before = await srv.stats();
    for (const [what, path] of kinds) {
      if (opts.warmupSeconds > 0) await get(srv.url, C.connections, opts.warmupSeconds, path);
      note(`(t) GET ${what}, ${C.connections} connections, ${opts.seconds} s`);
      const r = await get(srv.url, C.connections, opts.seconds, path);
      const ok = (r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats?.['200']?.count ?? 0;
      serve.push({ what, reqPerSec: ok / r.duration, mibPerSec: r.throughput.total / r.duration / 1048576, p50: r.latency.p50, p99: r.latency.p99, non200: r.requests.total - ok });
      note(`(t) ${fmtInt(ok / r.duration)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`);
      await sleep(200);
    }
    const after = await srv.stats();
    const serverMs = (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
    const others = cw.stop(ownCpuMs() - own0 + serverMs)?.othersCores;
    return { batchWithout, batchWith, published, serve, treeSize, ...(others !== undefined ? { othersCores: others } : {}) };
  } finally {
    await srv.stop();
  }
}

/** Report rows: [part, figure, value, target, verdict]. */
export function tilesRows(t: TilesFigures): [string, string, string, string, string][] {
  const rows: [string, string, string, string, string][] = [];
  const ratio = t.batchWith.durableEntriesPerSec / t.batchWithout.durableEntriesPerSec;
  rows.push(['(t)', 'HTTP batch durable entries/s without / with TILES_DIR', `${fmtInt(t.batchWithout.durableEntriesPerSec)} / ${fmtInt(t.batchWith.durableEntriesPerSec)} (${ratio.toFixed(2)}×)`, '', '']);
  rows.push(['(t)', '  p99 without / with TILES_DIR', `${t.batchWithout.load.latency.p99} / ${t.batchWith.load.latency.p99} ms`, '', '']);
  rows.push(['(t)', `TILES_DIR after ${fmtInt(t.published.entries)} entries: bytes/entry, files per 1M entries`, `${t.published.bytesPerEntry.toFixed(0)}, ${fmtInt(t.published.filesPerMillion)}`, '', '']);
  for (const s of t.serve) rows.push(['(t)', `GET ${s.what} at ${fmtInt(t.treeSize)} entries: req/s, p50 / p99`, `${fmtInt(s.reqPerSec)}, ${s.p50} / ${s.p99} ms${s.non200 ? ` (${s.non200} not 200)` : ''}`, '', '']);
  if (t.othersCores !== undefined) rows.push(['(t)', '  others on the machine while serving (cores)', t.othersCores.toFixed(2), '', '']);
  return rows;
}
