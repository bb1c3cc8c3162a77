/**
 * (c) batch deposits and (d) single deposits over HTTP, against the service in a child process
 * (scripts/bench/server.ts), load from autocannon in this process. 127.0.0.1 only, bounded in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { BatchStats } from './instrument.js';
import type { FromServer, ToServer } from './server.js';
import { contentionWindow, fmtInt, note, ownCpuMs, randomHexes } from './util.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface ServerHandle {
  url: string;
  apiKey: string;
  pid: number;
  stats(): Promise<Extract<FromServer, { type: 'stats' }>>;
  stop(): Promise<number>;
}

/** Starts the service child (or `script`, speaking the same IPC protocol, with `env` added). `cpuProfDir`: run it under --cpu-prof. */
export async function startServerChild(opts: { cpuProfDir?: string; whatif?: ReadonlySet<string>; script?: string; env?: Record<string, string> } = {}): Promise<ServerHandle> {
  const args = ['--import', 'tsx'];
  if (opts.cpuProfDir) {
    mkdirSync(opts.cpuProfDir, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`);
  }
  args.push(opts.script ?? join(here, 'server.ts'));
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: resolve(here, '../..'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production', BENCH_WHATIF: [...(opts.whatif ?? [])].join(','), ...opts.env, BENCH_SERVER_ENV: JSON.stringify(opts.env ?? {}) },
  });
  const waiters: ((m: FromServer) => boolean)[] = [];
  child.on('message', (m: FromServer) => {
    const i = waiters.findIndex((w) => w(m));
    if (i >= 0) waiters.splice(i, 1);
  });
  const next = <T extends FromServer['type']>(type: T, timeoutMs: number): Promise<Extract<FromServer, { type: T }>> =>
    new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`server child: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        rej(new Error(`server child exited (${code}) before '${type}'`));
      };
      child.once('exit', onExit);
      waiters.push((m) => {
        if (m.type === 'error') {
          clearTimeout(timer);
          child.off('exit', onExit);
          rej(new Error(`server child failed: ${m.message}`));
          return true;
        }
        if (m.type !== type) return false;
        clearTimeout(timer);
        child.off('exit', onExit);
        res(m as Extract<FromServer, { type: T }>);
        return true;
      });
    });
  const send = (m: ToServer) => child.send(m);
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const ready = await next('ready', 60_000);
    let stopped: Promise<number> | undefined;
    return {
      url: ready.url,
      apiKey: ready.apiKey,
      pid: ready.pid,
      stats: () => {
        const p = next('stats', 30_000);
        send({ cmd: 'stats' });
        return p;
      },
      stop: () =>
        (stopped ??= (async () => {
          const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
          try {
            const p = next('stopped', 120_000);
            send({ cmd: 'stop' });
            const s = await p;
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
            clearTimeout(timer);
            return s.diskBytes;
          } finally {
            kill();
          }
        })()),
    };
  } catch (e) {
    kill();
    throw e;
  }
}

export interface LoadResult {
  seconds: number;
  connections: number;
  /** Responses with the expected status (201). */
  ok: number;
  okPerSec: number;
  otherStatus: Record<string, number>;
  errors: number;
  timeouts: number;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
}

export function summarizeLoad(r: autocannon.Result, expect: number): LoadResult {
  const codes = (r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  const ok = codes[String(expect)]?.count ?? 0;
  const otherStatus: Record<string, number> = {};
  for (const [code, v] of Object.entries(codes)) if (code !== String(expect)) otherStatus[code] = v.count;
  return {
    seconds: r.duration,
    connections: r.connections,
    ok,
    okPerSec: ok / r.duration,
    otherStatus,
    errors: r.errors,
    timeouts: r.timeouts,
    latency: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.average },
  };
}

export function load(opts: { url: string; path: string; apiKey: string; connections: number; seconds: number; body: () => string; timeoutS: number }): Promise<autocannon.Result> {
  return new Promise((res, rej) => {
    const inst = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        duration: opts.seconds,
        timeout: opts.timeoutS,
        requests: [
          {
            method: 'POST',
            path: opts.path,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.apiKey}` },
            setupRequest: (req) => ({ ...req, body: opts.body() }),
          },
        ],
      },
      (err, result) => (err ? rej(err) : res(result)),
    );
    void inst;
  });
}

export interface BatchHttpFigures {
  load: LoadResult;
  itemsPerRequest: number;
  /** 201-acknowledged items per second. */
  durableEntriesPerSec: number;
  /** Tree growth during the measured window (≥ acknowledged: requests still in flight at the end also land). */
  treeGrowth: number;
  server: { commits: number; meanCommitEntries: number; maxCommitEntries: number; writeBusyShare: number; cpuShare: number };
  /** CPU cores used by other processes on the machine meanwhile. */
  othersCores?: number;
  /** CPU of the load generator (this process), as cores. */
  clientCores: number;
}

export interface SingleHttpFigures {
  load: LoadResult;
  reqPerSec: number;
  p50: number;
  p99: number;
  server: { commits: number; meanCommitEntries: number; writeBusyShare: number; cpuShare: number };
  othersCores?: number;
  clientCores: number;
}

function serverDelta(a: Extract<FromServer, { type: 'stats' }>, b: Extract<FromServer, { type: 'stats' }>) {
  const s0: BatchStats = a.store;
  const s1: BatchStats = b.store;
  const commits = s1.commits - s0.commits;
  const wall = (b.uptime - a.uptime) * 1000;
  const cpu = (b.cpu.user - a.cpu.user + b.cpu.system - a.cpu.system) / 1000;
  return {
    commits,
    entries: s1.entries - s0.entries,
    meanCommitEntries: (s1.entries - s0.entries) / Math.max(1, commits),
    maxCommitEntries: s1.maxEntries,
    writeBusyShare: (s1.batchMs - s0.batchMs) / wall,
    /** Process CPU time / wall time (1.0 = one core busy; LevelDB threads included). */
    cpuShare: cpu / wall,
  };
}

export interface RunOpts {
  /** Added to the service child's environment. */
  env?: Record<string, string>;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  cpuProfDir?: string;
  whatif?: ReadonlySet<string>;
}

const childOpts = (o: RunOpts) => ({ ...(o.cpuProfDir ? { cpuProfDir: o.cpuProfDir } : {}), ...(o.whatif ? { whatif: o.whatif } : {}), ...(o.env ? { env: o.env } : {}) });

/** Warm-up, then one timed load against the child, with the server's and the machine's CPU accounted. */
type LoadOpts = Parameters<typeof load>[0];

export async function measured(part: string, what: string, srv: ServerHandle, common: Omit<LoadOpts, 'seconds'>, opts: RunOpts) {
  if (opts.warmupSeconds > 0) {
    note(`(${part}) warm-up ${opts.warmupSeconds} s`);
    await load({ ...common, seconds: opts.warmupSeconds });
  }
  const before = await srv.stats();
  note(`(${part}) ${what} for ${opts.seconds} s → ${srv.url}`);
  const cw = contentionWindow();
  const own0 = ownCpuMs();
  const r = summarizeLoad(await load({ ...common, seconds: opts.seconds }), 201);
  const clientMs = ownCpuMs() - own0;
  const after = await srv.stats();
  const d = serverDelta(before, after);
  const serverMs = (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
  const others = cw.stop(clientMs + serverMs)?.othersCores;
  const extra = { clientCores: clientMs / (r.seconds * 1000), ...(others !== undefined ? { othersCores: others } : {}) };
  return { r, d, extra, treeGrowth: after.treeSize - before.treeSize };
}

export async function runBatchHttp(opts: RunOpts & { items: number }): Promise<BatchHttpFigures> {
  const srv = await startServerChild(childOpts(opts));
  try {
    const body = () => JSON.stringify({ items: randomHexes(opts.items).map((sha256) => ({ sha256 })) });
    const common = { url: srv.url, path: '/v1/deposits/batch', apiKey: srv.apiKey, connections: opts.connections, body, timeoutS: 60 };
    const { r, d, extra, treeGrowth } = await measured('c', `${opts.connections} clients × ${opts.items}-item batches`, srv, common, opts);
    const fig: BatchHttpFigures = {
      load: r,
      itemsPerRequest: opts.items,
      durableEntriesPerSec: (r.ok * opts.items) / r.seconds,
      treeGrowth,
      server: { commits: d.commits, meanCommitEntries: d.meanCommitEntries, maxCommitEntries: d.maxCommitEntries, writeBusyShare: d.writeBusyShare, cpuShare: d.cpuShare },
      ...extra,
    };
    if (fig.treeGrowth < r.ok * opts.items) throw new Error(`acknowledged ${r.ok * opts.items} entries but the tree grew by ${fig.treeGrowth}`);
    note(`(c) ${fmtInt(fig.durableEntriesPerSec)} durable entries/s (${r.ok} × 201, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms)`);
    return fig;
  } finally {
    await srv.stop();
  }
}

export async function runSingleHttp(opts: RunOpts): Promise<SingleHttpFigures> {
  const srv = await startServerChild(childOpts(opts));
  try {
    // Fresh random hashes, made 4,096 at a time: cheap for the client.
    let pool: string[] = [];
    const body = () => {
      if (pool.length === 0) pool = randomHexes(4096);
      return `{"sha256":"${pool.pop()!}"}`;
    };
    const common = { url: srv.url, path: '/v1/deposits', apiKey: srv.apiKey, connections: opts.connections, body, timeoutS: 10 };
    const { r, d, extra, treeGrowth } = await measured('d', `${opts.connections} clients × single hash-only deposits`, srv, common, opts);
    const fig: SingleHttpFigures = {
      load: r,
      reqPerSec: r.okPerSec,
      p50: r.latency.p50,
      p99: r.latency.p99,
      server: { commits: d.commits, meanCommitEntries: d.meanCommitEntries, writeBusyShare: d.writeBusyShare, cpuShare: d.cpuShare },
      ...extra,
    };
    if (treeGrowth < r.ok) throw new Error(`acknowledged ${r.ok} deposits but the tree grew by ${treeGrowth}`);
    note(`(d) ${fmtInt(fig.reqPerSec)} req/s, p50 ${fig.p50} ms, p99 ${fig.p99} ms`);
    return fig;
  } finally {
    await srv.stop();
  }
}
