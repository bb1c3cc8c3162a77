/**
 * Perceptual image hashes over a normalised greyscale thumbnail (the caller decodes and scales;
 * this module does no I/O):
 *
 * - pHash: the 8×8 lowest frequencies of the 2-D DCT-II of a 32×32 greyscale image, one bit per
 *   coefficient, set when it is above the median of the 64. Robust to resizing, recompression and
 *   small crops; the match threshold is documented in docs/ENFORCEMENT.md.
 * - dHash: 9×8 greyscale, one bit per horizontally adjacent pair, set when the left pixel is
 *   brighter. A second, independent opinion used to confirm pHash near its threshold.
 *
 * A 64-bit hash is 16 lowercase hex digits, most significant first; internally two unsigned
 * 32-bit halves, because JavaScript bitwise operators work on 32 bits.
 */
import { LogError } from './errors.js';

export const PHASH_SIDE = 32;
export const DHASH_WIDTH = 9;
export const DHASH_HEIGHT = 8;

/** A 64-bit hash as its high and low 32 bits (unsigned). */
export interface Hash64 {
  hi: number;
  lo: number;
}

const HEX16 = /^[0-9a-f]{16}$/;

/** Parses 16 lowercase hex digits. MUST throw invalid_request on anything else. */
export function parseHash64(hex: string): Hash64 {
  if (!HEX16.test(hex)) throw new LogError('invalid_request', 'an image hash is 16 lowercase hex digits');
  return { hi: Number.parseInt(hex.slice(0, 8), 16) >>> 0, lo: Number.parseInt(hex.slice(8), 16) >>> 0 };
}

export function formatHash64(h: Hash64): string {
  return (h.hi >>> 0).toString(16).padStart(8, '0') + (h.lo >>> 0).toString(16).padStart(8, '0');
}

/** Set bits of a 32-bit value. */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function hamming64(a: Hash64, b: Hash64): number {
  return popcount32((a.hi ^ b.hi) >>> 0) + popcount32((a.lo ^ b.lo) >>> 0);
}

/** cos((2x+1)uπ/64) for u < 8, x < 32: the DCT-II basis rows pHash needs. */
const COS: Float64Array = (() => {
  const t = new Float64Array(8 * PHASH_SIDE);
  for (let u = 0; u < 8; u++) for (let x = 0; x < PHASH_SIDE; x++) t[u * PHASH_SIDE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * PHASH_SIDE));
  return t;
})();

function bitsToHash(bits: ArrayLike<boolean>): Hash64 {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) hi = ((hi << 1) | (bits[i] ? 1 : 0)) >>> 0;
  for (let i = 32; i < 64; i++) lo = ((lo << 1) | (bits[i] ? 1 : 0)) >>> 0;
  return { hi, lo };
}

/**
 * pHash of a 32×32 greyscale image, row-major, one byte per pixel. MUST throw bad_format when
 * `pixels` is not exactly 1,024 bytes.
 */
export function pHash(pixels: Uint8Array): Hash64 {
  const n = PHASH_SIDE;
  if (pixels.length !== n * n) throw new LogError('bad_format', `pHash needs ${n * n} greyscale pixels, got ${pixels.length}`);
  // Rows first: R[y][u] = Σx p[y][x]·cos(u,x), then columns: F[v][u] = Σy cos(v,y)·R[y][u].
  const rows = new Float64Array(n * 8);
  for (let y = 0; y < n; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < n; x++) s += pixels[y * n + x]! * COS[u * n + x]!;
      rows[y * 8 + u] = s;
    }
  }
  const coef = new Float64Array(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < n; y++) s += COS[v * n + y]! * rows[y * 8 + u]!;
      coef[v * 8 + u] = s;
    }
  }
  const sorted = Array.from(coef).sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
  return bitsToHash(Array.from(coef, (c) => c > median));
}

/** dHash of a 9×8 greyscale image (9 wide, 8 high), row-major. MUST throw bad_format on another size. */
export function dHash(pixels: Uint8Array): Hash64 {
  if (pixels.length !== DHASH_WIDTH * DHASH_HEIGHT) throw new LogError('bad_format', `dHash needs ${DHASH_WIDTH * DHASH_HEIGHT} greyscale pixels, got ${pixels.length}`);
  const bits: boolean[] = [];
  for (let y = 0; y < DHASH_HEIGHT; y++) for (let x = 0; x < 8; x++) bits.push(pixels[y * DHASH_WIDTH + x]! > pixels[y * DHASH_WIDTH + x + 1]!);
  return bitsToHash(bits);
}

/**
 * Thresholds (docs/ENFORCEMENT.md): two images match when their pHashes differ in at most
 * PHASH_MATCH bits, or in at most PHASH_CONFIRM bits while pHash and dHash distances together are
 * at most COMBINED_CONFIRM. The index is searched with radius PHASH_CONFIRM.
 */
export const PHASH_MATCH = 10;
export const PHASH_CONFIRM = 16;
export const COMBINED_CONFIRM = 26;

/** Similarity of two image fingerprints: 1 − pHash distance / 64. */
export function imageSimilarity(phashDistance: number): number {
  return Math.round((1 - phashDistance / 64) * 1000) / 1000;
}

/** Whether two images match by the thresholds above. */
export function imagesMatch(phashDistance: number, dhashDistance: number | undefined): boolean {
  if (phashDistance <= PHASH_MATCH) return true;
  return phashDistance <= PHASH_CONFIRM && dhashDistance !== undefined && phashDistance + dhashDistance <= COMBINED_CONFIRM;
}
