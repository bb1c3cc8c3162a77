/**
 * Bench-only what-ifs: patches applied at run time (src is untouched) to measure proposed src
 * changes on the real code path. Enabled with `--whatif a,b`; the report marks such runs.
 *
 * - chained-batch: the store's array `db.batch(ops, { sync: true })` goes through LevelDB's chained
 *   batch instead (same records, one atomic synced write). Proposal for src/adapters/level/store.ts
 *   and registry.ts: abstract-level's array batch clones and re-validates every op on the main
 *   thread (~6 µs/op measured), the chained batch does not (~0.7 µs/op).
 * - pooled-random: small randomBytes(n) calls are served from a 64 KiB pool refilled with one
 *   randomFillSync. Proposal for src/server.ts `systemRandom` (2 calls per deposit).
 * - tsa-interval: the block-timestamp worker (src/app/timestamps.ts) starts at most one stamp per
 *   second, stamping the latest block then, instead of stamping back to back while blocks keep
 *   coming. Proposal: a minimum interval between stamps (config, default 1 s).
 * - raw-bundles: (a) only: full entry bundles stored as they are, not deflated (LevelDB's snappy
 *   still compresses its blocks), to weigh the disk bytes deflate saves against its CPU.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';

export const WHATIFS = ['chained-batch', 'pooled-random', 'tsa-interval', 'raw-bundles'] as const;
export type WhatIf = (typeof WHATIFS)[number];

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;
type Chained = { put(k: unknown, v: unknown): void; del(k: unknown): void; write(o?: unknown): Promise<void> };

/** A `batch` that turns the array form into a chained batch; everything else passes through. */
export function chainedBatch(orig: AnyFn): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    const ops = args[0];
    if (!Array.isArray(ops)) return orig.apply(this, args);
    const b = orig.call(this) as Chained;
    for (const op of ops as { type: string; key: unknown; value: unknown }[]) {
      if (op.type === 'put') b.put(op.key, op.value);
      else b.del(op.key);
    }
    return b.write(args[1]);
  };
}

/** A RandomBytes (n → fresh Uint8Array) served from a pool. */
export function pooledRandom(): (n: number) => Uint8Array {
  const require = createRequire(import.meta.url);
  const { randomFillSync } = require('node:crypto') as typeof import('node:crypto');
  const pool = Buffer.allocUnsafe(65_536);
  let off = pool.length;
  return (n: number) => {
    if (n > 1024) {
      const out = Buffer.allocUnsafe(n);
      randomFillSync(out);
      return out;
    }
    if (off + n > pool.length) {
      randomFillSync(pool);
      off = 0;
    }
    const out = Buffer.allocUnsafe(n); // a Buffer, as randomBytes returns
    pool.copy(out, 0, off, off + n);
    off += n;
    return out;
  };
}

/** Process-wide: node:crypto randomBytes(n) without a callback comes from the pool (ESM bindings too). */
export function installPooledRandomBytes(): void {
  const require = createRequire(import.meta.url);
  const crypto = require('node:crypto') as { randomBytes: AnyFn };
  const orig = crypto.randomBytes;
  const pooled = pooledRandom();
  crypto.randomBytes = function (this: unknown, ...args: unknown[]) {
    if (args.length === 1 && typeof args[0] === 'number') return pooled(args[0]);
    return orig.apply(this, args);
  };
  syncBuiltinESMExports();
}

export function parseWhatIfs(list: string | undefined): Set<WhatIf> {
  const out = new Set<WhatIf>();
  for (const w of (list ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(WHATIFS as readonly string[]).includes(w)) throw new Error(`unknown what-if ${w} (known: ${WHATIFS.join(', ')})`);
    out.add(w as WhatIf);
  }
  return out;
}

/**
 * Patches the Timestamper (if this src has one) so that stamps start at least `intervalMs`
 * apart; a stamp that has to wait then takes the latest block. Returns false when there is no
 * Timestamper to patch.
 */
export async function installTsaInterval(intervalMs = 1000): Promise<boolean> {
  let mod: { Timestamper?: { prototype: object } };
  try {
    mod = (await import('../../src/app/timestamps.js')) as { Timestamper?: { prototype: object } };
  } catch {
    return false;
  }
  const proto = mod.Timestamper?.prototype as { stamp?: (this: unknown, block: unknown) => Promise<boolean> } | undefined;
  const orig = proto?.stamp;
  if (!proto || !orig) return false;
  let last = 0;
  proto.stamp = async function (this: unknown, block: unknown): Promise<boolean> {
    const wait = last + intervalMs - Date.now();
    if (wait > 0) {
      await new Promise((r) => setTimeout(r, wait));
      block = (this as { opts: { ledger: { latestBlock: unknown } } }).opts.ledger.latestBlock;
    }
    last = Date.now();
    return orig.call(this, block);
  };
  return true;
}
