/**
 * (p), second half: the service as real API processes over HTTP on 127.0.0.1.
 *
 *  - PostgreSQL, two processes (`node --import tsx src/main.ts`) on one throwaway loopback cluster
 *    (test/support/pg-cluster.ts) and one log key, TILES_DIR shared: batch deposits (1,000-item
 *    batches) and then single hash-only deposits, the clients split evenly across both processes;
 *    entries/s, req/s, p50/p99 per process, CPU of each process and of the PostgreSQL server (the
 *    postmaster and its backends, from /proc), which process sequenced.
 *    Then the same loads through the sequencer alone (the database without the hand-over).
 *  - LevelDB, one process, the same loads with the same total clients: the baseline, same run.
 *  - Read fan-out: random full level-0 hash tiles through a plain static file server
 *    (pg-static.ts) from the TILES_DIR the sequencer published, vs random inclusion proofs
 *    (`GET /v1/log/proof/inclusion`) from one service process (PostgreSQL follower; LevelDB).
 *  - Bytes per entry at the run's size: PostgreSQL relation sizes (after VACUUM ANALYZE), the
 *    LevelDB directory after a clean stop, the published TILES_DIR.
 *
 * Bounded in time (every load has a fixed duration, every wait a deadline); every child is
 * SIGTERMed then SIGKILLed in `finally`, and again by a process 'exit' hook; temp dirs go with util's hook.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { tilePath } from '../../src/core/tile-paths.js';
import { startPgCluster } from '../../test/support/pg-cluster.js';
import { GENEROUS_LIMITS } from '../../test/support/limits.js';
import { load, summarizeLoad, type LoadResult } from './http.js';
import { contentionWindow, dirSize, fmtInt, note, ownCpuMs, randomHexes, sleep, tempDir } from './util.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TICK_MS = 10; // USER_HZ = 100

// ---------------------------------------------------------------------------------------------
// Processes.

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // gone already
    }
  }
});

// SIGTERM (e.g. `timeout`) ends the run through process.exit, so the 'exit' hooks above and in
// util.ts / pg-cluster.ts still kill the children, stop the cluster and remove the temp dirs.
if (process.listenerCount('SIGTERM') === 0) process.once('SIGTERM', () => process.exit(143));

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

interface Proc {
  name: string;
  url: string;
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return void live.delete(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}

/**
 * `node --import tsx src/main.ts` on a free port of 127.0.0.1; ready once /healthz answers. The
 * access log (LOG_LEVEL=info, as deployed) goes to /dev/null as in scripts/bench/server.ts; the
 * request budgets are out of reach (the limiter still runs).
 */
async function startProc(name: string, dataDir: string, extra: Record<string, string>): Promise<Proc> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('RATE_') || ['NODE_OPTIONS', 'DATABASE_URL', 'LOG_KEY_FILE', 'TILES_DIR', 'ADMIN_API_KEY', 'TRUST_PROXY'].includes(k)) delete env[k];
  const port = await freePort();
  Object.assign(env, GENEROUS_LIMITS, { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', NODE_ENV: 'production', PUBLIC_URL: `http://127.0.0.1:${port}` }, extra);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited before it listened:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`${name} did not answer /healthz within 90 s:\n${stderr}`);
      const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      await sleep(200);
    }
  } catch (e) {
    await stopChild(child, 1_000);
    throw e;
  }
  return { name, url, pid: child.pid!, dataDir, stop: () => stopChild(child, 20_000) };
}

async function health(p: Proc): Promise<{ sequencer?: boolean; treeSize: number }> {
  return (await (await fetch(`${p.url}/healthz`)).json()) as { sequencer?: boolean; treeSize: number };
}

/** CPU time (user + system, ms) of a process, and of its reaped children. */
function procCpuMs(pid: number): { self: number; children: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
    return { self: (Number(f[11]) + Number(f[12])) * TICK_MS, children: (Number(f[13]) + Number(f[14])) * TICK_MS };
  } catch {
    return undefined;
  }
}

/** Resident set size of a process, MiB. */
function rssMiB(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** CPU ms of the PostgreSQL server: the postmaster, its live backends and the children it reaped. */
function pgServerCpuMs(postmaster: number): number {
  let total = 0;
  const pm = procCpuMs(postmaster);
  if (pm) total += pm.self + pm.children;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === postmaster) total += (Number(f[11]) + Number(f[12])) * TICK_MS;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Loads.

export interface ProcShare {
  name: string;
  sequencer?: boolean;
  /** CPU of this process during the load, in cores. */
  cores: number;
  /** Resident set size right after the load, MiB. */
  rssMiB?: number;
  load: LoadResult;
}

export interface HttpLoadFigures {
  what: 'batch' | 'single';
  itemsPerRequest: number;
  connections: number;
  seconds: number;
  /** 201 answers per second, all processes. */
  reqPerSec: number;
  /** Acknowledged entries per second, all processes. */
  entriesPerSec: number;
  treeGrowth: number;
  processes: ProcShare[];
  /** PostgreSQL server CPU (postmaster + backends), cores. */
  pgCores?: number;
  clientCores: number;
  othersCores?: number;
}

async function splitLoad(what: 'batch' | 'single', procs: Proc[], apiKey: string, connections: number, seconds: number, warmup: number, pgPid?: number): Promise<HttpLoadFigures> {
  const items = what === 'batch' ? 1_000 : 1;
  let pool: string[] = [];
  const body =
    what === 'batch'
      ? () => JSON.stringify({ items: randomHexes(items).map((sha256) => ({ sha256 })) })
      : () => {
          if (pool.length === 0) pool = randomHexes(4096);
          return `{"sha256":"${pool.pop()!}"}`;
        };
  const per = Math.max(1, Math.round(connections / procs.length));
  const common = (p: Proc, s: number) => ({ url: p.url, path: what === 'batch' ? '/v1/deposits/batch' : '/v1/deposits', apiKey, connections: per, seconds: s, body, timeoutS: what === 'batch' ? 60 : 10 });
  if (warmup > 0) await Promise.all(procs.map((p) => load(common(p, warmup))));
  const seq = await Promise.all(procs.map(health));
  const size0 = Math.max(...seq.map((h) => h.treeSize));
  const cpu0 = procs.map((p) => procCpuMs(p.pid)?.self ?? 0);
  const pg0 = pgPid === undefined ? 0 : pgServerCpuMs(pgPid);
  const cw = contentionWindow();
  const own0 = ownCpuMs();
  const t0 = Date.now();
  note(`(p) ${what}: ${procs.length} × ${per} clients${what === 'batch' ? ` × ${items}-item batches` : ''} for ${seconds} s → ${procs.map((p) => p.name).join(' + ')}`);
  const results = await Promise.all(procs.map((p) => load(common(p, seconds)).then((r) => summarizeLoad(r, 201))));
  const wallMs = Date.now() - t0;
  const clientMs = ownCpuMs() - own0;
  const cpu1 = procs.map((p) => procCpuMs(p.pid)?.self ?? 0);
  const rss = procs.map((p) => rssMiB(p.pid));
  const pgMs = pgPid === undefined ? 0 : pgServerCpuMs(pgPid) - pg0;
  const procMs = cpu1.reduce((s, c, i) => s + c - cpu0[i]!, 0);
  const othersCores = cw.stop(clientMs + procMs + pgMs)?.othersCores;
  // Let answers still in flight at the end land (and followers read the head) before reading the tree.
  await sleep(1_500);
  const size1 = Math.max(...(await Promise.all(procs.map(health))).map((h) => h.treeSize));
  const ok = results.reduce((s, r) => s + r.ok, 0);
  const fig: HttpLoadFigures = {
    what,
    itemsPerRequest: items,
    connections: per * procs.length,
    seconds,
    reqPerSec: ok / seconds,
    entriesPerSec: (ok * items) / seconds,
    treeGrowth: size1 - size0,
    processes: procs.map((p, i) => ({ name: p.name, ...(seq[i]!.sequencer !== undefined ? { sequencer: seq[i]!.sequencer } : {}), cores: (cpu1[i]! - cpu0[i]!) / wallMs, ...(rss[i] !== undefined ? { rssMiB: rss[i] } : {}), load: results[i]! })),
    ...(pgPid !== undefined ? { pgCores: pgMs / wallMs } : {}),
    clientCores: clientMs / wallMs,
    ...(othersCores !== undefined ? { othersCores } : {}),
  };
  if (fig.treeGrowth < ok * items) throw new Error(`(p) ${what}: acknowledged ${ok * items} entries but the tree grew by ${fig.treeGrowth}`);
  note(`(p) ${what}: ${fmtInt(fig.entriesPerSec)} entries/s, ${fmtInt(fig.reqPerSec)} req/s; ` + fig.processes.map((p) => `${p.name}${p.sequencer ? ' (sequencer)' : p.sequencer === false ? ' (follower)' : ''} p50 ${p.load.latency.p50} / p99 ${p.load.latency.p99} ms, ${p.cores.toFixed(2)} cores`).join('; ') + (fig.pgCores !== undefined ? `; PostgreSQL ${fig.pgCores.toFixed(2)} cores` : ''));
  return fig;
}

export interface ReadFigure {
  what: string;
  reqPerSec: number;
  mibPerSec: number;
  p50: number;
  p99: number;
  non200: number;
  serverCores: number;
}

function getLoad(url: string, connections: number, seconds: number, path: () => string): Promise<autocannon.Result> {
  return new Promise((res, rej) => {
    autocannon({ url, connections, duration: seconds, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }] }, (err, r) => (err ? rej(err) : res(r)));
  });
}

async function readLoad(what: string, url: string, pid: number, connections: number, seconds: number, path: () => string): Promise<ReadFigure> {
  await getLoad(url, connections, 1, path);
  const c0 = procCpuMs(pid)?.self ?? 0;
  const t0 = Date.now();
  const r = await getLoad(url, connections, seconds, path);
  const cores = ((procCpuMs(pid)?.self ?? 0) - c0) / (Date.now() - t0);
  const codes = (r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  const ok = codes['200']?.count ?? 0;
  const fig = { what, reqPerSec: ok / r.duration, mibPerSec: r.throughput.average / 1048576, p50: r.latency.p50, p99: r.latency.p99, non200: r.requests.total - ok, serverCores: cores };
  note(`(p) read ${what}: ${fmtInt(fig.reqPerSec)} req/s, p50 ${fig.p50} / p99 ${fig.p99} ms, ${fig.serverCores.toFixed(2)} cores`);
  return fig;
}

async function startStatic(dir: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/bench/pg-static.ts')], { cwd: root, env: { ...process.env, BENCH_STATIC_ROOT: dir }, stdio: ['pipe', 'pipe', 'inherit'] });
  live.add(child);
  try {
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('static server: no url within 30 s')), 30_000);
      child.stdout!.setEncoding('utf8').once('data', (d: string) => {
        clearTimeout(timer);
        res((JSON.parse(d.split('\n')[0]!) as { url: string }).url);
      });
      child.once('exit', () => rej(new Error('static server exited')));
    });
    return { url, pid: child.pid!, stop: () => stopChild(child, 5_000) };
  } catch (e) {
    await stopChild(child, 1_000);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The part.

export interface PgProcsFigures {
  pg: { batch: HttpLoadFigures; single: HttpLoadFigures; batchOne: HttpLoadFigures; singleOne: HttpLoadFigures; entries: number; bytesPerEntry: number; bytesByTable: Record<string, number> };
  level: { batch: HttpLoadFigures; single: HttpLoadFigures; entries: number; bytesPerEntry: number };
  tiles: { entries: number; bytesPerEntry: number; files: number };
  reads: { staticTiles: ReadFigure; pgProofs: ReadFigure; levelProofs: ReadFigure; treeSize: number };
}

export interface PgProcsOptions {
  seconds: number;
  warmupSeconds: number;
  readSeconds: number;
  batchConnections: number;
  singleConnections: number;
  readConnections: number;
}

async function createAccount(p: Proc): Promise<string> {
  const res = await fetch(`${p.url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bench', email: `bench-${p.pid}@example.com`, kind: 'organisation' }) });
  if (res.status !== 201) throw new Error(`account creation failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { apiKey: string }).apiKey;
}

const randomIndex = (n: number) => Math.floor(Math.random() * n);

export async function runPgProcs(opts: PgProcsOptions): Promise<PgProcsFigures> {
  const work = await tempDir('cl-bench-pgp-');
  try {
    const keyFile = join(work.path, 'log-key.pem');
    await writeFile(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
    const tilesDir = join(work.path, 'tiles');

    // PostgreSQL, two processes.
    note('(p) PostgreSQL: a throwaway cluster and two service processes');
    const cluster = await startPgCluster();
    let pgPart: PgProcsFigures['pg'];
    let tiles: PgProcsFigures['tiles'];
    let staticTiles: ReadFigure;
    let pgProofs: ReadFigure;
    let treeSize: number;
    let batch: HttpLoadFigures;
    let single: HttpLoadFigures;
    let batchOne: HttpLoadFigures;
    let singleOne: HttpLoadFigures;
    try {
      const url = await cluster.database();
      const postmaster = Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      const env = { DATABASE_URL: url, LOG_KEY_FILE: keyFile, TILES_DIR: tilesDir };
      const procs: Proc[] = [];
      try {
        procs.push(await startProc('A', join(work.path, 'a'), env));
        procs.push(await startProc('B', join(work.path, 'b'), env));
        const apiKey = await createAccount(procs[0]!);
        batch = await splitLoad('batch', procs, apiKey, opts.batchConnections, opts.seconds, opts.warmupSeconds, postmaster);
        single = await splitLoad('single', procs, apiKey, opts.singleConnections, opts.seconds, opts.warmupSeconds, postmaster);
        // The same loads through the sequencer alone: the database without the hand-over.
        const seqIdx = Math.max(0, (await Promise.all(procs.map(health))).findIndex((h) => h.sequencer === true));
        batchOne = await splitLoad('batch', [procs[seqIdx]!], apiKey, opts.batchConnections, opts.seconds, opts.warmupSeconds, postmaster);
        singleOne = await splitLoad('single', [procs[seqIdx]!], apiKey, opts.singleConnections, opts.seconds, opts.warmupSeconds, postmaster);
        treeSize = Math.max(...(await Promise.all(procs.map(health))).map((h) => h.treeSize));
        // The sequencer publishes the tiles in the background: wait (bounded) until it caught up.
        const deadline = Date.now() + 120_000;
        for (;;) {
          const published = await readFile(join(tilesDir, 'checkpoint'), 'utf8').then((t) => Number(t.split('\n')[1]), () => 0);
          if (published >= treeSize) break;
          if (Date.now() > deadline) throw new Error(`(p) TILES_DIR holds ${published} of ${treeSize} entries after 120 s`);
          await sleep(250);
        }
        const fullTiles = Math.floor(treeSize / 256);
        const st = await startStatic(tilesDir);
        try {
          staticTiles = await readLoad('static file server: random full level-0 tiles (8 KiB)', st.url, st.pid, opts.readConnections, opts.readSeconds, () => '/' + tilePath({ level: 0, index: BigInt(randomIndex(fullTiles)) }));
        } finally {
          await st.stop();
        }
        const follower = (await Promise.all(procs.map(health))).findIndex((h) => h.sequencer === false);
        const reader = procs[follower >= 0 ? follower : 1]!;
        pgProofs = await readLoad(`PostgreSQL, process ${reader.name} (follower): GET /v1/log/proof/inclusion`, reader.url, reader.pid, opts.readConnections, opts.readSeconds, () => `/v1/log/proof/inclusion?index=${randomIndex(treeSize)}&treeSize=${treeSize}`);
      } finally {
        for (const p of procs) await p.stop();
      }
      const size = await dirSize(tilesDir);
      tiles = { entries: treeSize, bytesPerEntry: size.bytes / treeSize, files: size.files };
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('VACUUM ANALYZE');
        const { rows } = await client.query<{ name: string; bytes: string }>("SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'");
        const total = rows.reduce((s, r) => s + Number(r.bytes), 0);
        const bytesByTable = Object.fromEntries(rows.filter((r) => Number(r.bytes) > 16_384).map((r) => [r.name, Number(r.bytes) / treeSize]));
        pgPart = { batch, single, batchOne, singleOne, entries: treeSize, bytesPerEntry: total / treeSize, bytesByTable };
      } finally {
        await client.end();
      }
      note(`(p) PostgreSQL: ${fmtInt(treeSize)} entries, ${pgPart.bytesPerEntry.toFixed(0)} bytes/entry; TILES_DIR ${tiles.bytesPerEntry.toFixed(0)} bytes/entry, ${fmtInt(tiles.files)} files`);
    } finally {
      await cluster.stop();
    }

    // LevelDB, one process, the same loads.
    note('(p) LevelDB: one service process, the same loads');
    const levelDir = join(work.path, 'level');
    const lp = await startProc('L', levelDir, { LOG_KEY_FILE: keyFile });
    let levelPart: PgProcsFigures['level'];
    let levelProofs: ReadFigure;
    try {
      const apiKey = await createAccount(lp);
      const batch = await splitLoad('batch', [lp], apiKey, opts.batchConnections, opts.seconds, opts.warmupSeconds);
      const single = await splitLoad('single', [lp], apiKey, opts.singleConnections, opts.seconds, opts.warmupSeconds);
      const n = (await health(lp)).treeSize;
      levelProofs = await readLoad('LevelDB, one process: GET /v1/log/proof/inclusion', lp.url, lp.pid, opts.readConnections, opts.readSeconds, () => `/v1/log/proof/inclusion?index=${randomIndex(n)}&treeSize=${n}`);
      levelPart = { batch, single, entries: n, bytesPerEntry: 0 };
    } finally {
      await lp.stop();
    }
    levelPart.bytesPerEntry = (await dirSize(join(levelDir, 'ledger'))).bytes / levelPart.entries;
    note(`(p) LevelDB: ${fmtInt(levelPart.entries)} entries, ${levelPart.bytesPerEntry.toFixed(0)} bytes/entry`);
    return { pg: pgPart, level: levelPart, tiles, reads: { staticTiles, pgProofs, levelProofs, treeSize } };
  } finally {
    await work.remove();
  }
}

type Row = [part: string, figure: string, value: string, target: string, verdict: string];

/** Report rows of the two-process part. */
export function pgProcsRows(f: PgProcsFigures): Row[] {
  const rows: Row[] = [];
  const role = (p: ProcShare) => (p.sequencer === true ? ' seq' : p.sequencer === false ? ' fol' : '');
  const load = (store: string, x: HttpLoadFigures) => {
    const others = x.othersCores === undefined ? '' : `, others ${x.othersCores.toFixed(2)} cores`;
    const label = x.what === 'batch' ? `HTTP batch (${x.connections} × ${fmtInt(x.itemsPerRequest)} items) entries/s` : `HTTP single deposits (${x.connections} clients) req/s`;
    rows.push(['(p)', `${store}: ${label}${others}`, fmtInt(x.entriesPerSec), '', '']);
    rows.push(['(p)', `  p50 / p99 ms, CPU cores (RSS) by process${x.pgCores !== undefined ? ' + PostgreSQL' : ''}`, x.processes.map((p) => `${p.name}${role(p)} ${p.load.latency.p50}/${p.load.latency.p99} ms ${p.cores.toFixed(2)}${p.rssMiB !== undefined ? ` ${p.rssMiB.toFixed(0)} MiB` : ''}`).join('; ') + (x.pgCores !== undefined ? `; pg ${x.pgCores.toFixed(2)}` : ''), '', '']);
  };
  load('pg, 2 processes', f.pg.batch);
  load('pg, 2 processes', f.pg.single);
  load('pg, sequencer alone', f.pg.batchOne);
  load('pg, sequencer alone', f.pg.singleOne);
  load('level, 1 process', f.level.batch);
  load('level, 1 process', f.level.single);
  rows.push(['(p)', `bytes/entry at ${fmtInt(f.pg.entries)} / ${fmtInt(f.level.entries)} entries: pg / level / TILES_DIR`, `${f.pg.bytesPerEntry.toFixed(0)} / ${f.level.bytesPerEntry.toFixed(0)} / ${f.tiles.bytesPerEntry.toFixed(0)}`, '', '']);
  for (const r of [f.reads.staticTiles, f.reads.pgProofs, f.reads.levelProofs]) rows.push(['(p)', `read ${r.what}`, `${fmtInt(r.reqPerSec)} req/s, ${r.p50}/${r.p99} ms, ${r.serverCores.toFixed(2)} cores`, '', '']);
  return rows;
}
