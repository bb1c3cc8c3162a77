/**
 * (g) certificates/s and (h) platform ingest files/s with and without certificates, against the
 * service in a child process (scripts/bench/server.ts, RATE_LIMITS=false so the budgets sized
 * for one real client do not cap the load). 127.0.0.1 only, bounded in time, temp dirs removed.
 *
 * (g) `warm` deposits are made with batch deposits and left until the newest block has its RFC
 * 3161 token (every certificate is then final, so the cache may serve it), and asked for once. Then, with 16
 * connections (autocannon): GET /v1/deposits/{id}/certificate of random ids of that set, and
 * POST /v1/certificates of 1,000 random ids of it, and, as the floor of any authenticated route
 * on this server, GET /v1/accounts/me; certificates/s = 200 answers × certificates
 * per answer / s. Cold: `cold` fresh deposits (never asked for) fetched once each, 1,000 per
 * POST, 16 requests in flight, timed as a whole (what ingest meets: no cache hits).
 * (h) a corpus of small files (64 B–4 KiB, 100 folders) in a temp dir; `runIngest` in this
 * process against a fresh service child for each run: hash-only deposits without certificates,
 * then with --out (one POST /v1/certificates per batch of 1,000 works, every certificate written);
 * and, as the floor of the file system, the same number of certificate-sized files written alone.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { runIngest } from '../../src/adapters/cli/ingest.js';
import { startServerChild, type ServerHandle } from './http.js';
import { contentionWindow, fmtInt, note, ownCpuMs, randomHexes, sleep, tempDir } from './util.js';

const NO_LIMITS = { RATE_LIMITS: 'false' };

export interface CertLoad {
  seconds: number;
  requests: number;
  certificatesPerSec: number;
  p50: number;
  p99: number;
  otherStatus: Record<string, number>;
  errors: number;
}

export interface CertFigures {
  warmSet: number;
  connections: number;
  single: CertLoad;
  batch: CertLoad;
  /** The floor: GET /v1/accounts/me (authenticated, a small JSON answer) with the same client. */
  floor: CertLoad;
  /** GET on a service with CERTIFICATE_CACHE_BYTES=0: every certificate built from the store, as before the cache. */
  uncached: CertLoad;
  cold: { certificates: number; seconds: number; certificatesPerSec: number };
  certificateBytes: number;
  serverCores: { single: number; batch: number };
  othersCores?: { single?: number; batch?: number };
}

export interface IngestFigures {
  files: number;
  bytes: number;
  withoutCertificates: { seconds: number; filesPerSec: number; othersCores?: number };
  withCertificates: { seconds: number; filesPerSec: number; othersCores?: number; certificatesWritten: number };
  /** The floor of writing the certificates alone: as many 3.4 KB files through a scratch folder and rename, no HTTP. */
  writeOnly: { seconds: number; filesPerSec: number; cpuMsPerFile: number };
}

async function deposit(srv: ServerHandle, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let left = n; left > 0; left -= 1000) {
    const items = randomHexes(Math.min(1000, left)).map((sha256) => ({ sha256 }));
    const res = await fetch(`${srv.url}/v1/deposits/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${srv.apiKey}` }, body: JSON.stringify({ items }) });
    if (res.status !== 201) throw new Error(`batch deposit: ${res.status} ${await res.text()}`);
    ids.push(...((await res.json()) as { deposits: { id: string }[] }).deposits.map((d) => d.id));
  }
  return ids;
}

async function certificateText(srv: ServerHandle, id: string): Promise<string> {
  const res = await fetch(`${srv.url}/v1/deposits/${id}/certificate`, { headers: { authorization: `Bearer ${srv.apiKey}` } });
  if (res.status !== 200) throw new Error(`certificate ${id}: ${res.status}`);
  return res.text();
}

/** Waits until the certificate of the newest of `ids` carries its token: then every one of them is final. */
async function untilStamped(srv: ServerHandle, id: string): Promise<string> {
  const end = Date.now() + 60_000;
  for (;;) {
    const text = await certificateText(srv, id);
    if ((JSON.parse(text) as { timestamp?: unknown }).timestamp !== undefined) return text;
    if (Date.now() > end) throw new Error('no timestamp within 60 s');
    await sleep(200);
  }
}

function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((res, rej) => {
    autocannon(opts, (err, result) => (err ? rej(err) : res(result)));
  });
}

async function measuredLoad(srv: ServerHandle, opts: autocannon.Options, perRequest: number): Promise<{ load: CertLoad; serverCores: number; othersCores?: number }> {
  const before = await srv.stats();
  const cw = contentionWindow();
  const own0 = ownCpuMs();
  const r = await cannon(opts);
  const clientMs = ownCpuMs() - own0;
  const after = await srv.stats();
  const serverMs = (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
  const others = cw.stop(clientMs + serverMs)?.othersCores;
  const codes = (r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  const ok = codes['200']?.count ?? 0;
  const otherStatus: Record<string, number> = {};
  for (const [code, v] of Object.entries(codes)) if (code !== '200') otherStatus[code] = v.count;
  return {
    load: { seconds: r.duration, requests: ok, certificatesPerSec: (ok * perRequest) / r.duration, p50: r.latency.p50, p99: r.latency.p99, otherStatus, errors: r.errors },
    serverCores: serverMs / ((after.uptime - before.uptime) * 1000),
    ...(others !== undefined ? { othersCores: others } : {}),
  };
}

/** GET of random certificates of `n` stamped deposits on a service without the certificate cache. */
async function uncachedGet(opts: { warm: number; seconds: number; warmupSeconds: number; connections: number }): Promise<CertLoad> {
  const srv = await startServerChild({ env: { ...NO_LIMITS, CERTIFICATE_CACHE_BYTES: '0' } });
  try {
    note(`(g) without the cache (CERTIFICATE_CACHE_BYTES=0): ${fmtInt(opts.warm)} works, GET for ${opts.seconds} s`);
    const ids = await deposit(srv, opts.warm);
    await untilStamped(srv, ids[ids.length - 1]!);
    const pick = () => ids[Math.floor(Math.random() * ids.length)]!;
    const load = (seconds: number): autocannon.Options => ({
      url: srv.url,
      connections: opts.connections,
      duration: seconds,
      timeout: 30,
      requests: [{ method: 'GET', headers: { authorization: `Bearer ${srv.apiKey}` }, setupRequest: (req) => ({ ...req, path: `/v1/deposits/${pick()}/certificate` }) }],
    });
    await cannon(load(opts.warmupSeconds));
    const r = await measuredLoad(srv, load(opts.seconds), 1);
    note(`(g) ${fmtInt(r.load.certificatesPerSec)} certificates/s (GET, no cache)`);
    await sleep(1_000); // answers still in flight when the load stopped
    return r.load;
  } finally {
    await srv.stop();
  }
}

export async function runCertificates(opts: { warm: number; cold: number; seconds: number; warmupSeconds: number; connections: number }): Promise<CertFigures> {
  const uncached = await uncachedGet(opts);
  const srv = await startServerChild({ env: NO_LIMITS });
  try {
    note(`(g) depositing ${fmtInt(opts.warm)} + ${fmtInt(opts.cold)} works`);
    const warm = await deposit(srv, opts.warm);
    const cold = await deposit(srv, opts.cold);
    const sample = await untilStamped(srv, cold[cold.length - 1]!);
    const pick = () => warm[Math.floor(Math.random() * warm.length)]!;
    const headers = { authorization: `Bearer ${srv.apiKey}` };
    const single = (seconds: number): autocannon.Options => ({
      url: srv.url,
      connections: opts.connections,
      duration: seconds,
      timeout: 30,
      requests: [{ method: 'GET', headers, setupRequest: (req) => ({ ...req, path: `/v1/deposits/${pick()}/certificate` }) }],
    });
    const batchBody = () => JSON.stringify({ ids: Array.from({ length: 1000 }, pick) });
    const batch = (seconds: number): autocannon.Options => ({
      url: srv.url,
      connections: opts.connections,
      duration: seconds,
      timeout: 60,
      requests: [{ method: 'POST', path: '/v1/certificates', headers: { ...headers, 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: batchBody() }) }],
    });

    // Cold first (nothing of that set was asked for yet): 1,000 per request, 16 in flight.
    note(`(g) cold: ${fmtInt(cold.length)} certificates never asked for, 1,000 per POST /v1/certificates, ${opts.connections} in flight`);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: opts.connections }, async () => {
        while (next < cold.length) {
          const ids = cold.slice(next, (next += 1000));
          const res = await fetch(`${srv.url}/v1/certificates`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ ids }) });
          if (res.status !== 200) throw new Error(`POST /v1/certificates: ${res.status}`);
          await res.arrayBuffer();
        }
      }),
    );
    const coldSeconds = (performance.now() - t0) / 1000;

    note(`(g) warm-up: the ${fmtInt(warm.length)} warm certificates asked for once each, then ${opts.warmupSeconds} s of load`);
    for (let i = 0; i < warm.length; i += 1000) {
      const res = await fetch(`${srv.url}/v1/certificates`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ ids: warm.slice(i, i + 1000) }) });
      if (res.status !== 200) throw new Error(`POST /v1/certificates: ${res.status}`);
      await res.arrayBuffer();
    }
    await cannon(single(opts.warmupSeconds));
    note(`(g) GET /v1/deposits/{id}/certificate, ${opts.connections} clients, ${opts.seconds} s`);
    const s = await measuredLoad(srv, single(opts.seconds), 1);
    note(`(g) ${fmtInt(s.load.certificatesPerSec)} certificates/s (GET), p50 ${s.load.p50} ms, p99 ${s.load.p99} ms`);
    note(`(g) floor: GET /v1/accounts/me, ${opts.connections} clients, ${opts.seconds} s`);
    const f = await measuredLoad(srv, { ...single(opts.seconds), requests: [{ method: 'GET', path: '/v1/accounts/me', headers }] }, 1);
    note(`(g) ${fmtInt(f.load.certificatesPerSec)} req/s (GET /v1/accounts/me)`);
    note(`(g) POST /v1/certificates × 1,000 ids, ${opts.connections} clients, ${opts.seconds} s`);
    const b = await measuredLoad(srv, batch(opts.seconds), 1000);
    note(`(g) ${fmtInt(b.load.certificatesPerSec)} certificates/s (POST), p50 ${b.load.p50} ms, p99 ${b.load.p99} ms`);
    return {
      warmSet: warm.length,
      connections: opts.connections,
      single: s.load,
      batch: b.load,
      floor: f.load,
      uncached,
      cold: { certificates: cold.length, seconds: coldSeconds, certificatesPerSec: cold.length / coldSeconds },
      certificateBytes: Buffer.byteLength(sample),
      serverCores: { single: s.serverCores, batch: b.serverCores },
      othersCores: { ...(s.othersCores !== undefined ? { single: s.othersCores } : {}), ...(b.othersCores !== undefined ? { batch: b.othersCores } : {}) },
    };
  } finally {
    await srv.stop();
  }
}

/** `files` small files (64 B–4 KiB of random bytes) in 100 folders under `root`. */
async function makeCorpus(root: string, files: number): Promise<number> {
  let bytes = 0;
  const folders = 100;
  for (let f = 0; f < folders; f++) await mkdir(join(root, `f${f}`), { recursive: true });
  const pool = randomBytes(1 << 20);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < files) {
        const i = next++;
        const size = 64 + ((i * 2654435761) % (4096 - 64));
        const at = (i * 7919) % (pool.length - size);
        // Each file starts with its number: no two files are the same.
        const body = Buffer.concat([Buffer.from(`${i}\n`), pool.subarray(at, at + size)]);
        bytes += body.length;
        await writeFile(join(root, `f${i % folders}`, `w${i}.bin`), body);
      }
    }),
  );
  return bytes;
}

/** Writes `n` files of 3,400 bytes as ingest writes certificates (scratch file, then rename into 100 folders). */
function writeFloor(root: string, n: number): { seconds: number; filesPerSec: number; cpuMsPerFile: number } {
  mkdirSync(join(root, 'partial'), { recursive: true });
  for (let f = 0; f < 100; f++) mkdirSync(join(root, `f${f}`), { recursive: true });
  const text = 'x'.repeat(3_399) + '\n';
  const cpu0 = ownCpuMs();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const tmp = join(root, 'partial', `${i}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(root, `f${i % 100}`, `w${i}.bin.certificate.json`));
  }
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, filesPerSec: n / seconds, cpuMsPerFile: (ownCpuMs() - cpu0) / n };
}

async function timedIngest(source: string, out: string | undefined): Promise<{ seconds: number; othersCores?: number; deposited: number }> {
  const srv = await startServerChild({ env: NO_LIMITS });
  try {
    const cw = contentionWindow();
    const own0 = ownCpuMs();
    const s0 = await srv.stats();
    const t0 = performance.now();
    const summary = await runIngest({ source, server: srv.url, apiKey: srv.apiKey, concurrency: 16, upload: false, batch: 1000, ...(out !== undefined ? { out } : {}), progress: null });
    const seconds = (performance.now() - t0) / 1000;
    const s1 = await srv.stats();
    const serverMs = (s1.cpu.user - s0.cpu.user + s1.cpu.system - s0.cpu.system) / 1000;
    const others = cw.stop(ownCpuMs() - own0 + serverMs)?.othersCores;
    if (summary.failures.length > 0) throw new Error(`ingest failed for ${summary.failures.length} files, e.g. ${JSON.stringify(summary.failures[0])}`);
    return { seconds, deposited: summary.deposited, ...(others !== undefined ? { othersCores: others } : {}) };
  } finally {
    await srv.stop();
  }
}

export async function runIngestBench(opts: { files: number }): Promise<IngestFigures> {
  const dir = await tempDir('cl-bench-ingest-');
  try {
    const corpus = join(dir.path, 'corpus');
    note(`(h) writing ${fmtInt(opts.files)} small files`);
    const bytes = await makeCorpus(corpus, opts.files);
    note(`(h) ingest without certificates`);
    const without = await timedIngest(corpus, undefined);
    note(`(h) ${fmtInt(opts.files / without.seconds)} files/s without certificates`);
    note(`(h) ingest with certificates (--out)`);
    const out = join(dir.path, 'certs');
    const withCerts = await timedIngest(corpus, out);
    const written = (await readdir(out, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).length;
    if (written !== opts.files) throw new Error(`${written} certificates written for ${opts.files} files`);
    note(`(h) ${fmtInt(opts.files / withCerts.seconds)} files/s with certificates`);
    const writeOnly = writeFloor(join(dir.path, 'floor'), opts.files);
    note(`(h) writing ${fmtInt(opts.files)} certificate-sized files alone: ${fmtInt(writeOnly.filesPerSec)} files/s, ${writeOnly.cpuMsPerFile.toFixed(3)} ms CPU each`);
    return {
      files: opts.files,
      bytes,
      withoutCertificates: { seconds: without.seconds, filesPerSec: opts.files / without.seconds, ...(without.othersCores !== undefined ? { othersCores: without.othersCores } : {}) },
      writeOnly,
      withCertificates: { seconds: withCerts.seconds, filesPerSec: opts.files / withCerts.seconds, certificatesWritten: written, ...(withCerts.othersCores !== undefined ? { othersCores: withCerts.othersCores } : {}) },
    };
  } finally {
    await dir.remove();
  }
}
