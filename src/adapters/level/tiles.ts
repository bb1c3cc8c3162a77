/**
 * The log's tree and entries on LevelDB as C2SP tlog-tiles records (https://c2sp.org/tlog-tiles):
 *   'T' + u8 tile level L + u64 N → the 256 hashes of tree level 8·L nodes 256·N … (32 bytes each)
 *   'U' + u8 L + u64 N            → the same for tree level 8·L + 4 (not served; speeds up reads)
 *   'B' + u64 N                   → format byte ‖ entry bundle of the 256 entries 256·N …
 * Until a tile or bundle is full, each commit that extends it writes one fragment holding what it
 * adds, under the full record's key ‖ u8 start (its first position); the commit that fills it
 * writes the full record and deletes the fragments. A full record never changes. Every other tree
 * node is computed from the stored level at most 3 below it with RFC 9162 interior hashing; full
 * tiles and full bundles are cached. See docs/TILES.md.
 */
import { hash as oneShotHash } from 'node:crypto';
import { deflateRaw, inflateRawSync } from 'node:zlib';
import type { Level } from 'level';
import { LogError } from '../../core/errors.js';
import type { NodeId } from '../../core/merkle.js';
import { concatBytes } from '../../core/bytes.js';
import { entryBundle, parseEntryBundle } from '../../core/tiles.js';
import { bundleKey, prefixEnd, quadTileKey } from './keys.js';

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
  /** Full tiles kept in memory (8 KiB each; default 2048). */
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

/** A bundle record: format byte, `prefix` (raw bundle bytes already stored), then `entries`. */
function rawBundleRecord(prefix: Bytes, entries: readonly Bytes[]): Bytes {
  const head = new Uint8Array(1 + prefix.length);
  head[0] = BUNDLE_RAW;
  head.set(prefix, 1);
  return entryBundle(entries, head);
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
  private readonly tiles: Lru<Bytes>;
  private readonly bundles: Lru<Bytes[]>;
  private readonly compress: boolean;

  constructor(
    private readonly db: Level<Bytes, Bytes>,
    opts: TileOptions = {},
  ) {
    this.tiles = new Lru(opts.tileCache ?? 2048);
    this.bundles = new Lru(opts.bundleCache ?? 64);
    this.compress = opts.compressBundles ?? true;
  }

  /**
   * Hashes of perfect nodes, one per id: each from the stored tile below it (node (l, i) hashes up
   * the 2^s hashes i·2^s … of tree level 4·q, q = ⌊l/4⌋, s = l mod 4: at most 7 hashes). Undefined
   * where the tile holds too few hashes, or, with `strict`, LogError('corrupt_store').
   */
  async nodes(ids: readonly NodeId[], strict: boolean): Promise<(Bytes | undefined)[]> {
    const local = new Map<string, Bytes | undefined>();
    const want: { key: string; q: number; index: bigint }[] = [];
    const plan = ids.map((id) => {
      if (id.level < 0 || id.level > 63 || id.index < 0n) throw new LogError('corrupt_store', `tree node level ${id.level} index ${id.index} is missing`);
      const q = id.level >> 2;
      const s = id.level & 3;
      const first = id.index << BigInt(s);
      const t = first >> 8n;
      const key = `${q}/${t}`;
      if (!local.has(key)) {
        const cached = this.tiles.get(key);
        local.set(key, cached);
        if (cached === undefined) want.push({ key, q, index: t });
      }
      return { key, s, pos: Number(first & 255n) };
    });
    if (want.length > 0) {
      const values = await this.db.getMany(want.map((w) => quadTileKey(w.q, w.index)));
      await Promise.all(
        want.map(async (w, i) => {
          // Not full when looked up: read it again with its fragments (it may have filled since).
          const v = values[i] ?? (await this.readTile(w.q, w.index));
          if (v !== undefined && v.length === FULL_TILE) this.tiles.set(w.key, v);
          local.set(w.key, v);
        }),
      );
    }
    return plan.map((p, i) => {
      const tile = local.get(p.key);
      const out = tile !== undefined && tile.length >= (p.pos + (1 << p.s)) * HASH ? subtreeRoot(tile, p.pos, 1 << p.s) : undefined;
      if (out === undefined && strict) {
        throw new LogError('corrupt_store', `tree node level ${ids[i]!.level} index ${ids[i]!.index} is missing`);
      }
      return out;
    });
  }

  /**
   * The full record at key `full`, or else the fragments of the partial tile or bundle under it,
   * in order of their start. One iterator, so one consistent view: a commit filling the tile or
   * bundle meanwhile (full record written, fragments deleted) is seen either wholly or not at all.
   */
  private async scan(full: Bytes): Promise<{ record?: Bytes; parts: { key: Bytes; start: number; value: Bytes }[] }> {
    const rows = await this.db.iterator({ gte: full, lt: prefixEnd(full) }).all();
    if (rows[0] !== undefined && rows[0][0].length === full.length) return { record: rows[0][1], parts: [] };
    return { parts: rows.map(([key, value]) => ({ key, start: key[full.length]!, value })) };
  }

  /** The hashes of the tile of tree level 4·q, index N: its full record, or its fragments joined; undefined when it has none. */
  private async readTile(q: number, index: bigint): Promise<Bytes | undefined> {
    const { record, parts } = await this.scan(quadTileKey(q, index));
    if (record !== undefined) return record;
    if (parts.length === 0) return undefined;
    let n = 0;
    for (const p of parts) {
      if (p.start !== n || p.value.length === 0 || p.value.length % HASH !== 0) throw new LogError('corrupt_store', `tile of level ${4 * q}, ${index}: fragment at ${p.start} does not follow ${n} hashes`);
      n += p.value.length / HASH;
    }
    return parts.length === 1 ? parts[0]!.value : concatBytes(...parts.map((p) => p.value));
  }

  /** The entries of bundle N: its full record, or its fragments; undefined when it has none. */
  private async readBundle(index: bigint): Promise<Bytes[] | undefined> {
    const { record, parts } = await this.scan(bundleKey(index));
    if (record !== undefined) return decodeBundleRecord(record);
    if (parts.length === 0) return undefined;
    const out: Bytes[] = [];
    for (const p of parts) {
      if (p.start !== out.length || p.value[0] !== BUNDLE_RAW) throw new LogError('corrupt_store', `entry bundle ${index}: fragment at ${p.start} does not follow ${out.length} entries`);
      out.push(...parseEntryBundle(p.value.subarray(1)));
    }
    return out;
  }

  /** Tile L/N as served (1–256 hashes), or undefined. */
  async tile(level: number, index: bigint): Promise<Bytes | undefined> {
    if (level < 0 || level > 255 || index < 0n) return undefined;
    return (await this.db.get(quadTileKey(2 * level, index))) ?? this.readTile(2 * level, index);
  }

  /** The C2SP bytes of bundle `index`, or undefined. */
  async bundle(index: bigint): Promise<Bytes | undefined> {
    if (index < 0n) return undefined;
    const raw = await this.db.get(bundleKey(index));
    if (raw !== undefined) return bundleBytes(raw);
    const entries = await this.readBundle(index);
    return entries === undefined ? undefined : rawBundleRecord(new Uint8Array(0), entries).subarray(1);
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
      await Promise.all(
        missing.map(async (m, i) => {
          const v = values[i];
          // Not full when looked up: read it again with its fragments (it may have filled since).
          const entries = v === undefined ? await this.readBundle(m.index) : decodeBundleRecord(v);
          out[m.at] = entries;
          if (v === undefined && (entries === undefined || entries.length < WIDTH)) return;
          if (entries!.length !== WIDTH) throw new LogError('corrupt_store', `entry bundle ${m.index} holds ${entries!.length} entries, not 256`);
          this.bundles.set(m.index.toString(), entries!);
        }),
      );
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
   * (leaves included) to their tiles. A tile or bundle the commit does not fill gets one fragment;
   * one it fills gets its full record, joined from the fragments stored before (read here: only
   * committed data, as there is one writer), which it deletes.
   */
  async commitOps(
    entries: readonly { index: bigint; bytes: Bytes }[],
    nodes: readonly { id: NodeId; hash: Bytes }[],
    put: (key: Bytes, value: Bytes) => void,
    del: (key: Bytes) => void,
  ): Promise<void> {
    type Group = { q: number; index: bigint; pos0: number; first: bigint; hashes: Bytes[] };
    const groups = new Map<string, Group>();
    // The group each stored level (4·q) added to last: its next node is usually the next position.
    const last: (Group | undefined)[] = [];
    for (const n of nodes) {
      if ((n.id.level & 3) !== 0) continue;
      const q = n.id.level >> 2;
      let g = last[q];
      if (g === undefined || g.pos0 + g.hashes.length === WIDTH || n.id.index !== g.first + BigInt(g.hashes.length)) {
        const index = n.id.index >> 8n;
        const pos = Number(n.id.index & 255n);
        const key = `${q}/${index}`;
        g = groups.get(key);
        if (g === undefined) groups.set(key, (g = { q, index, pos0: pos, first: n.id.index, hashes: [] }));
        if (pos !== g.pos0 + g.hashes.length) throw new LogError('internal', `commit nodes of level ${n.id.level} are not consecutive 32-byte hashes`);
        last[q] = g;
      }
      if (n.hash.length !== HASH) throw new LogError('internal', `commit nodes of level ${n.id.level} are not consecutive 32-byte hashes`);
      g.hashes.push(n.hash);
    }
    const pending: Promise<void>[] = [];
    for (const g of groups.values()) {
      if (g.pos0 + g.hashes.length < WIDTH) {
        put(quadTileKey(g.q, g.index, g.pos0), concatBytes(...g.hashes));
        continue;
      }
      if (g.pos0 === 0) {
        put(quadTileKey(g.q, g.index), concatBytes(...g.hashes));
        continue;
      }
      pending.push(
        (async () => {
          const { parts } = await this.scan(quadTileKey(g.q, g.index));
          const before = await this.readTile(g.q, g.index);
          if ((before?.length ?? 0) !== g.pos0 * HASH) throw new LogError('corrupt_store', `tile of level ${4 * g.q}, ${g.index} holds ${(before?.length ?? 0) / HASH} hashes, not ${g.pos0}`);
          for (const p of parts) del(p.key);
          put(quadTileKey(g.q, g.index), concatBytes(before!, ...g.hashes));
        })(),
      );
    }

    const first = entries[0]?.index;
    entries.forEach((e, i) => {
      if (e.index !== first! + BigInt(i)) throw new LogError('internal', 'commit entries are not consecutive');
    });
    if (first !== undefined) {
      let b = first >> 8n;
      let pos = Number(first & 255n);
      for (let i = 0; i < entries.length; ) {
        const n = Math.min(WIDTH - pos, entries.length - i);
        const bytes = entries.slice(i, i + n).map((e) => e.bytes);
        const [index, start] = [b, pos];
        if (start + n < WIDTH) put(bundleKey(index, start), rawBundleRecord(new Uint8Array(0), bytes));
        else {
          pending.push(
            (async () => {
              let prefix: Bytes = new Uint8Array(0);
              if (start > 0) {
                const { parts } = await this.scan(bundleKey(index));
                const before = await this.readBundle(index);
                if ((before?.length ?? 0) !== start) throw new LogError('corrupt_store', `entry bundle ${index} does not hold the ${start} entries before ${index * 256n + BigInt(start)}`);
                for (const p of parts) del(p.key);
                prefix = rawBundleRecord(new Uint8Array(0), before!).subarray(1);
              }
              const record = rawBundleRecord(prefix, bytes);
              put(bundleKey(index), this.compress ? await fullBundleRecord(record) : record);
            })(),
          );
        }
        i += n;
        pos = 0;
        b++;
      }
    }
    await Promise.all(pending);
  }
}

