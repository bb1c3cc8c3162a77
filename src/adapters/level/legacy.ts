/**
 * Stores written before the tiles layout (tiles.ts) kept one record per entry ('e' + u64 index →
 * entry bytes) and one per perfect tree node ('n' + u8 level + u64 index → 32-byte hash).
 *
 * `prepareLayout` migrates such a store when it is opened for writing: in chunks, each one synced
 * batch that writes whole bundles and tiles and deletes the old records they replace, so a crash
 * loses nothing and the next open resumes from the first old record left. A marker says when it
 * is done. A store opened read-only (audit, export) is not migrated: `LegacyReads` serves it.
 */
import type { Level } from 'level';
import { concatBytes, readU64be, utf8 } from '../../core/bytes.js';
import { LogError } from '../../core/errors.js';
import type { NodeId } from '../../core/merkle.js';
import { entryBundle } from '../../core/tiles.js';
import * as K from './keys.js';
import { BUNDLE_RAW, fullBundleRecord } from './tiles.js';

type Bytes = Uint8Array;

/** Meta marker: the store holds the tiles layout only. */
export const TILES_MIGRATED = 'tiles-v1';

export interface LayoutOptions {
  readOnly?: boolean;
  /** Migration progress (default: lines on stderr). */
  log?: (msg: string) => void;
  /** Entries (and nodes of one level) per migration batch; a multiple of 256 (default 65,536). */
  chunk?: number;
  /** Stops after this many migration batches (tests of an interrupted migration). */
  stopAfterChunks?: number;
  compressBundles?: boolean;
}

/** The first key with `prefix`, at or after `from` (seeking there skips the records deleted before it). */
async function firstKey(db: Level<Bytes, Bytes>, prefix: Bytes, from: Bytes = prefix): Promise<Bytes | undefined> {
  const [k] = await db.keys({ gte: from, lt: K.prefixEnd(prefix), limit: 1 }).all();
  return k;
}

/**
 * 'tiles' when the store holds the tiles layout (migrating it first unless `readOnly`), 'legacy'
 * for an unmigrated store opened read-only. A read-only open of a store whose migration was
 * interrupted fails: open it for writing (start the service) once to finish it.
 */
export async function prepareLayout(db: Level<Bytes, Bytes>, opts: LayoutOptions = {}): Promise<'tiles' | 'legacy'> {
  if ((await db.get(K.metaKey(TILES_MIGRATED))) !== undefined) return 'tiles';
  const oldE = await firstKey(db, Uint8Array.of(K.P.entry));
  const oldN = await firstKey(db, Uint8Array.of(K.P.node));
  if (opts.readOnly === true) {
    if (oldE === undefined && oldN === undefined) return 'tiles';
    const started = (await firstKey(db, Uint8Array.of(K.P.bundle))) !== undefined || (await firstKey(db, Uint8Array.of(K.P.tile))) !== undefined;
    if (started) throw new LogError('corrupt_store', 'the store was being migrated to tiles when it was last opened: open it for writing (start the service) once to finish');
    return 'legacy';
  }
  if (oldE === undefined && oldN === undefined) {
    await db.put(K.metaKey(TILES_MIGRATED), utf8('1'), { sync: true });
    return 'tiles';
  }
  const done = await migrate(db, opts);
  return done ? 'tiles' : 'legacy';
}

/** Runs the migration batches; false when stopped early by `stopAfterChunks`. */
async function migrate(db: Level<Bytes, Bytes>, opts: LayoutOptions): Promise<boolean> {
  const chunk = opts.chunk ?? 65_536;
  if (chunk <= 0 || chunk % 256 !== 0) throw new LogError('internal', 'migration chunk must be a positive multiple of 256');
  const log = opts.log ?? ((msg: string) => process.stderr.write(msg + '\n'));
  let batches = 0;
  let moved = 0;
  const t0 = Date.now();
  log('store: migrating entries and tree nodes to C2SP tiles (resumable; old records are deleted as their tiles are written)');
  // Entries → bundles.
  let next: bigint | undefined;
  for (let k = await firstKey(db, Uint8Array.of(K.P.entry)); k !== undefined; ) {
    if (opts.stopAfterChunks !== undefined && batches >= opts.stopAfterChunks) return false;
    const from = readU64be(k, 1);
    // Batches end on bundle boundaries, so the first entry left starts a bundle.
    if (from % 256n !== 0n || (next !== undefined && from !== next)) throw new LogError('corrupt_store', `entry ${next ?? from - 1n} is missing: cannot migrate to tiles`);
    const rows = await db.iterator({ gte: K.entryKey(from), lt: K.entryKey(from + BigInt(chunk)) }).all();
    const b = db.batch();
    let expect = from;
    for (let i = 0; i < rows.length; i += 256) {
      const part = rows.slice(i, i + 256);
      part.forEach(([key], j) => {
        if (readU64be(key, 1) !== expect + BigInt(j)) throw new LogError('corrupt_store', `entry ${expect + BigInt(j)} is missing: cannot migrate to tiles`);
        b.del(key);
      });
      const raw = concatBytes(Uint8Array.of(BUNDLE_RAW), entryBundle(part.map(([, v]) => v)));
      if (part.length < 256) b.put(K.bundleKey(expect >> 8n, 0), raw);
      else b.put(K.bundleKey(expect >> 8n), opts.compressBundles !== false ? await fullBundleRecord(raw) : raw);
      expect += BigInt(part.length);
    }
    await b.write({ sync: true });
    batches++;
    moved += rows.length;
    log(`store: tiles migration: entries up to ${expect} moved to bundles (${moved} this run, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    next = expect;
    k = await firstKey(db, Uint8Array.of(K.P.entry), K.entryKey(expect));
  }
  // Nodes → tiles: level 8·L nodes become tile level L, level 8·L+4 nodes mid-level tiles; the others are computed from tiles now.
  let nodes = 0;
  for (let level = 0; level < 64; level++) {
    const prefix = Uint8Array.of(K.P.node, level);
    for (let k = await firstKey(db, prefix); k !== undefined; ) {
      if (opts.stopAfterChunks !== undefined && batches >= opts.stopAfterChunks) return false;
      const from = readU64be(k, 2);
      if (level % 4 === 0 && from % 256n !== 0n) throw new LogError('corrupt_store', `tree node level ${level} index ${from - 1n} is missing: cannot migrate to tiles`);
      const rows = await db.iterator({ gte: K.nodeKey(level, from), lt: K.nodeKey(level, from + BigInt(chunk)) }).all();
      const b = db.batch();
      if (level % 4 === 0) tileOps(b, level / 4, from, rows);
      for (const [key] of rows) b.del(key);
      await b.write({ sync: true });
      batches++;
      nodes += rows.length;
      k = await firstKey(db, prefix, K.nodeKey(level, from + BigInt(chunk)));
    }
    if (nodes > 0) log(`store: tiles migration: tree level ${level} done (${nodes} node records replaced, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  await db.put(K.metaKey(TILES_MIGRATED), utf8('1'), { sync: true });
  log(`store: tiles migration done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}

/** Tile records for the consecutive level-4·q node rows from index `from` (a multiple of 256). */
function tileOps(b: ReturnType<Level<Bytes, Bytes>['batch']>, q: number, from: bigint, rows: [Bytes, Bytes][]): void {
  for (let i = 0; i < rows.length; i += 256) {
    const part = rows.slice(i, i + 256);
    const at = from + BigInt(i);
    part.forEach(([key, value], j) => {
      if (readU64be(key, 2) !== at + BigInt(j) || value.length !== 32) throw new LogError('corrupt_store', `tree node level ${q * 4} index ${at + BigInt(j)} is missing or malformed: cannot migrate to tiles`);
    });
    b.put(K.quadTileKey(q, at >> 8n, part.length < 256 ? 0 : undefined), concatBytes(...part.map(([, v]) => v)));
  }
}

/** Reads of an unmigrated store (opened read-only), as the earlier versions made them. */
export class LegacyReads {
  constructor(private readonly db: Level<Bytes, Bytes>) {}

  async entry(index: bigint): Promise<Bytes | undefined> {
    return index < 0n ? undefined : this.db.get(K.entryKey(index));
  }

  async entries(start: bigint, count: number): Promise<Bytes[]> {
    if (count <= 0 || start < 0n) return [];
    return this.db.values({ gte: K.entryKey(start), lt: K.entryKey(start + BigInt(count)) }).all();
  }

  async nodes(ids: readonly NodeId[], strict: boolean): Promise<(Bytes | undefined)[]> {
    if (ids.length === 0) return [];
    const values = await this.db.getMany(ids.map((id) => K.nodeKey(id.level, id.index)));
    return values.map((v, i) => {
      if ((v === undefined || v.length !== 32) && strict) throw new LogError('corrupt_store', `tree node level ${ids[i]!.level} index ${ids[i]!.index} is missing`);
      return v;
    });
  }

  async tile(level: number, index: bigint): Promise<Bytes | undefined> {
    const hashes = await this.db.values({ gte: K.nodeKey(level * 8, index * 256n), lt: K.nodeKey(level * 8, index * 256n + 256n) }).all();
    return hashes.length === 0 ? undefined : concatBytes(...hashes);
  }

  async bundle(index: bigint): Promise<Bytes | undefined> {
    const entries = await this.entries(index * 256n, 256);
    return entries.length === 0 ? undefined : entryBundle(entries);
  }
}
