/** Small helpers shared by the benchmark parts: stats, sizes, temp dirs, random input. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Progress and notes go to stderr so stdout stays the report. */
export function note(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Percentile (nearest-rank) of an ascending-sorted array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samplesMs: number[]): LatencySummary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, mean };
}

/** Apparent size (sum of st_size) and allocated size (st_blocks * 512) of every file under `dir`. */
export async function dirSize(dir: string): Promise<{ bytes: number; allocated: number; files: number; byKind: Record<string, number> }> {
  let bytes = 0;
  let allocated = 0;
  let files = 0;
  const byKind: Record<string, number> = {};
  const walk = async (d: string): Promise<void> => {
    for (const ent of await readdir(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) await walk(p);
      else if (ent.isFile()) {
        const st = await stat(p).catch(() => undefined); // LevelDB may delete a file meanwhile
        if (st === undefined) continue;
        bytes += st.size;
        allocated += st.blocks * 512;
        files++;
        const kind = /\.(\w+)$/.exec(ent.name)?.[1] ?? ent.name.replace(/-\d+$/, '');
        byKind[kind] = (byKind[kind] ?? 0) + st.size;
      }
    }
  };
  await walk(dir);
  return { bytes, allocated, files, byKind };
}

/** A fresh directory under os.tmpdir(); `remove` deletes it and everything in it. */
export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * `n` random SHA-256-looking lowercase hex strings. One randomBytes call per chunk keeps the
 * generator cheap next to the code under test.
 */
export function randomHexes(n: number): string[] {
  const hex = randomBytes(32 * n).toString('hex');
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = hex.slice(64 * i, 64 * i + 64);
  return out;
}

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtMs = (n: number): string => (n < 1 ? n.toFixed(3) : n < 10 ? n.toFixed(2) : n.toFixed(1));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
