/** Small helpers shared by the benchmark parts: stats, sizes, temp dirs, random input. */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
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

const liveDirs = new Set<string>();
process.once('exit', () => {
  // Last resort (Ctrl-C, a crash): temp dirs never outlive the process.
  for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under os.tmpdir(); `remove` deletes it and everything in it. */
export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  liveDirs.add(path);
  return {
    path,
    remove: async () => {
      await rm(path, { recursive: true, force: true });
      liveDirs.delete(path);
    },
  };
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

/** Busy and total CPU time of the whole machine (all cores), in ms, from /proc/stat. */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const tick = 10; // USER_HZ = 100 on Linux
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - idle) * tick, total: total * tick };
  } catch {
    return undefined;
  }
}

/**
 * Watches how much CPU other processes use during a part: machine busy time minus this
 * benchmark's own (`ownMs`, parent + children), as cores (2.0 = both cores taken by others).
 */
export function contentionWindow(): { stop(ownCpuMs: number): { othersCores: number; machineBusyCores: number; seconds: number } | undefined } {
  const m0 = machineCpu();
  const t0 = performance.now();
  return {
    stop(ownCpuMs: number) {
      const m1 = machineCpu();
      if (!m0 || !m1) return undefined;
      const wall = performance.now() - t0;
      const busy = m1.busy - m0.busy;
      return { othersCores: Math.max(0, (busy - ownCpuMs) / wall), machineBusyCores: busy / wall, seconds: wall / 1000 };
    },
  };
}

/** This process's CPU time (user + system) in ms. */
export const ownCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
