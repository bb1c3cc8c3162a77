/**
 * Text fingerprints: word 2-shingles, a 128-value MinHash signature, and LSH over 64 bands of 2
 * values (docs/ENFORCEMENT.md). Words are runs of letters and digits after NFKC and lower-casing;
 * each Han, kana or Hangul character counts as a word of its own, so Chinese text without spaces
 * shingles on character pairs. Pure: no I/O, deterministic.
 */

export const MINHASH_PERMUTATIONS = 128;
export const SHINGLE_WORDS = 2;
export const LSH_BANDS = 64;
export const LSH_ROWS = MINHASH_PERMUTATIONS / LSH_BANDS;
/** Fewest words a text needs to be fingerprinted: shorter texts match too much by chance. */
export const MIN_TEXT_WORDS = 20;
/** Two texts match when their estimated Jaccard similarity of shingles is at least this. */
export const TEXT_MATCH = 0.15;

const WORD = /[\p{L}\p{N}]+/gu;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_ALL = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

/** The words of a text as the shingles see them. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(WORD)) {
    const w = m[0];
    if (!CJK.test(w)) {
      out.push(w);
      continue;
    }
    // Split CJK characters out one by one, keeping other runs (e.g. Latin inside) whole.
    let last = 0;
    for (const c of w.matchAll(CJK_ALL)) {
      if (c.index > last) out.push(w.slice(last, c.index));
      out.push(c[0]);
      last = c.index + c[0].length;
    }
    if (last < w.length) out.push(w.slice(last));
  }
  return out;
}

/** FNV-1a over UTF-16 code units, then the murmur3 finaliser: a 32-bit shingle hash. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The distinct shingle hashes of a text. */
export function shingles(text: string): Uint32Array {
  const w = words(text);
  const set = new Set<number>();
  if (w.length < SHINGLE_WORDS) {
    for (const x of w) set.add(hashString(x));
  } else {
    for (let i = 0; i + SHINGLE_WORDS <= w.length; i++) set.add(hashString(w.slice(i, i + SHINGLE_WORDS).join(' ')));
  }
  return Uint32Array.from(set);
}

/** Fixed per-permutation seeds (fmix32 of the permutation number and a constant). */
const SEEDS: Uint32Array = Uint32Array.from({ length: MINHASH_PERMUTATIONS }, (_, i) => fmix32(Math.imul(i + 1, 0x9e3779b9) ^ 0x5bd1e995));

/**
 * The MinHash signature of a set of shingle hashes: for each permutation i, the minimum of
 * fmix32(x ⊕ seed_i). An empty set gives all 0xffffffff.
 */
export function minHash(set: Uint32Array): Uint32Array {
  const sig = new Uint32Array(MINHASH_PERMUTATIONS).fill(0xffffffff);
  for (let j = 0; j < set.length; j++) {
    const x = set[j]!;
    for (let i = 0; i < MINHASH_PERMUTATIONS; i++) {
      const v = fmix32(x ^ SEEDS[i]!);
      if (v < sig[i]!) sig[i] = v;
    }
  }
  return sig;
}

/** The estimated Jaccard similarity of two signatures: the share of equal values. */
export function jaccardEstimate(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < MINHASH_PERMUTATIONS; i++) if (a[i] === b[i]) same++;
  return same / MINHASH_PERMUTATIONS;
}

/** The exact Jaccard similarity of two shingle sets (tests and measurements). */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  const sa = new Set(a);
  let inter = 0;
  for (const x of b) if (sa.has(x)) inter++;
  const union = sa.size + new Set(b).size - inter;
  return union === 0 ? 0 : inter / union;
}

/** One 32-bit key per LSH band (the band's values mixed with its number). */
export function lshKeys(sig: Uint32Array): Uint32Array {
  const keys = new Uint32Array(LSH_BANDS);
  for (let b = 0; b < LSH_BANDS; b++) {
    let h = fmix32(b + 1);
    for (let r = 0; r < LSH_ROWS; r++) h = fmix32((h ^ sig[b * LSH_ROWS + r]!) + Math.imul(r + 1, 0x27d4eb2d));
    keys[b] = h;
  }
  return keys;
}

/** Text fingerprint of `text`, or undefined when it has fewer than MIN_TEXT_WORDS words. */
export function textSignature(text: string): Uint32Array | undefined {
  if (words(text).length < MIN_TEXT_WORDS) return undefined;
  return minHash(shingles(text));
}

export interface TextHit<K> {
  key: K;
  similarity: number;
}

/**
 * LSH index of MinHash signatures. `search` returns stored signatures sharing at least one band
 * with the query whose estimated similarity is at least `threshold`, most similar first.
 */
export class TextIndex<K> {
  private readonly sigs = new Map<K, Uint32Array>();
  private readonly bands: Map<number, K[]>[] = Array.from({ length: LSH_BANDS }, () => new Map());

  get size(): number {
    return this.sigs.size;
  }

  add(key: K, sig: Uint32Array): void {
    if (sig.length !== MINHASH_PERMUTATIONS) throw new RangeError(`a signature has ${MINHASH_PERMUTATIONS} values`);
    this.remove(key);
    this.sigs.set(key, sig);
    const keys = lshKeys(sig);
    for (let b = 0; b < LSH_BANDS; b++) {
      const list = this.bands[b]!.get(keys[b]!);
      if (list) list.push(key);
      else this.bands[b]!.set(keys[b]!, [key]);
    }
  }

  remove(key: K): void {
    const sig = this.sigs.get(key);
    if (sig === undefined) return;
    this.sigs.delete(key);
    const keys = lshKeys(sig);
    for (let b = 0; b < LSH_BANDS; b++) {
      const list = this.bands[b]!.get(keys[b]!);
      if (!list) continue;
      const i = list.indexOf(key);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.bands[b]!.delete(keys[b]!);
    }
  }

  search(sig: Uint32Array, threshold = TEXT_MATCH): TextHit<K>[] {
    const keys = lshKeys(sig);
    const seen = new Set<K>();
    const hits: TextHit<K>[] = [];
    for (let b = 0; b < LSH_BANDS; b++) {
      for (const k of this.bands[b]!.get(keys[b]!) ?? []) {
        if (seen.has(k)) continue;
        seen.add(k);
        const s = jaccardEstimate(sig, this.sigs.get(k)!);
        if (s >= threshold) hits.push({ key: k, similarity: s });
      }
    }
    return hits.sort((a, b) => b.similarity - a.similarity);
  }
}

/** Signature ↔ base64-free hex text for storage (1,024 hex digits). */
export function formatSignature(sig: Uint32Array): string {
  let s = '';
  for (const v of sig) s += v.toString(16).padStart(8, '0');
  return s;
}

export function parseSignature(hex: string): Uint32Array | undefined {
  if (hex.length !== MINHASH_PERMUTATIONS * 8 || !/^[0-9a-f]+$/.test(hex)) return undefined;
  const out = new Uint32Array(MINHASH_PERMUTATIONS);
  for (let i = 0; i < MINHASH_PERMUTATIONS; i++) out[i] = Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16) >>> 0;
  return out;
}
