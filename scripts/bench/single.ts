/**
 * Part (d): single hash-only deposits over HTTP, with its floors and a per-step CPU breakdown, in
 * one run and against the same client (autocannon, 64 connections, fresh hash per request):
 *
 *  (i)   the service (scripts/bench/server.ts): req/s, p50/p99, server CPU µs per request; then the
 *        same service with hash-only deposits served by express as before fast-deposit.ts
 *        (BENCH_EXPRESS_DEPOSITS=1 in the child);
 *  (ii)  a bare node:http server answering a JSON 201 of the same size (floor-server.ts `node`);
 *  (iii) express 5 with express.json() and a trivial handler (`express`), and express 5 with the
 *        service's whole middleware stack in front of a trivial handler (`stack`): the floor
 *        express and the shared middleware set before the deposit itself costs anything;
 *  (iv)  where the service's CPU goes per request, by step: the service again, under V8's sampling
 *        profiler (--cpu-prof; nothing is instrumented when the profiler is off), each sample
 *        attributed to the innermost frame that names a step (see STEPS), divided by the
 *        requests it answered. CPU on other threads (LevelDB's writer, libuv) is the process's
 *        CPU time minus the main thread's samples.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { measured, runSingleHttp, startServerChild, type LoadResult, type RunOpts, type SingleHttpFigures } from './http.js';
import { fmtInt, note, randomHexes } from './util.js';

const here = dirname(fileURLToPath(import.meta.url));

export const FLOORS = ['node', 'express', 'stack'] as const;
export type Floor = (typeof FLOORS)[number];

export interface FloorFigures {
  floor: Floor;
  reqPerSec: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
  othersCores?: number;
}

export interface StepFigure {
  step: string;
  /** CPU per request in this step, µs: its share of the main thread's samples × the process's CPU per request (under the profiler). */
  usPerRequest: number;
  share: number;
}

export interface SingleFigures {
  service: SingleHttpFigures & { cpuUsPerRequest: number };
  /** The same service with hash-only deposits served by express (no fast-deposit.ts): the path before it. */
  viaExpress?: SingleHttpFigures & { cpuUsPerRequest: number };
  floors: FloorFigures[];
  breakdown?: { requests: number; seconds: number; steps: StepFigure[]; mainUsPerRequest: number; processUsPerRequest: number; reqPerSec: number };
}

const cpuUs = (cpuShare: number, seconds: number, requests: number) => (cpuShare * seconds * 1e6) / Math.max(1, requests);

function hashBody(): () => string {
  let pool: string[] = [];
  return () => {
    if (pool.length === 0) pool = randomHexes(4096);
    return `{"sha256":"${pool.pop()!}"}`;
  };
}

async function runFloor(floor: Floor, opts: RunOpts): Promise<FloorFigures> {
  const srv = await startServerChild({ script: join(here, 'floor-server.ts'), env: { BENCH_FLOOR: floor } });
  try {
    const common = { url: srv.url, path: '/v1/deposits', apiKey: srv.apiKey, connections: opts.connections, body: hashBody(), timeoutS: 10 };
    const { r, d, extra } = await measured('d', `floor '${floor}', ${opts.connections} clients`, srv, common, opts);
    const fig: FloorFigures = { floor, reqPerSec: r.okPerSec, p50: r.latency.p50, p99: r.latency.p99, cpuUsPerRequest: cpuUs(d.cpuShare, r.seconds, r.ok), ...(extra.othersCores !== undefined ? { othersCores: extra.othersCores } : {}) };
    note(`(d) floor '${floor}': ${fmtInt(fig.reqPerSec)} req/s, p50 ${fig.p50} ms, p99 ${fig.p99} ms, ${fig.cpuUsPerRequest.toFixed(0)} µs CPU/request`);
    return fig;
  } finally {
    await srv.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// (iv) Steps of the real path, from a CPU profile.

type Rule = [step: string, test: (fn: string, url: string) => boolean];
const u = (re: RegExp) => (_fn: string, url: string) => re.test(url);

/** Steps: the innermost frame matching one of these names the step (node:http work is its own step, whoever asked for it). */
const STEPS: Rule[] = [
  ['access log (pino)', u(/node_modules\/(pino|sonic-boom|fast-redact|quick-format|thread-stream)/)],
  ['metrics (prom-client)', u(/node_modules\/prom-client|src\/adapters\/metrics\.ts/)],
  ['request id, access-log hook', u(/src\/adapters\/http\/observability\.ts/)],
  ['security headers (helmet, no-store)', u(/node_modules\/helmet|src\/adapters\/http\/security\.ts/)],
  ['rate limiter', u(/src\/adapters\/http\/limits\.ts|src\/adapters\/limits\//)],
  ['authentication (key cache)', u(/src\/app\/accounts\.ts|src\/adapters\/http\/auth\.ts/)],
  ['validation (zod)', u(/node_modules\/zod|src\/adapters\/http\/(schemas|metadata|problem|plain-text)\.ts/)],
  ['body read + JSON parse', u(/node_modules\/(body-parser|raw-body|type-is|content-type|media-typer|iconv-lite|bytes)\/|src\/adapters\/http\/json\.ts/)],
  ['deposit entry (ids, salt, JCS, hashes)', u(/src\/app\/deposits\.ts|src\/core\/(entry|jcs|bytes|time)\.ts|src\/server\.ts/)],
  ['ledger commit (queue, Merkle, block, LevelDB batch)', u(/src\/app\/(log|deposit-index|log-keys)\.ts|src\/core\/(merkle|checkpoint|note|hash)\.ts|src\/adapters\/(level|crypto|commit-halt)|node_modules\/(classic-level|abstract-level|level)/)],
  ['connection limits', u(/src\/adapters\/http\/connections\.ts/)],
  ['block timestamps (TSA worker, at most one a second)', u(/src\/app\/timestamps\.ts|src\/adapters\/tsa\/|node_modules\/(node-forge|asn1js|pkijs|pvutils|pvtsutils|@peculiar|@noble)\//)],
  ['deposit route (fast-deposit.ts: checks, body read, JSON parse, answer)', u(/src\/adapters\/http\/(app|fast-deposit)\.ts/)],
  ['response (express res.json/send/location)', u(/node_modules\/express\/lib\/response\.js|node_modules\/(encodeurl|escape-html|vary|mime)/)],
  // Node's HTTP work on behalf of any of the above (parsing, header serialisation, socket writes).
  ['node:http (parse, headers, socket write)', u(/^node:(_http|net|stream|internal\/(stream_base_commons|streams|http|net|dns))/)],
];
/** Generic steps: used only when no specific frame is on the stack. */
const GENERIC: Rule[] = [
  ['startup (not counted)', (fn, url) => /node:internal\/modules|esm\/|cjs-module-lexer|source_map|tsx\//.test(url) || fn === 'compileSourceTextModule'],
  ['express routing, req/res setup', u(/node_modules\/(express|router|path-to-regexp|parseurl|finalhandler|on-finished|ee-first|proxy-addr|forwarded|accepts|negotiator|fresh|range-parser|qs)\//)],
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  ['V8/native (program)', (fn) => fn === '(program)'],
];

interface ProfNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/**
 * Busy µs of a main-thread profile by step (idle and start-up left out), counting only samples
 * taken within [fromUs, toUs] of the monotonic clock (V8's profile clock is process.hrtime's).
 */
export function stepsOfProfile(file: string, fromUs = -Infinity, toUs = Infinity): Map<string, number> {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfNode[]; samples: number[]; timeDeltas: number[]; startTime: number };
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const stepOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = stepOf.get(id);
    if (known !== undefined) return known;
    let generic: string | undefined;
    let step: string | undefined;
    for (let at: number | undefined = id; at !== undefined && step === undefined; at = parent.get(at)) {
      const { functionName: fn, url } = byId.get(at)!.callFrame;
      if (fn === '(idle)') step = 'idle';
      else {
        const url2 = url.replace(/^file:\/\/\/?/, '/');
        for (const [name, test] of STEPS) if (test(fn, url2)) { step = name; break; }
        if (step === undefined && generic === undefined) for (const [name, test] of GENERIC) if (test(fn, url2)) { generic = name; break; }
      }
    }
    const s = step ?? generic ?? 'other (timers, promises, natives)';
    stepOf.set(id, s);
    return s;
  };
  const out = new Map<string, number>();
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs || t > toUs) return;
    const s = classify(id);
    out.set(s, (out.get(s) ?? 0) + dt);
  });
  out.delete('idle');
  out.delete('startup (not counted)');
  return out;
}

function largestProfile(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (!files[0]) throw new Error(`no .cpuprofile in ${dir}`);
  return files[0];
}

async function runBreakdown(opts: RunOpts, profDir: string | undefined): Promise<NonNullable<SingleFigures['breakdown']>> {
  const dir = profDir ?? mkdtempSync(join(tmpdir(), 'cl-bench-prof-'));
  try {
    rmSync(dir, { recursive: true, force: true });
    const srv = await startServerChild({ cpuProfDir: dir, ...(opts.whatif ? { whatif: opts.whatif } : {}) });
    let requests = 0;
    let seconds = 0;
    let processUs = 0;
    let reqPerSec = 0;
    let window: [number, number] = [-Infinity, Infinity];
    try {
      const t0 = await srv.stats();
      const common = { url: srv.url, path: '/v1/deposits', apiKey: srv.apiKey, connections: opts.connections, body: hashBody(), timeoutS: 10 };
      const { r } = await measured('d', 'the service under the profiler', srv, common, { ...opts, warmupSeconds: 0 });
      const t1 = await srv.stats();
      requests = t1.treeSize - t0.treeSize;
      seconds = t1.uptime - t0.uptime;
      processUs = t1.cpu.user - t0.cpu.user + t1.cpu.system - t0.cpu.system;
      reqPerSec = (r as LoadResult).okPerSec;
      if (t0.monotonicUs !== undefined && t1.monotonicUs !== undefined) window = [t0.monotonicUs, t1.monotonicUs];
    } finally {
      await srv.stop(); // the profile is written when the child exits
    }
    // The profile spans the child's life: only the samples of the load window count.
    const steps = stepsOfProfile(largestProfile(dir), ...window);
    const busy = [...steps.values()].reduce((a, b) => a + b, 0);
    const list = [...steps]
      // The profiler samples wall time on the main thread (a busy machine stretches it): its shares
      // are spread over the process's measured CPU time.
      .map(([step, us]) => ({ step, usPerRequest: ((us / busy) * processUs) / Math.max(1, requests), share: us / busy }))
      .sort((a, b) => b.usPerRequest - a.usPerRequest);
    return { requests, seconds, steps: list, mainUsPerRequest: busy / Math.max(1, requests), processUsPerRequest: processUs / Math.max(1, requests), reqPerSec };
  } finally {
    if (profDir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** Part (d) in full: the service, the floors, the breakdown. `cpuProfDir`: keep the breakdown's profile there. */
export async function runSingle(opts: RunOpts & { floors?: boolean; breakdown?: boolean; viaExpress?: boolean }): Promise<SingleFigures> {
  const { cpuProfDir, ...plain } = opts;
  const withCpu = (f: SingleHttpFigures) => ({ ...f, cpuUsPerRequest: cpuUs(f.server.cpuShare, f.load.seconds, f.load.ok) });
  const fig: SingleFigures = { service: withCpu(await runSingleHttp(plain)), floors: [] };
  if (opts.viaExpress !== false) {
    note('(d) the same service with hash-only deposits served by express (the path before fast-deposit.ts)');
    fig.viaExpress = withCpu(await runSingleHttp({ ...plain, env: { BENCH_EXPRESS_DEPOSITS: '1' } }));
  }
  if (opts.floors !== false) for (const f of FLOORS) fig.floors.push(await runFloor(f, plain));
  if (opts.breakdown !== false) {
    fig.breakdown = await runBreakdown({ ...plain, seconds: Math.min(plain.seconds, 8) }, cpuProfDir);
    note(`(d) breakdown: ${fig.breakdown.processUsPerRequest.toFixed(0)} µs process CPU per request under the profiler`);
  }
  return fig;
}

type Row = [part: string, figure: string, value: string, target: string, verdict: string];

const FLOOR_LABEL: Record<Floor, string> = {
  node: 'floor: bare node:http, JSON 201 of the same size',
  express: 'floor: express 5 + express.json(), trivial handler',
  stack: "floor: express 5 + the service's middleware stack, trivial handler",
};

/** Report rows and detail lines of part (d). */
export function singleReport(f: SingleFigures, connections: number): { rows: Row[]; lines: string[] } {
  const s = f.service;
  const v = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const rows: Row[] = [
    ['(d)', `HTTP single deposits req/s (${connections} clients)`, fmtInt(s.reqPerSec), '≥ 5,000', v(s.reqPerSec >= 5_000)],
    ['(d)', 'latency p50 / p99', `${s.p50} / ${s.p99} ms`, 'p99 < 50 ms', v(s.p99 < 50)],
    ['(d)', 'server CPU per request', `${s.cpuUsPerRequest.toFixed(0)} µs`, '≤ 120 µs', v(s.cpuUsPerRequest <= 120)],
  ];
  const e = f.viaExpress;
  if (e) rows.push(['(d)', 'the same service, deposits through express (before)', `${fmtInt(e.reqPerSec)} req/s, p99 ${e.p99} ms, ${e.cpuUsPerRequest.toFixed(0)} µs`, '', '']);
  for (const fl of f.floors) rows.push(['(d)', FLOOR_LABEL[fl.floor], `${fmtInt(fl.reqPerSec)} req/s, p99 ${fl.p99} ms, ${fl.cpuUsPerRequest.toFixed(0)} µs`, '', '']);
  const lines: string[] = [];
  if (e) lines.push(`    through express: p50 ${e.p50} ms, ${e.server.meanCommitEntries.toFixed(1)} entries/commit, others on the machine ${e.othersCores?.toFixed(2) ?? '?'} cores`);
  for (const fl of f.floors) lines.push(`    floor '${fl.floor}': p50 ${fl.p50} ms, others on the machine ${fl.othersCores?.toFixed(2) ?? '?'} cores`);
  const b = f.breakdown;
  if (b) {
    lines.push(
      `    where a request's CPU goes (the service under --cpu-prof: ${fmtInt(b.reqPerSec)} req/s, ${b.processUsPerRequest.toFixed(0)} µs process CPU/request, ` +
        `spread over the steps by their share of the main thread's samples; µs/request):`,
    );
    for (const st of b.steps) lines.push(`      ${st.usPerRequest.toFixed(1).padStart(6)} µs ${(st.share * 100).toFixed(1).padStart(5)}%  ${st.step}`);
  }
  return { rows, lines };
}
