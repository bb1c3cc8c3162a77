/**
 * The log's tree and entries on LevelDB as C2SP tlog-tiles records (https://c2sp.org/tlog-tiles):
 *   'T' + u8 tile level L + u64 N → hashes of tree level 8·L nodes 256·N … (32 bytes each, 1–256)
 *   'B' + u64 N                   → format byte ‖ entry bundle of entries 256·N … (1–256)
 * A partial tile or bundle is rewritten by each commit that extends it until it is full; a full
 * one never changes. Every other tree node is computed from the tile below it with RFC 9162
 * interior hashing; full tiles (with the levels computed from them) and full bundles are cached.
 */
import { hash as oneShotHash } from 'node:crypto';
import { deflateRaw, inflateRawSync } from 'node:zlib';
import type { Level } from 'level';
import { LogError } from '../../core/errors.js';
import type { NodeId } from '../../core/merkle.js';
import { parseEntryBundle } from '../../core/tiles.js';
import { bundleKey, tileKey } from './keys.js';

type Bytes = Uint8Array;

const WIDTH = 256;
const HASH = 32;
const FULL_TILE = WIDTH * HASH;
/** Format byte of a bundle record: the C2SP bytes as they are, or deflate-raw of a full bundle. */
export const BUNDLE_RAW = 0;
export const BUNDLE_DEFLATE = 1;

export interface TileOptions {
  /** Full bundles stored deflate-raw compressed (default true). */
  compressBundles?: boolean;
  /** Full tiles kept in memory, each with the levels computed from it (≤ 16 KiB each; default 1024). */
  tileCache?: number;
  /** Full bundles kept in memory, decoded (≤ ~73 KiB each for 285-byte entries; default 64). */
  bundleCache?: number;
}

/** A small least-recently-used map. */
class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
  }
}

const scratch = new Uint8Array(1 + 2 * HASH);
scratch[0] = 1;

/** The next level up: SHA-256(0x01 ‖ left ‖ right) of each pair of 32-byte hashes. */
export function levelUp(lower: Bytes): Bytes {
  const n = lower.length >> 6;
  const out = new Uint8Array(n * HASH);
  for (let j = 0; j < n; j++) {
    scratch.set(lower.subarray(j * 64, j * 64 + 64), 1);
    out.set(oneShotHash('sha256', scratch, 'buffer'), j * HASH);
  }
  return out;
}

/** Root of the perfect subtree over `count` (a power of two) hashes of `base` from position `pos`. */
function subtreeRoot(base: Bytes, pos: number, count: number): Bytes {
  let level = base.subarray(pos * HASH, (pos + count) * HASH);
  while (level.length > HASH) level = levelUp(level);
  return level.slice();
}

/** A full tile with the tree levels above its hashes, computed when first needed. */
class FullTile {
  private readonly levels: Bytes[];
  constructor(base: Bytes) {
    this.levels = [base];
  }
  node(s: number, pos: number): Bytes {
    while (this.levels.length <= s) this.levels.push(levelUp(this.levels[this.levels.length - 1]!));
    const i = (pos >> s) * HASH;
    return this.levels[s]!.slice(i, i + HASH);
  }
}

const plain = (b: Bytes): Bytes => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** The entries of a stored bundle record. */
export function decodeBundleRecord(raw: Bytes): Bytes[] {
  if (raw.length === 0) throw new LogError('corrupt_store', 'entry bundle record is empty');
  if (raw[0] === BUNDLE_RAW) return parseEntryBundle(raw.subarray(1));
  if (raw[0] === BUNDLE_DEFLATE) {
    let body: Bytes;
    try {
      body = plain(inflateRawSync(raw.subarray(1)));
    } catch (cause) {
      throw new LogError('corrupt_store', 'entry bundle record does not inflate', { cause });
    }
    return parseEntryBundle(body);
  }
  throw new LogError('corrupt_store', `entry bundle record has unknown format ${raw[0]}`);
}

/** The C2SP bundle bytes of a stored bundle record. */
export function bundleBytes(raw: Bytes): Bytes {
  if (raw[0] === BUNDLE_RAW) return raw.subarray(1);
  if (raw[0] === BUNDLE_DEFLATE) return plain(inflateRawSync(raw.subarray(1)));
  throw new LogError('corrupt_store', `entry bundle record has unknown format ${raw[0]}`);
}

/** Counts the entries of raw C2SP bundle bytes (throws corrupt_store when truncated). */
function countEntries(body: Bytes): number {
  let n = 0;
  let o = 0;
  while (o < body.length) {
    if (o + 2 > body.length) throw new LogError('corrupt_store', 'entry bundle is truncated');
    o += 2 + ((body[o]! << 8) | body[o + 1]!);
    n++;
  }
  if (o !== body.length) throw new LogError('corrupt_store', 'entry bundle is truncated');
  return n;
}

/** A bundle record: format byte, `prefix` (raw bundle bytes already stored), then `entries`. */
function rawBundleRecord(prefix: Bytes, entries: readonly Bytes[]): Bytes {
  let size = 1 + prefix.length;
  for (const e of entries) {
    if (e.length > 0xffff) throw new LogError('invalid_request', `an entry of ${e.length} bytes does not fit an entry bundle (at most 65,535)`);
    size += 2 + e.length;
  }
  const out = new Uint8Array(size);
  out[0] = BUNDLE_RAW;
  out.set(prefix, 1);
  let o = 1 + prefix.length;
  for (const e of entries) {
    out[o] = e.length >> 8;
    out[o + 1] = e.length & 255;
    out.set(e, o + 2);
    o += 2 + e.length;
  }
  return out;
}

function deflate(body: Bytes): Promise<Bytes> {
  return new Promise((resolve, reject) => deflateRaw(body, { level: 1 }, (err, out) => (err ? reject(err) : resolve(plain(out)))));
}

/** Compressed when that is smaller, raw otherwise. */
export async function fullBundleRecord(raw: Bytes): Promise<Bytes> {
  const z = await deflate(raw.subarray(1));
  if (z.length + 1 >= raw.length) return raw;
  const out = new Uint8Array(1 + z.length);
  out[0] = BUNDLE_DEFLATE;
  out.set(z, 1);
  return out;
}

export class LevelTiles {
  private readonly tiles: Lru<FullTile>;
  private readonly bundles: Lru<Bytes[]>;
  private readonly compress: boolean;

  constructor(
    private readonly db: Level<Bytes, Bytes>,
    opts: TileOptions = {},
  ) {
    this.tiles = new Lru(opts.tileCache ?? 1024);
    this.bundles = new Lru(opts.bundleCache ?? 64);
    this.compress = opts.compressBundles ?? true;
  }

  /**
   * Hashes of perfect nodes, one per id: each from its tile (node (l, i) hashes up the 2^s hashes
   * i·2^s … of tile level ⌊l/8⌋, s = l mod 8). Undefined where the tile holds too few hashes,
   * or, with `strict`, LogError('corrupt_store').
   */
  async nodes(ids: readonly NodeId[], strict: boolean): Promise<(Bytes | undefined)[]> {
    const local = new Map<string, FullTile | Bytes | undefined>();
    const want: { key: string; level: number; index: bigint }[] = [];
    const plan = ids.map((id) => {
      if (id.level < 0 || id.level > 63 || id.index < 0n) throw new LogError('corrupt_store', `tree node level ${id.level} index ${id.index} is missing`);
      const L = id.level >> 3;
      const s = id.level & 7;
      const first = id.index << BigInt(s);
      const t = first >> 8n;
      const key = `${L}/${t}`;
      if (!local.has(key)) {
        const cached = this.tiles.get(key);
        local.set(key, cached);
        if (cached === undefined) want.push({ key, level: L, index: t });
      }
      return { key, s, pos: Number(first & 255n) };
    });
    if (want.length > 0) {
      const values = await this.db.getMany(want.map((w) => tileKey(w.level, w.index)));
      want.forEach((w, i) => {
        const v = values[i];
        if (v !== undefined && v.length === FULL_TILE) {
          const full = new FullTile(v);
          this.tiles.set(w.key, full);
          local.set(w.key, full);
        } else local.set(w.key, v);
      });
    }
    return plan.map((p, i) => {
      const tile = local.get(p.key);
      let out: Bytes | undefined;
      if (tile instanceof FullTile) out = tile.node(p.s, p.pos);
      else if (tile !== undefined && tile.length >= (p.pos + (1 << p.s)) * HASH) out = subtreeRoot(tile, p.pos, 1 << p.s);
      if (out === undefined && strict) {
        throw new LogError('corrupt_store', `tree node level ${ids[i]!.level} index ${ids[i]!.index} is missing`);
      }
      return out;
    });
  }

  /** The stored tile record (1–256 hashes), or undefined. */
  async tile(level: number, index: bigint): Promise<Bytes | undefined> {
    if (level < 0 || level > 255 || index < 0n) return undefined;
    return this.db.get(tileKey(level, index));
  }

  /** The C2SP bytes of bundle `index`, or undefined. */
  async bundle(index: bigint): Promise<Bytes | undefined> {
    if (index < 0n) return undefined;
    const raw = await this.db.get(bundleKey(index));
    return raw === undefined ? undefined : bundleBytes(raw);
  }

  /** Entries of bundles first … last (undefined for a bundle not stored). */
  private async bundleEntries(first: bigint, last: bigint): Promise<(Bytes[] | undefined)[]> {
    const out: (Bytes[] | undefined)[] = [];
    const missing: { at: number; index: bigint }[] = [];
    for (let b = first; b <= last; b++) {
      const cached = this.bundles.get(b.toString());
      if (cached === undefined) missing.push({ at: out.length, index: b });
      out.push(cached);
    }
    if (missing.length > 0) {
      const values = await this.db.getMany(missing.map((m) => bundleKey(m.index)));
      missing.forEach((m, i) => {
        const v = values[i];
        if (v === undefined) return;
        const entries = decodeBundleRecord(v);
        if (entries.length === WIDTH) this.bundles.set(m.index.toString(), entries);
        out[m.at] = entries;
      });
    }
    return out;
  }

  async entry(index: bigint): Promise<Bytes | undefined> {
    if (index < 0n) return undefined;
    const [entries] = await this.bundleEntries(index >> 8n, index >> 8n);
    return entries?.[Number(index & 255n)];
  }

  /** Entries [start, start+count) that exist, in order. */
  async entries(start: bigint, count: number): Promise<Bytes[]> {
    if (count <= 0 || start < 0n) return [];
    const end = start + BigInt(count);
    const first = start >> 8n;
    const last = (end - 1n) >> 8n;
    const bundles = await this.bundleEntries(first, last);
    const out: Bytes[] = [];
    for (let b = first; b <= last; b++) {
      const entries = bundles[Number(b - first)];
      if (entries === undefined) break;
      const lo = b === first ? Number(start & 255n) : 0;
      const hi = b === last ? Number((end - 1n) & 255n) + 1 : WIDTH;
      for (let i = lo; i < hi; i++) {
        const e = entries[i];
        if (e === undefined) return out;
        out.push(e);
      }
    }
    return out;
  }

  /**
   * The writes of one commit: its entries appended to their bundles and its level 8·L nodes
   * (leaves included) to their tiles, each touched record written whole (`put`). Partial records
   * the commit extends are read first (only committed data: there is one writer).
   */
  async commitOps(entries: readonly { index: bigint; bytes: Bytes }[], nodes: readonly { id: NodeId; hash: Bytes }[], put: (key: Bytes, value: Bytes) => void): Promise<void> {
    type Group = { level: number; index: bigint; pos0: number; hashes: Bytes[] };
    const groups = new Map<string, Group>();
    for (const n of nodes) {
      if ((n.id.level & 7) !== 0) continue;
      const level = n.id.level >> 3;
      const index = n.id.index >> 8n;
      const pos = Number(n.id.index & 255n);
      const key = `${level}/${index}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { level, index, pos0: pos, hashes: [] }));
      if (pos !== g.pos0 + g.hashes.length || n.hash.length !== HASH) throw new LogError('internal', `commit nodes of level ${n.id.level} are not consecutive 32-byte hashes`);
      g.hashes.push(n.hash);
    }
    const first = entries[0]?.index;
    entries.forEach((e, i) => {
      if (e.index !== first! + BigInt(i)) throw new LogError('internal', 'commit entries are not consecutive');
    });
    // Partial records this commit extends, read in one round trip.
    const partialTiles = [...groups.values()].filter((g) => g.pos0 > 0);
    const bundlePos = first === undefined ? 0 : Number(first & 255n);
    const keys = partialTiles.map((g) => tileKey(g.level, g.index));
    if (bundlePos > 0) keys.push(bundleKey(first! >> 8n));
    const stored = keys.length > 0 ? await this.db.getMany(keys) : [];
    partialTiles.forEach((g, i) => {
      const prev = stored[i];
      if ((prev?.length ?? 0) !== g.pos0 * HASH) throw new LogError('corrupt_store', `tile ${g.level}/${g.index} holds ${(prev?.length ?? 0) / HASH} hashes, not ${g.pos0}`);
      g.hashes.unshift(prev!);
    });
    for (const g of groups.values()) put(tileKey(g.level, g.index), g.hashes.length === 1 ? g.hashes[0]! : concat(g.hashes));

    if (first === undefined) return;
    let prefix: Bytes = new Uint8Array(0);
    if (bundlePos > 0) {
      const prev = stored[stored.length - 1];
      if (prev === undefined || prev[0] !== BUNDLE_RAW || countEntries(prev.subarray(1)) !== bundlePos) {
        throw new LogError('corrupt_store', `entry bundle ${first >> 8n} does not hold the ${bundlePos} entries before ${first}`);
      }
      prefix = prev.subarray(1);
    }
    const pending: Promise<void>[] = [];
    let b = first >> 8n;
    let pos = bundlePos;
    for (let i = 0; i < entries.length; ) {
      const n = Math.min(WIDTH - pos, entries.length - i);
      const record = rawBundleRecord(prefix, entries.slice(i, i + n).map((e) => e.bytes));
      const key = bundleKey(b);
      if (pos + n === WIDTH && this.compress) pending.push(fullBundleRecord(record).then((v) => put(key, v)));
      else put(key, record);
      i += n;
      pos = 0;
      b++;
      prefix = new Uint8Array(0);
    }
    await Promise.all(pending);
  }
}

function concat(parts: readonly Bytes[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
