/**
 * Uploads and ingest benchmark (issue 4): `npx tsx scripts/bench-upload.ts [--quick] [--no-write]`.
 *
 * 1. Upload: a 1 GiB random file POSTed with curl (multipart) to a server running as a child
 *    process, timed beside `openssl dgst -sha256` and `openssl dgst -sm3` of the same file in the
 *    same run. Both hashes can run side by side, so the floor is the slower of the two. The
 *    server's peak RSS growth during the upload is sampled from /proc/<pid>/status (VmRSS).
 *    Targets: upload ≤ 1.3× the slower openssl; RSS growth < 64 MB.
 * 2. Ingest: 100,000 small files deposited hash-only (no --out) by the ingest tool, run in this
 *    process against the same server. Target ≥ 5,000 files/s. A second figure with --out
 *    (a certificate fetched and written per work) on 10,000 files is informational.
 *
 * Prints the figures and ratios, and (unless --no-write) replaces the "Uploads and ingest" section
 * of docs/PERFORMANCE.md, leaving every other section alone.
 */
import { execFile, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runIngest } from '../src/adapters/cli/ingest.js';
import { killAllServers, PROJECT_ROOT, startServer } from '../test/support/proc.js';
import { fmtInt, note, tempDir } from './bench/util.js';

const run = promisify(execFile);
const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const WRITE = !args.has('--no-write');
const UPLOAD_BYTES = QUICK ? 256 * 1024 ** 2 : 1024 ** 3;
const INGEST_FILES = QUICK ? 20_000 : 100_000;
const INGEST_OUT_FILES = QUICK ? 2_000 : 10_000;
const MiB = 1024 ** 2;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, value };
}

function rssKb(pid: number): number {
  try {
    // Synchronous on purpose: sampling must not wait behind other I/O.
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** Samples VmRSS of `pid` every `ms` until stopped; reports the peak. */
function rssSampler(pid: number, ms = 10) {
  let peak = rssKb(pid);
  const timer = setInterval(() => {
    const v = rssKb(pid);
    if (v > peak) peak = v;
  }, ms);
  return {
    stop: () => {
      clearInterval(timer);
      const v = rssKb(pid);
      return Math.max(peak, Number.isFinite(v) ? v : peak);
    },
  };
}

async function makeRandomFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const chunk = Buffer.alloc(4 * MiB);
  for (let done = 0; done < bytes; done += chunk.length) {
    randomFillSync(chunk);
    const part = bytes - done < chunk.length ? chunk.subarray(0, bytes - done) : chunk;
    if (!out.write(Buffer.from(part))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

async function opensslDigest(alg: 'sha256' | 'sm3', path: string): Promise<{ ms: number; hex: string }> {
  const { ms, value } = await timed(() => run('openssl', ['dgst', `-${alg}`, path]));
  const hex = /=\s*([0-9a-f]{64})\s*$/.exec(value.stdout)?.[1];
  if (hex === undefined) throw new Error(`openssl dgst -${alg}: unexpected output ${value.stdout}`);
  return { ms, hex };
}

/** curl streams the file; the server's answer is parsed. */
function curlUpload(url: string, apiKey: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '-w', '\n%{http_code}', '-H', `Authorization: Bearer ${apiKey}`, '-F', `file=@${path};type=application/octet-stream`, `${url}/v1/deposits`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`curl exited ${code}: ${err}`));
      const i = out.lastIndexOf('\n');
      resolve({ status: Number(out.slice(i + 1)), body: out.slice(0, i) });
    });
  });
}

async function makeSmallFiles(root: string, n: number): Promise<void> {
  const perDir = 1000;
  const pool = Buffer.alloc(64 * 1024);
  randomFillSync(pool);
  for (let d = 0; d * perDir < n; d++) {
    const dir = join(root, `d${String(d).padStart(4, '0')}`);
    await mkdir(dir, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = d * perDir; i < Math.min(n, (d + 1) * perDir); i++) {
      const size = 64 + ((i * 2654435761) % 4032); // 64 B .. 4 KiB, unique content below
      const at = (i * 97) % (pool.length - size);
      const body = Buffer.concat([Buffer.from(`work ${i}\n`), pool.subarray(at, at + size)]);
      writes.push(writeFile(join(dir, `w${i}.bin`), body));
    }
    await Promise.all(writes);
  }
}

interface Results {
  when: string;
  machine: string;
  uploadBytes: number;
  sha256Ms: number;
  sm3Ms: number;
  uploadMs: number;
  rssBaseKb: number;
  rssPeakKb: number;
  ingestFiles: number;
  ingestMs: number;
  ingestOutFiles: number;
  ingestOutMs: number;
}

async function main(): Promise<void> {
  const dir = await tempDir('cl-bench-upload-');
  try {
    const dataDir = join(dir.path, 'data');
    await mkdir(dataDir);
    note('starting the server (child process)');
    const server = await startServer({ dataDir, env: { MAX_UPLOAD_BYTES: String(2 * 1024 ** 3) } });
    try {
      const acct = await fetch(`${server.url}/v1/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Bench', email: `bench${process.pid}@example.com`, kind: 'organisation' }),
      });
      const { apiKey } = (await acct.json()) as { apiKey: string };

      // 1. Upload.
      const file = join(dir.path, 'upload.bin');
      note(`writing a ${UPLOAD_BYTES / MiB} MiB random file`);
      await makeRandomFile(file, UPLOAD_BYTES);
      await run('sh', ['-c', `cat '${file}' > /dev/null && sync`]); // in the page cache, nothing dirty: every contender reads from memory
      note('openssl dgst -sha256 / -sm3');
      const sha = await opensslDigest('sha256', file);
      const sm3 = await opensslDigest('sm3', file);
      note(`sha256 ${sha.ms.toFixed(0)} ms, sm3 ${sm3.ms.toFixed(0)} ms; uploading with curl`);
      await new Promise((r) => setTimeout(r, 500));
      const rssBaseKb = rssKb(server.pid);
      const sampler = rssSampler(server.pid);
      const up = await timed(() => curlUpload(server.url, apiKey, file));
      const rssPeakKb = sampler.stop();
      if (up.value.status !== 201) throw new Error(`upload answered ${up.value.status}: ${up.value.body}`);
      const dep = JSON.parse(up.value.body) as { sha256: string; sm3: string; size: number };
      if (dep.sha256 !== sha.hex || dep.sm3 !== sm3.hex || dep.size !== UPLOAD_BYTES) throw new Error(`the deposit's hashes differ from openssl's: ${up.value.body}`);
      note(`upload ${up.ms.toFixed(0)} ms, RSS ${fmtInt(rssBaseKb / 1024)} → ${fmtInt(rssPeakKb / 1024)} MiB`);

      // 2. Ingest, hash only.
      const works = join(dir.path, 'works');
      note(`creating ${fmtInt(INGEST_FILES)} small files`);
      await makeSmallFiles(works, INGEST_FILES);
      await run('sync');
      note('ingest (hash only, no --out)');
      const ing = await timed(() =>
        runIngest({ source: works, server: server.url, apiKey, concurrency: 16, upload: false, batch: 1000, state: join(dir.path, 'state.jsonl'), progress: null }),
      );
      if (ing.value.failures.length > 0 || ing.value.deposited !== INGEST_FILES) throw new Error(`ingest: ${JSON.stringify(ing.value).slice(0, 500)}`);
      note(`ingest ${fmtInt(INGEST_FILES)} files in ${ing.ms.toFixed(0)} ms`);

      const works2 = join(dir.path, 'works2');
      await makeSmallFiles(works2, INGEST_OUT_FILES);
      note(`ingest with --out (${fmtInt(INGEST_OUT_FILES)} files)`);
      const ing2 = await timed(() =>
        runIngest({ source: works2, server: server.url, apiKey, concurrency: 16, upload: false, batch: 1000, out: join(dir.path, 'certs'), progress: null }),
      );
      if (ing2.value.failures.length > 0) throw new Error(`ingest --out: ${JSON.stringify(ing2.value.failures.slice(0, 3))}`);

      const r: Results = {
        when: new Date().toISOString(),
        machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}`,
        uploadBytes: UPLOAD_BYTES,
        sha256Ms: sha.ms,
        sm3Ms: sm3.ms,
        uploadMs: up.ms,
        rssBaseKb,
        rssPeakKb,
        ingestFiles: INGEST_FILES,
        ingestMs: ing.ms,
        ingestOutFiles: INGEST_OUT_FILES,
        ingestOutMs: ing2.ms,
      };
      const section = render(r);
      process.stdout.write(section + '\n');
      if (WRITE && !QUICK) await writeSection(section);
    } finally {
      await server.stop();
    }
  } finally {
    await killAllServers();
    await dir.remove();
  }
}

function render(r: Results): string {
  const floor = Math.max(r.sha256Ms, r.sm3Ms);
  const ratio = r.uploadMs / floor;
  const growthMb = (r.rssPeakKb - r.rssBaseKb) / 1024;
  const rate = (r.ingestFiles / r.ingestMs) * 1000;
  const rateOut = (r.ingestOutFiles / r.ingestOutMs) * 1000;
  const mbps = (ms: number) => ((r.uploadBytes / MiB / ms) * 1000).toFixed(0);
  const ok = (b: boolean) => (b ? 'met' : '**missed**');
  return `## Uploads and ingest

Measured by \`npx tsx scripts/bench-upload.ts\` on ${r.when.slice(0, 10)} (${r.machine}). The server runs as a
child process with the default configuration (KEEP_UPLOADS=true: the upload is written to a temp file, fsync'd and
linked into content-addressed storage before the deposit is answered). Other work on the machine during the run
shows up in these figures; rerun to compare.

| measurement | result | target |
|---|---|---|
| \`openssl dgst -sha256\`, ${fmtInt(r.uploadBytes / MiB)} MiB | ${r.sha256Ms.toFixed(0)} ms (${mbps(r.sha256Ms)} MiB/s) | |
| \`openssl dgst -sm3\`, same file | ${r.sm3Ms.toFixed(0)} ms (${mbps(r.sm3Ms)} MiB/s) | |
| upload over HTTP (curl, multipart), same file | ${r.uploadMs.toFixed(0)} ms (${mbps(r.uploadMs)} MiB/s) | |
| upload ÷ slower openssl | ${ratio.toFixed(2)}× | ≤ 1.3× (${ok(ratio <= 1.3)}) |
| server RSS during the upload | ${(r.rssBaseKb / 1024).toFixed(0)} → ${(r.rssPeakKb / 1024).toFixed(0)} MiB: +${growthMb.toFixed(1)} MiB | < 64 MB (${ok(growthMb * 1.048576 < 64)}) |
| ingest, hash only, ${fmtInt(r.ingestFiles)} files of 64 B–4 KiB | ${(r.ingestMs / 1000).toFixed(2)} s: ${fmtInt(rate)} files/s | ≥ 5,000 files/s (${ok(rate >= 5000)}) |
| ingest with \`--out\` (a certificate per work), ${fmtInt(r.ingestOutFiles)} files | ${(r.ingestOutMs / 1000).toFixed(2)} s: ${fmtInt(rateOut)} files/s | (informational) |

How: SHA-256 runs on the request's thread while SM3 runs in a worker thread fed 1 MiB buffers (transferred, then
handed back for reuse), so the upload costs about one SM3 pass; the ingest tool hashes files 16 at a time and sends
batches of 1,000 with two requests in flight.
`;
}

async function writeSection(section: string): Promise<void> {
  const path = join(PROJECT_ROOT, 'docs', 'PERFORMANCE.md');
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    text = '# Performance\n';
  }
  const start = text.search(/^## Uploads and ingest\s*$/m);
  if (start < 0) {
    text = text.replace(/\n*$/, '\n\n') + section;
  } else {
    const rest = text.slice(start + 1);
    const next = rest.search(/^## /m);
    const end = next < 0 ? text.length : start + 1 + next;
    text = text.slice(0, start) + section + (end < text.length ? '\n' + text.slice(end) : '');
  }
  await writeFile(path, text);
  note(`wrote the "Uploads and ingest" section of ${path}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-upload failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
