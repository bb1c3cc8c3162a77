/**
 * `npm run bench` — the issue's benchmark, all four figures from one run:
 *   (a) 2,000,000 hash-only entries through the use-case layer (no HTTP): seconds, entries/s, disk bytes/entry
 *   (b) inclusion and consistency proof p50/p99 on that store
 *   (c) HTTP batch deposits (16 clients × 1,000 items, 20 s): durable entries/s vs raw synced LevelDB
 *   (d) HTTP single hash-only deposits (64 clients, 15 s): req/s, p50, p99, CPU/request, against a bare
 *       node:http server and express floors, with a per-step CPU breakdown (scripts/bench/single.ts)
 *   (e) pure-TypeScript SM3 (src/core/sm3.ts) vs node:crypto sm3 on one 64 MiB buffer: MiB/s and ratio
 *
 *   (f) matching one image / one text against 100,000 fingerprints (only with --only f; docs/ENFORCEMENT.md)
 *   (t) C2SP tiles: batch deposits with / without TILES_DIR, serving tiles (only with --only t; docs/TILES.md)
 *   (g) certificates/s, GET one and POST /v1/certificates × 1,000, 16 clients; (h) ingest files/s with and
 *       without certificates over 50,000 generated small files (only with --only g,h; scripts/bench/certs.ts)
 *   (p) PostgreSQL beside LevelDB, in-process (scripts/bench/pg.ts) and over HTTP with two service processes
 *       on one PostgreSQL vs one on LevelDB, plus tiles from a static server vs proofs (scripts/bench/pg-procs.ts; only with --only p)
 *
 * Options: --quick (200k entries, 5 s loads) · --only a,b,c,d,e,f · --profile (server child under
 * --cpu-prof, profiles in .bench/prof) · --whatif chained-batch,pooled-random,tsa-interval (bench-only
 * patches measuring proposed src changes, see scripts/bench/whatif.ts; the report marks such runs).
 * See docs/PERFORMANCE.md for the figures and what they mean.
 * Load goes to 127.0.0.1 only; every part is bounded in time; temp dirs and children are removed.
 * Progress on stderr, report on stdout, figures in .bench/last.json.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAppendAndProofs, type AppendFigures, type ProofFigures } from './bench/append.js';
import { runBatchHttp, type BatchHttpFigures } from './bench/http.js';
import { captureCommitShape, rawBatchRate, type CommitShape, type RawFigure } from './bench/raw-level.js';
import { runSm3, type Sm3Figures } from './bench/sm3.js';
import { runSingle, singleReport, type SingleFigures } from './bench/single.js';
import { fmtInt, fmtMs, note } from './bench/util.js';
import { runMatch, type MatchFigures } from './bench/match.js';
import { runCertificates, runIngestBench, type CertFigures, type IngestFigures } from './bench/certs.js';
import { runPg, type PgFigures } from './bench/pg.js';
import { pgProcsRows, runPgProcs, type PgProcsFigures } from './bench/pg-procs.js';
import { parseWhatIfs, WHATIFS, type WhatIf } from './bench/whatif.js';
import { runTiles, tilesRows, type TilesFigures } from './bench/tiles.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Options {
  quick: boolean;
  only: Set<string>;
  profile: boolean;
  whatif: Set<WhatIf>;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, only: new Set(['a', 'b', 'c', 'd', 'e']), profile: false, whatif: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--profile') o.profile = true;
    else if (a.startsWith('--only')) {
      o.only = new Set(value().split(',').map((s) => s.trim().toLowerCase()));
      for (const p of o.only) if (!['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 't', 'p'].includes(p)) throw new Error(`--only: unknown part ${p}`);
    } else if (a.startsWith('--whatif')) o.whatif = parseWhatIfs(value());
    else if (a === '--help' || a === '-h') {
      console.log(`usage: npm run bench -- [--quick] [--only a,b,c,d,e,f,g,h,t,p] [--profile] [--whatif ${WHATIFS.join(',')}]`);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const plan = opts.quick
  ? { entries: 200_000, proofs: 500, batchSeconds: 5, singleSeconds: 5, warmup: 1, rawSeconds: 2 }
  : { entries: 2_000_000, proofs: 2_000, batchSeconds: 20, singleSeconds: 15, warmup: 3, rawSeconds: 5 };
const A = { batchItems: 5_000, inFlight: 4 };
const C = { connections: 16, items: 1_000 };
const D = { connections: 64 };

process.on('SIGINT', () => {
  note('interrupted');
  process.exit(130); // temp dirs go in util's exit hook; children exit when the IPC channel closes
});

function git(cmd: string): string {
  try {
    return execSync(`git ${cmd}`, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return '';
  }
}

const meta = {
  date: new Date().toISOString(),
  command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
  node: process.version,
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? '',
  loadavgStart: loadavg().map((x) => +x.toFixed(2)),
  loadavgEnd: [] as number[],
  git: { head: git('rev-parse --short HEAD'), dirtySrcFiles: git('status --porcelain src').split('\n').filter(Boolean).length },
  plan,
  whatif: [...opts.whatif],
};

interface Results {
  append?: AppendFigures;
  proofs?: ProofFigures;
  batchHttp?: BatchHttpFigures;
  raw?: { shape: Omit<CommitShape, 'ops'>; exact: RawFigure; flat: RawFigure; exactChained: RawFigure; atServerGroup?: RawFigure };
  ratio?: number;
  single?: SingleFigures;
  sm3?: Sm3Figures;
  match?: MatchFigures;
  tiles?: TilesFigures;
  certificates?: CertFigures;
  ingest?: IngestFigures;
  pg?: PgFigures;
  pgProcs?: PgProcsFigures;
}
const results: Results = {};
const t0 = Date.now();
note(`${meta.command} — node ${meta.node}, ${meta.nproc} cores, load ${meta.loadavgStart.join(' ')}, git ${meta.git.head}${meta.git.dirtySrcFiles ? ` (+${meta.git.dirtySrcFiles} uncommitted src files)` : ''}`);

if (opts.only.has('a') || opts.only.has('b')) {
  note(`(a) appending ${fmtInt(plan.entries)} entries: depositBatch × ${A.batchItems} items, ${A.inFlight} in flight`);
  const r = await runAppendAndProofs({ entries: plan.entries, proofs: plan.proofs, ...A, whatif: opts.whatif }, opts.only.has('b'));
  results.append = r.append;
  if (r.proofs) results.proofs = r.proofs;
}

if (opts.only.has('c')) {
  const prof = opts.profile ? join(root, '.bench', 'prof', 'c') : undefined;
  results.batchHttp = await runBatchHttp({ ...C, seconds: plan.batchSeconds, warmupSeconds: plan.warmup, whatif: opts.whatif, ...(prof ? { cpuProfDir: prof } : {}) });
  note('raw LevelDB baseline: capturing the records of a real 1,000-entry commit');
  const shape = await captureCommitShape(C.items);
  const exact = await rawBatchRate(shape, 'shape', C.items, plan.rawSeconds);
  const flat = await rawBatchRate(shape, 'flat', C.items, plan.rawSeconds);
  const exactChained = await rawBatchRate(shape, 'shape', C.items, plan.rawSeconds, 'chained');
  const group = Math.round(results.batchHttp.server.meanCommitEntries / C.items) * C.items;
  const atServerGroup = group > C.items ? await rawBatchRate(await captureCommitShape(group), 'shape', group, plan.rawSeconds) : undefined;
  const { ops: _ops, ...shapeInfo } = shape;
  results.raw = { shape: shapeInfo, exact, flat, exactChained, ...(atServerGroup ? { atServerGroup } : {}) };
  results.ratio = results.batchHttp.durableEntriesPerSec / exact.entriesPerSec;
}

if (opts.only.has('d')) {
  const prof = opts.profile ? join(root, '.bench', 'prof', 'd') : undefined;
  results.single = await runSingle({ ...D, seconds: plan.singleSeconds, warmupSeconds: plan.warmup, whatif: opts.whatif, ...(prof ? { cpuProfDir: prof } : {}) });
}
if (opts.only.has('e')) results.sm3 = runSm3({ mib: 64, rounds: opts.quick ? 3 : 5 });
if (opts.only.has('f')) results.match = await runMatch({ stored: 100_000, queries: opts.quick ? 100 : 500 });
if (opts.only.has('t')) results.tiles = await runTiles({ seconds: opts.quick ? 5 : 15, warmupSeconds: plan.warmup, fillEntries: opts.quick ? 100_000 : 1_000_000 });
if (opts.only.has('g')) results.certificates = await runCertificates({ warm: 5_000, cold: opts.quick ? 5_000 : 20_000, seconds: plan.singleSeconds, warmupSeconds: plan.warmup, connections: 16 });
if (opts.only.has('h')) results.ingest = await runIngestBench({ files: opts.quick ? 10_000 : 50_000 });
// (p) PostgreSQL beside LevelDB (only with --only p; docs/SCALING.md).
// BENCH_PG_PROCS_ONLY=1 skips the in-process half (iterating on the two-process half).
if (opts.only.has('p') && process.env.BENCH_PG_PROCS_ONLY !== '1') results.pg = await runPg({ entries: opts.quick ? 50_000 : 500_000, ...A, singleSeconds: plan.singleSeconds, singleCallers: D.connections, proofs: plan.proofs });
// (p) over HTTP: PostgreSQL with two service processes, LevelDB with one, read fan-out through tiles.
if (opts.only.has('p')) results.pgProcs = await runPgProcs({ seconds: plan.singleSeconds, warmupSeconds: plan.warmup, readSeconds: opts.quick ? 5 : 10, batchConnections: C.connections, singleConnections: D.connections, readConnections: 16 });
meta.loadavgEnd = loadavg().map((x) => +x.toFixed(2));

// ---------------------------------------------------------------------------------------------
// Report.

type Row = [part: string, figure: string, value: string, target: string, verdict: string];
const rows: Row[] = [];
const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'PASS' : 'MISS');
const scale = plan.entries / 2_000_000;

const a = results.append;
if (a) {
  rows.push(['(a)', `time for ${fmtInt(a.entries)} entries`, `${a.seconds.toFixed(1)} s`, `< ${(60 * scale).toFixed(0)} s`, verdict(a.seconds < 60 * scale)]);
  rows.push(['(a)', 'entries/s', fmtInt(a.entriesPerSec), '(≥ 33,334)', '']);
  rows.push(['(a)', `disk bytes/entry, ${a.diskReported}`, a.diskBytesPerEntry.toFixed(0), '≤ 250', verdict(a.diskBytesPerEntry <= 250)]);
  rows.push(['(a)', '  right after appending / after close / after full compaction', `${a.disk.afterAppend.perEntry.toFixed(0)} / ${a.disk.afterClose.perEntry.toFixed(0)} / ${a.disk.afterCompact.perEntry.toFixed(0)}`, '', '']);
}
const b = results.proofs;
if (b) {
  rows.push(['(b)', `inclusion proof p50 / p99 at ${fmtInt(b.treeSize)}`, `${fmtMs(b.inclusion.p50)} / ${fmtMs(b.inclusion.p99)} ms`, 'p50 < 1 ms', verdict(b.inclusion.p50 < 1)]);
  rows.push(['(b)', `consistency proof p50 / p99 at ${fmtInt(b.treeSize)}`, `${fmtMs(b.consistency.p50)} / ${fmtMs(b.consistency.p99)} ms`, 'p50 < 1 ms', verdict(b.consistency.p50 < 1)]);
}
const c = results.batchHttp;
if (c && results.raw) {
  rows.push(['(c)', `HTTP durable entries/s (${C.connections} × ${C.items}-item batches)`, fmtInt(c.durableEntriesPerSec), '≥ 50,000', verdict(c.durableEntriesPerSec >= 50_000)]);
  rows.push(['(c)', `raw synced LevelDB, ${results.raw.exact.label}`, `${fmtInt(results.raw.exact.entriesPerSec)} entries/s`, '', '']);
  rows.push(['(c)', `raw synced LevelDB, ${results.raw.flat.label}`, `${fmtInt(results.raw.flat.recordsPerSec)} records/s`, '', '']);
  rows.push(['(c)', `raw synced LevelDB, ${results.raw.exactChained.label}`, `${fmtInt(results.raw.exactChained.entriesPerSec)} entries/s`, '', '']);
  if (results.raw.atServerGroup) rows.push(['(c)', `raw synced LevelDB, ${results.raw.atServerGroup.label}`, `${fmtInt(results.raw.atServerGroup.entriesPerSec)} entries/s`, '', '']);
  rows.push(['(c)', 'ratio HTTP / raw (same records, 1,000 entries per batch)', results.ratio!.toFixed(2), '', '']);
}
const d = results.single?.service;
const dReport = results.single ? singleReport(results.single, D.connections) : undefined;
if (dReport) rows.push(...dReport.rows);
const e = results.sm3;
if (e) {
  rows.push(['(e)', `SM3 MiB/s, core (pure TS) / node:crypto, best of ${e.rounds} on ${e.bytes / 1048576} MiB`, `${e.coreMiBps.toFixed(0)} / ${e.nodeMiBps.toFixed(0)}`, 'core ≥ 150', verdict(e.coreMiBps >= 150)]);
  rows.push(['(e)', 'ratio core / node:crypto', e.ratio.toFixed(2), '', '']);
}
const f = results.match;
if (f) {
  rows.push(['(f)', `image search vs ${fmtInt(f.stored)} fingerprints p50 / p99`, `${fmtMs(f.image.p50)} / ${fmtMs(f.image.p99)} ms`, 'p99 < 100 ms', verdict(f.image.p99 < 100)]);
  rows.push(['(f)', '  planted near copies found', `${f.image.found} / ${f.image.planted}`, 'all', verdict(f.image.found === f.image.planted)]);
  rows.push(['(f)', `text search vs ${fmtInt(f.stored + f.text.planted)} signatures p50 / p99`, `${fmtMs(f.text.p50)} / ${fmtMs(f.text.p99)} ms`, 'p99 < 100 ms', verdict(f.text.p99 < 100)]);
  rows.push(['(f)', '  30 %-changed copies found', `${f.text.found} / ${f.text.planted}`, 'all', verdict(f.text.found === f.text.planted)]);
  rows.push(['(f)', 'decode + hash one 1600×1200 image (sharp)', `${fmtMs(f.decodeMs)} ms`, '', '']);
}
const g = results.certificates;
if (g) {
  rows.push(['(g)', `certificates/s, GET /v1/deposits/{id}/certificate (${g.connections} clients, cached)`, fmtInt(g.single.certificatesPerSec), '≥ 5,000', verdict(g.single.certificatesPerSec >= 5_000)]);
  rows.push(['(g)', '  the same GET with CERTIFICATE_CACHE_BYTES=0 (built from the store each time)', fmtInt(g.uncached.certificatesPerSec), '', '']);
  rows.push(['(g)', `  floor: GET /v1/accounts/me req/s (authenticated, small answer), same client`, fmtInt(g.floor.certificatesPerSec), '', '']);
  rows.push(['(g)', `certificates/s, POST /v1/certificates × 1,000 ids (${g.connections} clients, cached)`, fmtInt(g.batch.certificatesPerSec), '≥ 5,000', verdict(g.batch.certificatesPerSec >= 5_000)]);
  rows.push(['(g)', `certificates/s, POST × 1,000, never asked before (${fmtInt(g.cold.certificates)})`, fmtInt(g.cold.certificatesPerSec), '', '']);
}
const h = results.ingest;
if (h) {
  rows.push(['(h)', `ingest files/s, ${fmtInt(h.files)} small files, without certificates`, fmtInt(h.withoutCertificates.filesPerSec), '', '']);
  rows.push(['(h)', 'ingest files/s, with certificates (--out)', fmtInt(h.withCertificates.filesPerSec), '≥ 3,000', verdict(h.withCertificates.filesPerSec >= 3_000)]);
  rows.push(['(h)', `  floor: writing ${fmtInt(h.files)} certificate-sized files alone (scratch + rename), files/s`, fmtInt(h.writeOnly.filesPerSec), '', '']);
}
const pgf = results.pg;
if (pgf) {
  for (const x of [pgf.pg, pgf.level]) {
    const others = x.othersCores === undefined ? '' : `, others ${x.othersCores.toFixed(2)} cores`;
    rows.push(['(p)', `${x.store}: ${fmtInt(x.entries)} entries, depositBatch entries/s${others}`, fmtInt(x.batchEntriesPerSec), '', '']);
    rows.push(['(p)', `${x.store}: single deposits/s (${x.single.callers} callers), p50 / p99`, `${fmtInt(x.single.perSec)}, ${fmtMs(x.single.latency.p50)} / ${fmtMs(x.single.latency.p99)} ms`, '', '']);
    rows.push(['(p)', `${x.store}: inclusion proof p50 / p99`, `${fmtMs(x.inclusion.p50)} / ${fmtMs(x.inclusion.p99)} ms`, '', '']);
    rows.push(['(p)', `${x.store}: bytes per entry`, x.bytesPerEntry.toFixed(0), '', '']);
  }
}

if (results.pgProcs) rows.push(...pgProcsRows(results.pgProcs));
if (results.tiles) rows.push(...tilesRows(results.tiles));
const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]!.length), 4));
const line = (r: readonly string[]) => r.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
console.log('');
console.log(`copyright-ledger benchmark — ${meta.date} — node ${meta.node}, ${meta.nproc} cores (${meta.cpu}), load avg ${meta.loadavgStart.join(' ')} → ${meta.loadavgEnd.join(' ')}`);
console.log(`command: ${meta.command}${opts.quick ? '   (QUICK: reduced sizes; targets scaled where they depend on size)' : ''}${meta.whatif.length ? `   WHATIF: ${meta.whatif.join(',')} (not the src as is)` : ''}`);
console.log('');
if (a) {
  console.log(
    `(a) ${fmtInt(a.entries)} entries in ${a.seconds.toFixed(1)} s = ${fmtInt(a.entriesPerSec)}/s; ${a.store.commits} commits, ` +
      `mean ${fmtInt(a.meanCommitEntries)} entries/commit, synced write outstanding ${(a.writeBusyShare * 100).toFixed(0)}% of the time; ` +
      `entry ${a.entryBytes} B, ${(a.store.records / a.entries).toFixed(2)} records and ${a.logicalBytesPerEntry.toFixed(0)} B (keys+values) per entry; ` +
      `CPU ${a.ownCores.toFixed(2)} cores = ${((a.ownCores * a.seconds * 1e6) / a.entries).toFixed(0)} µs CPU/entry (others on the machine: ${a.othersCores?.toFixed(2) ?? '?'} cores); ` +
      `disk ${fmtInt(a.disk.afterAppend.bytes)} B after appending, ${fmtInt(a.disk.afterClose.bytes)} B after close, ${fmtInt(a.disk.afterCompact.bytes)} B after compaction (${a.disk.compactSeconds.toFixed(1)} s)`,
  );
}
if (a) {
  console.log(
    `    on disk per entry after compaction, by record kind: ` +
      Object.entries(a.disk.onDiskPerEntryByKind)
        .map(([k, v]) => `${k} ${v.toFixed(0)} B`)
        .join(', '),
  );
}
if (b) console.log(`(b) ${b.inclusion.n} + ${b.consistency.n} proofs, mean ${b.inclusionHashes.toFixed(1)} / ${b.consistencyHashes.toFixed(1)} hashes; ${b.verified} verified`);
if (c && results.raw) {
  console.log(
    `(c) ${c.load.ok} × 201 in ${c.load.seconds} s (latency p50 ${c.load.latency.p50} ms, p99 ${c.load.latency.p99} ms; other status ${JSON.stringify(c.load.otherStatus)}, errors ${c.load.errors}); ` +
      `server: ${c.server.commits} commits, mean ${fmtInt(c.server.meanCommitEntries)} entries/commit, write outstanding ${(c.server.writeBusyShare * 100).toFixed(0)}%, CPU ${c.server.cpuShare.toFixed(2)} cores = ${((c.server.cpuShare * c.load.seconds * 1e6) / Math.max(1, c.treeGrowth)).toFixed(0)} µs CPU/entry; client ${c.clientCores.toFixed(2)} cores; others on the machine ${c.othersCores?.toFixed(2) ?? '?'} cores`,
  );
  const s = results.raw.shape;
  console.log(
    `    one deposit writes ${s.recordsPerEntry.toFixed(2)} records, ${s.bytesPerEntry.toFixed(0)} B: ` +
      Object.entries(s.perEntry)
        .filter(([, v]) => v.records >= 0.01 || v.bytes >= 1)
        .map(([k, v]) => `'${k}' ${v.records.toFixed(2)}×/${v.bytes.toFixed(0)} B`)
        .join(', '),
  );
}
if (d) {
  console.log(
    `(d) ${d.load.ok} × 201 in ${d.load.seconds} s (p90 ${d.load.latency.p90} ms, max ${d.load.latency.max} ms; other status ${JSON.stringify(d.load.otherStatus)}, errors ${d.load.errors}); ` +
      `server: ${d.server.commits} commits, mean ${d.server.meanCommitEntries.toFixed(1)} entries/commit, CPU ${d.server.cpuShare.toFixed(2)} cores = ${((d.server.cpuShare * d.load.seconds * 1e6) / Math.max(1, d.load.ok)).toFixed(0)} µs CPU/request; client ${d.clientCores.toFixed(2)} cores; others on the machine ${d.othersCores?.toFixed(2) ?? '?'} cores`,
  );
  for (const l of dReport?.lines ?? []) console.log(l);
}
if (g) console.log(`(g) ${g.warmSet} warm certificates of ${g.certificateBytes} B; GET p50/p99 ${g.single.p50}/${g.single.p99} ms, server ${g.serverCores.single.toFixed(2)} cores; POST p50/p99 ${g.batch.p50}/${g.batch.p99} ms, server ${g.serverCores.batch.toFixed(2)} cores; other status ${JSON.stringify({ ...g.single.otherStatus, ...g.batch.otherStatus })}; others on the machine ${g.othersCores?.single?.toFixed(2) ?? '?'} / ${g.othersCores?.batch?.toFixed(2) ?? '?'} cores`);
if (h) console.log(`(h) ${fmtInt(h.files)} files, ${fmtInt(h.bytes)} B: ${h.withoutCertificates.seconds.toFixed(1)} s without, ${h.withCertificates.seconds.toFixed(1)} s with certificates (${fmtInt(h.withCertificates.certificatesWritten)} written); others on the machine ${h.withoutCertificates.othersCores?.toFixed(2) ?? '?'} / ${h.withCertificates.othersCores?.toFixed(2) ?? '?'} cores`);
console.log('');
console.log(line(['part', 'figure', 'measured', 'target', '']));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
console.log('');
console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);

const out = join(root, '.bench', 'last.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ meta, results, summary: rows.map(([part, figure, value, target, v]) => ({ part, figure, value, target, verdict: v })) }, null, 2) + '\n');
note(`figures written to ${out}`);
