/**
 * Counts what the store hands to LevelDB: commits, records, bytes per key prefix, entries per
 * commit and the time spent inside `db.batch` (write + fsync). Bench-only; wraps the method,
 * never changes what is written.
 */
import { performance } from 'node:perf_hooks';

export interface BatchStats {
  commits: number;
  records: number;
  /** Log entries committed: the growth of the head record's treeSize (stores start empty). */
  entries: number;
  /** treeSize of the last head record written. */
  treeSize: number;
  keyBytes: number;
  valueBytes: number;
  /** Per key prefix (ASCII char): records and key+value bytes. */
  byPrefix: Record<string, { records: number; bytes: number }>;
  /** Total ms spent awaiting db.batch, and the longest one. */
  batchMs: number;
  maxBatchMs: number;
  /** Largest number of entries in one commit. */
  maxEntries: number;
}

export function emptyStats(): BatchStats {
  return { commits: 0, records: 0, entries: 0, treeSize: 0, keyBytes: 0, valueBytes: 0, byPrefix: {}, batchMs: 0, maxBatchMs: 0, maxEntries: 0 };
}

type Op = { type: string; key: Uint8Array; value?: Uint8Array };
type BatchFn = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Returns a `batch` that records into `stats` then calls `orig`. Both forms are counted: the
 * array form `batch(ops, opts)` and the chained form `batch()…put()…write(opts)`.
 */
export function wrapBatch(orig: BatchFn, stats: BatchStats, capture?: (ops: readonly Op[]) => void): BatchFn {
  const record = (ops: readonly Op[]): (() => void) => {
    let entries = 0;
    for (const op of ops) {
      const k = op.key;
      const v = op.value?.length ?? 0;
      stats.records++;
      stats.keyBytes += k.length;
      stats.valueBytes += v;
      const p = String.fromCharCode(k[0] ?? 0);
      const slot = (stats.byPrefix[p] ??= { records: 0, bytes: 0 });
      slot.records++;
      slot.bytes += k.length + v;
      if (k.length === 1 && k[0] === 0x48 && op.value) {
        // 'H': the head record (JSON with treeSize).
        const size = Number((JSON.parse(new TextDecoder().decode(op.value)) as { treeSize: string }).treeSize);
        entries += size - stats.treeSize;
        stats.treeSize = size;
      }
    }
    capture?.(ops);
    stats.commits++;
    stats.entries += entries;
    if (entries > stats.maxEntries) stats.maxEntries = entries;
    const t0 = performance.now();
    return () => {
      const ms = performance.now() - t0;
      stats.batchMs += ms;
      if (ms > stats.maxBatchMs) stats.maxBatchMs = ms;
    };
  };
  const timed = (r: Promise<unknown>, done: () => void) =>
    r.then(
      (v) => {
        done();
        return v;
      },
      (e: unknown) => {
        done();
        throw e;
      },
    );
  return function (this: unknown, ...args: unknown[]) {
    const ops = args[0];
    if (Array.isArray(ops)) {
      const done = record(ops as Op[]);
      return timed(orig.apply(this, args) as Promise<unknown>, done);
    }
    if (args.length > 0) return orig.apply(this, args);
    // Chained batch: remember what is put, count it when written.
    const chained = orig.apply(this, args) as { put: BatchFn; del: BatchFn; write: BatchFn };
    const seen: Op[] = [];
    const { put, del, write } = chained;
    chained.put = function (this: unknown, ...a: unknown[]) {
      seen.push({ type: 'put', key: a[0] as Uint8Array, value: a[1] as Uint8Array });
      return put.apply(this, a);
    };
    chained.del = function (this: unknown, ...a: unknown[]) {
      seen.push({ type: 'del', key: a[0] as Uint8Array });
      return del.apply(this, a);
    };
    chained.write = function (this: unknown, ...a: unknown[]) {
      const done = record(seen);
      return timed(write.apply(this, a) as Promise<unknown>, done);
    };
    return chained;
  };
}

/** Replaces `target.batch` (an instance or a prototype) with the counting wrapper. */
export function instrument(target: object, stats: BatchStats, capture?: (ops: readonly Op[]) => void): () => void {
  const t = target as { batch: BatchFn };
  const orig = t.batch;
  t.batch = wrapBatch(orig, stats, capture);
  return () => {
    t.batch = orig;
  };
}

export type { Op as BatchOp };
