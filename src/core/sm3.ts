/**
 * SM3 (GB/T 32905-2016) in pure TypeScript, for where node:crypto is missing or lacks SM3: the
 * verify page in a browser, the portal's hash worker and the standalone verifier on a Node built
 * without SM3. The server and the CLI hash with node:crypto (OpenSSL); both agree on every input.
 *
 * Written for speed in a JIT: all arithmetic stays in signed 32-bit integers (`| 0`), the message
 * schedule W[0..67] lives in one preallocated Int32Array and W'_j = W_j ^ W_{j+4} is computed in
 * the round, the constants T_j come from a table already rotated by j, the rounds 0–15 and 16–63
 * run in two loops so neither has a branch, and full blocks are read straight from the caller's
 * bytes. Nothing is allocated per block; `digest` allocates only the 32-byte result.
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
  for (let j = 0; j < 16; j++) {
    const a12 = (a << 12) | (a >>> 20);
    const t = (a12 + e + TJ[j]!) | 0;
    const ss1 = (t << 7) | (t >>> 25);
    const wj = w[j]!;
    const tt1 = ((a ^ bb ^ c) + d + (ss1 ^ a12) + (wj ^ w[j + 4]!)) | 0;
    const tt2 = ((e ^ f ^ g) + h + ss1 + wj) | 0;
    d = c;
    c = (bb << 9) | (bb >>> 23);
    bb = a;
    a = tt1;
    h = g;
    g = (f << 19) | (f >>> 13);
    f = e;
    e = tt2 ^ ((tt2 << 9) | (tt2 >>> 23)) ^ ((tt2 << 17) | (tt2 >>> 15));
  }
  for (let j = 16; j < 64; j++) {
    const a12 = (a << 12) | (a >>> 20);
    const t = (a12 + e + TJ[j]!) | 0;
    const ss1 = (t << 7) | (t >>> 25);
    const wj = w[j]!;
    const tt1 = (((a & bb) | (a & c) | (bb & c)) + d + (ss1 ^ a12) + (wj ^ w[j + 4]!)) | 0;
    const tt2 = (((e & f) | (~e & g)) + h + ss1 + wj) | 0;
    d = c;
    c = (bb << 9) | (bb >>> 23);
    bb = a;
    a = tt1;
    h = g;
    g = (f << 19) | (f >>> 13);
    f = e;
    e = tt2 ^ ((tt2 << 9) | (tt2 >>> 23)) ^ ((tt2 << 17) | (tt2 >>> 15));
  }
  v[0] ^= a;
  v[1] ^= bb;
  v[2] ^= c;
  v[3] ^= d;
  v[4] ^= e;
  v[5] ^= f;
  v[6] ^= g;
  v[7] ^= h;
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
