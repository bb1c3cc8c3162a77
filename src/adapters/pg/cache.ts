/**
 * A least-recently-used cache of immutable byte strings: full hash tiles and full entry bundles
 * (C2SP tlog-tiles: once full, a tile never changes), so hot proofs and certificates of older
 * entries do not go back to the database. Partial tiles are never cached.
 */
export class ImmutableCache {
  private readonly map = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Uint8Array | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      // Most recently used last.
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: Uint8Array): void {
    if (cost(key, value) > this.maxBytes || this.map.has(key)) return;
    this.map.set(key, value);
    this.bytes += cost(key, value);
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= cost(k, v);
    }
  }
}

/** Bytes an entry is counted as: its value, its key and the map's own bookkeeping (about 100 bytes). */
const cost = (key: string, value: Uint8Array) => value.length + 2 * key.length + 100;
