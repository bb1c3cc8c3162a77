/**
 * SM3 (GB/T 32905-2016) in pure TypeScript, for where node:crypto is missing or lacks SM3: the
 * verify page in a browser, the portal's hash worker and the standalone verifier on a Node built
 * without SM3. The server and the CLI hash with node:crypto (OpenSSL); both agree on every input.
 *
 * Written for speed in a JIT: all arithmetic stays in signed 32-bit integers (`| 0`), the message
 * schedule W[0..67] lives in one preallocated Int32Array and W'_j = W_j ^ W_{j+4} is computed in
 * the round, the constants T_j come from a table already rotated by j, the rounds 0–15 and 16–63
 * run in two loops so neither has a branch, each unrolled by four rounds, and full blocks are read
 * straight from the caller's bytes. Nothing is allocated per block; `digest` allocates only the 32-byte result.
 */

const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e];

/** T_j <<< (j mod 32), as signed 32-bit integers. */
const TJ = new Int32Array(64);
for (let j = 0; j < 64; j++) {
  const t = j < 16 ? 0x79cc4519 : 0x7a879d8a;
  const n = j % 32;
  TJ[j] = n === 0 ? t : (t << n) | (t >>> (32 - n));
}

/**
 * One compression of the 64-byte block at `b[off..off+64)` into the state `v`, with `w` (68 words)
 * as scratch space for the message schedule.
 */
function compress(v: Int32Array, w: Int32Array, b: Uint8Array, off: number): void {
  for (let j = 0; j < 16; j++, off += 4) {
    w[j] = (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
  }
  for (let j = 16; j < 68; j++) {
    let x = w[j - 16]! ^ w[j - 9]!;
    const r = w[j - 3]!;
    x ^= (r << 15) | (r >>> 17);
    const s = w[j - 13]!;
    w[j] = x ^ ((x << 15) | (x >>> 17)) ^ ((x << 23) | (x >>> 9)) ^ ((s << 7) | (s >>> 25)) ^ w[j - 6]!;
  }
  let a = v[0]!;
  let bb = v[1]!;
  let c = v[2]!;
  let d = v[3]!;
  let e = v[4]!;
  let f = v[5]!;
  let g = v[6]!;
  let h = v[7]!;
  // Four rounds per iteration. Instead of shifting the eight words along after every round
  // (D←C, C←B<<<9, B←A, A←TT1, H←G, G←F<<<19, F←E, E←P0(TT2)), each round writes TT1 into the
  // word that plays D and P0(TT2) into the one that plays H, rotates B and F in place, and the next
  // round reads the words under their new roles: (a,bb,c,d,e,f,g,h) → (d,a,bb,c,h,e,f,g). After
  // four rounds the roles are back where they started.
  let a12: number, t: number, ss1: number, wj: number;
  for (let j = 0; j < 16; j += 4) {
    a12 = (a << 12) | (a >>> 20);
    t = (a12 + e + TJ[j]!) | 0;
    ss1 = (t << 7) | (t >>> 25);
    wj = w[j]!;
    d = ((a ^ bb ^ c) + d + (ss1 ^ a12) + (wj ^ w[j + 4]!)) | 0;
    t = ((e ^ f ^ g) + h + ss1 + wj) | 0;
    h = t ^ ((t << 9) | (t >>> 23)) ^ ((t << 17) | (t >>> 15));
    bb = (bb << 9) | (bb >>> 23);
    f = (f << 19) | (f >>> 13);
    a12 = (d << 12) | (d >>> 20);
    t = (a12 + h + TJ[j + 1]!) | 0;
    ss1 = (t << 7) | (t >>> 25);
    wj = w[j + 1]!;
    c = ((d ^ a ^ bb) + c + (ss1 ^ a12) + (wj ^ w[j + 5]!)) | 0;
    t = ((h ^ e ^ f) + g + ss1 + wj) | 0;
    g = t ^ ((t << 9) | (t >>> 23)) ^ ((t << 17) | (t >>> 15));
    a = (a << 9) | (a >>> 23);
    e = (e << 19) | (e >>> 13);
    a12 = (c << 12) | (c >>> 20);
    t = (a12 + g + TJ[j + 2]!) | 0;
    ss1 = (t << 7) | (t >>> 25);
    wj = w[j + 2]!;
    bb = ((c ^ d ^ a) + bb + (ss1 ^ a12) + (wj ^ w[j + 6]!)) | 0;
    t = ((g ^ h ^ e) + f + ss1 + wj) | 0;
    f = t ^ ((t << 9) | (t >>> 23)) ^ ((t << 17) | (t >>> 15));
    d = (d << 9) | (d >>> 23);
    h = (h << 19) | (h >>> 13);
    a12 = (bb << 12) | (bb >>> 20);
    t = (a12 + f + TJ[j + 3]!) | 0;
    ss1 = (t << 7) | (t >>> 25);
    wj = w[j + 3]!;
    a = ((bb ^ c ^ d) + a + (ss1 ^ a12) + (wj ^ w[j + 7]!)) | 0;
    t = ((f ^ g ^ h) + e + ss1 + wj) | 0;
    e = t ^ ((t << 9) | (t >>> 23)) ^ ((t << 17) | (t >>> 15));
    c = (c << 9) | (c >>> 23);
    g = (g << 19) | (g >>> 13);
  }
  for (let j = 16; j < 64; j += 4) {
    a12 = (a << 12) | (a >>> 20);
    t = (a12 + e + TJ[j]!) | 0;
    ss1 = (t << 7) | (t >>> 25);
    wj = w[j]!;
    d = (((a & bb) | (c & (a | bb))) + d + (ss1 ^ a12) + (wj ^ w[j + 4]!)) | 0;
    t = ((g ^ (e & (f ^ g))) + h + ss1 + wj) | 0;
    h = t ^ ((t << 9) | (t >>> 23)) ^ ((t << 17) | (t >>> 15));
    bb = (bb << 9) | (bb >>> 23);
    f = (f << 19) | (f >>> 13);
    a12 = (d << 12) | (d >>> 20);
    t = (a12 + h + TJ[j + 1]!) | 0;
    ss1 = (t << 7) | (t >>> 25);
    wj = w[j + 1]!;
    c = (((d & a) | (bb & (d | a))) + c + (ss1 ^ a12) + (wj ^ w[j + 5]!)) | 0;
    t = ((f ^ (h & (e ^ f))) + g + ss1 + wj) | 0;
    g = t ^ ((t << 9) | (t >>> 23)) ^ ((t << 17) | (t >>> 15));
    a = (a << 9) | (a >>> 23);
    e = (e << 19) | (e >>> 13);
    a12 = (c << 12) | (c >>> 20);
    t = (a12 + g + TJ[j + 2]!) | 0;
    ss1 = (t << 7) | (t >>> 25);
    wj = w[j + 2]!;
    bb = (((c & d) | (a & (c | d))) + bb + (ss1 ^ a12) + (wj ^ w[j + 6]!)) | 0;
    t = ((e ^ (g & (h ^ e))) + f + ss1 + wj) | 0;
    f = t ^ ((t << 9) | (t >>> 23)) ^ ((t << 17) | (t >>> 15));
    d = (d << 9) | (d >>> 23);
    h = (h << 19) | (h >>> 13);
    a12 = (bb << 12) | (bb >>> 20);
    t = (a12 + f + TJ[j + 3]!) | 0;
    ss1 = (t << 7) | (t >>> 25);
    wj = w[j + 3]!;
    a = (((bb & c) | (d & (bb | c))) + a + (ss1 ^ a12) + (wj ^ w[j + 7]!)) | 0;
    t = ((h ^ (f & (g ^ h))) + e + ss1 + wj) | 0;
    e = t ^ ((t << 9) | (t >>> 23)) ^ ((t << 17) | (t >>> 15));
    c = (c << 9) | (c >>> 23);
    g = (g << 19) | (g >>> 13);
  }
  v[0] = v[0]! ^ a;
  v[1] = v[1]! ^ bb;
  v[2] = v[2]! ^ c;
  v[3] = v[3]! ^ d;
  v[4] = v[4]! ^ e;
  v[5] = v[5]! ^ f;
  v[6] = v[6]! ^ g;
  v[7] = v[7]! ^ h;
}

/** An incremental SM3 hash. `update` any number of times, then `digest` once. */
export class Sm3 {
  private readonly v = Int32Array.from(IV);
  /** A partial block carried between `update` calls (`pos` bytes of it are filled). */
  private readonly block = new Uint8Array(64);
  private readonly w = new Int32Array(68);
  private pos = 0;
  /** Bytes hashed so far (a double: exact up to 2^53 bytes). */
  private length = 0;
  private done = false;

  /** Feeds `data`. MUST NOT be called after `digest`. */
  update(data: Uint8Array): this {
    if (this.done) throw new Error('sm3: update after digest');
    const n = data.length;
    const { v, w, block } = this;
    let i = 0;
    this.length += n;
    if (this.pos > 0) {
      const take = Math.min(64 - this.pos, n);
      block.set(take === n ? data : data.subarray(0, take), this.pos);
      this.pos += take;
      i = take;
      if (this.pos < 64) return this;
      compress(v, w, block, 0);
      this.pos = 0;
    }
    for (; i + 64 <= n; i += 64) compress(v, w, data, i);
    if (i < n) {
      block.set(data.subarray(i), 0);
      this.pos = n - i;
    }
    return this;
  }

  /** The 32-byte digest. The hash cannot be fed afterwards. */
  digest(): Uint8Array {
    if (this.done) throw new Error('sm3: digest called twice');
    this.done = true;
    const { v, w, block } = this;
    let pos = this.pos;
    block[pos++] = 0x80;
    if (pos > 56) {
      block.fill(0, pos);
      compress(v, w, block, 0);
      pos = 0;
    }
    block.fill(0, pos, 56);
    const bits = this.length * 8;
    const hi = Math.floor(bits / 2 ** 32);
    const lo = bits >>> 0;
    block[56] = hi >>> 24;
    block[57] = hi >>> 16;
    block[58] = hi >>> 8;
    block[59] = hi;
    block[60] = lo >>> 24;
    block[61] = lo >>> 16;
    block[62] = lo >>> 8;
    block[63] = lo;
    compress(v, w, block, 0);
    const out = new Uint8Array(32);
    for (let k = 0; k < 8; k++) {
      const x = v[k]!;
      out[k * 4] = x >>> 24;
      out[k * 4 + 1] = x >>> 16;
      out[k * 4 + 2] = x >>> 8;
      out[k * 4 + 3] = x;
    }
    return out;
  }
}

/** SM3 of `data` (32 bytes). */
export function sm3(data: Uint8Array): Uint8Array {
  return new Sm3().update(data).digest();
}
