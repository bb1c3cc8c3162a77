/**
 * Multi-index hashing (Norouzi, Punjani & Fleet 2012) over 64-bit image hashes: each hash is cut
 * into four 16-bit bands, each band indexed in an exact-match bucket table. Two hashes within
 * Hamming distance R agree within ⌊R/4⌋ bits on at least one band (pigeonhole), so a search
 * probes, per band, every bucket within ⌊R/4⌋ bit flips of the query's band, then verifies the
 * full distance of each candidate once. Pure and in memory; the caller persists fingerprints.
 */
import { hamming64, type Hash64 } from './image-hash.js';

const BANDS = 4;

function band(h: Hash64, b: number): number {
  switch (b) {
    case 0:
      return h.hi >>> 16;
    case 1:
      return h.hi & 0xffff;
    case 2:
      return h.lo >>> 16;
    default:
      return h.lo & 0xffff;
  }
}

/** Every 16-bit value within `r` bit flips of `v` (v itself first). */
function neighbours(v: number, r: number, out: number[]): void {
  out.push(v);
  if (r >= 1) for (let i = 0; i < 16; i++) out.push(v ^ (1 << i));
  if (r >= 2) for (let i = 0; i < 16; i++) for (let j = i + 1; j < 16; j++) out.push(v ^ (1 << i) ^ (1 << j));
  if (r >= 3) for (let i = 0; i < 16; i++) for (let j = i + 1; j < 16; j++) for (let k = j + 1; k < 16; k++) out.push(v ^ (1 << i) ^ (1 << j) ^ (1 << k));
  if (r >= 4) {
    for (let i = 0; i < 16; i++)
      for (let j = i + 1; j < 16; j++)
        for (let k = j + 1; k < 16; k++) for (let l = k + 1; l < 16; l++) out.push(v ^ (1 << i) ^ (1 << j) ^ (1 << k) ^ (1 << l));
  }
}

export interface ImageHit<K> {
  key: K;
  /** Hamming distance between the pHashes. */
  distance: number;
}

/**
 * An index of 64-bit hashes under keys of type K. `search` MUST return every stored hash within
 * `radius` (0 ≤ radius ≤ 19) of the query and nothing farther, nearest first.
 */
export class ImageHashIndex<K> {
  private readonly keys: K[] = [];
  private readonly his: number[] = [];
  private readonly los: number[] = [];
  private readonly live: boolean[] = [];
  private readonly slotOf = new Map<K, number>();
  private readonly buckets: Map<number, number[]>[] = Array.from({ length: BANDS }, () => new Map());
  private stamp = new Uint32Array(0);
  private generation = 0;

  get size(): number {
    return this.slotOf.size;
  }

  /** Adds or replaces the hash stored under `key`. */
  add(key: K, h: Hash64): void {
    this.remove(key);
    const slot = this.keys.length;
    this.keys.push(key);
    this.his.push(h.hi >>> 0);
    this.los.push(h.lo >>> 0);
    this.live.push(true);
    this.slotOf.set(key, slot);
    for (let b = 0; b < BANDS; b++) {
      const v = band(h, b);
      const list = this.buckets[b]!.get(v);
      if (list) list.push(slot);
      else this.buckets[b]!.set(v, [slot]);
    }
  }

  remove(key: K): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return;
    this.live[slot] = false;
    this.slotOf.delete(key);
  }

  search(query: Hash64, radius: number): ImageHit<K>[] {
    if (!Number.isInteger(radius) || radius < 0 || radius > 19) throw new RangeError('radius must be 0–19');
    const perBand = Math.floor(radius / BANDS);
    if (this.stamp.length < this.keys.length) {
      const grown = new Uint32Array(Math.max(1024, this.keys.length * 2));
      grown.set(this.stamp);
      this.stamp = grown;
    }
    const gen = (this.generation = (this.generation + 1) >>> 0 || 1);
    const hits: ImageHit<K>[] = [];
    const probes: number[] = [];
    for (let b = 0; b < BANDS; b++) {
      probes.length = 0;
      neighbours(band(query, b), perBand, probes);
      const table = this.buckets[b]!;
      for (const p of probes) {
        const list = table.get(p);
        if (list === undefined) continue;
        for (const slot of list) {
          if (this.stamp[slot] === gen) continue;
          this.stamp[slot] = gen;
          if (!this.live[slot]) continue;
          const d = hamming64(query, { hi: this.his[slot]!, lo: this.los[slot]! });
          if (d <= radius) hits.push({ key: this.keys[slot]!, distance: d });
        }
      }
    }
    return hits.sort((a, b) => a.distance - b.distance);
  }
}
