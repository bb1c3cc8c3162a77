/**
 * SM3 (GB/T 32905-2016) in pure TypeScript, for where node:crypto is missing or lacks SM3: the
 * verify page in a browser and the standalone verifier on a Node built without SM3.
 * The server and the CLI hash with node:crypto (OpenSSL); both agree on every input.
 */

const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e];

const rotl = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0;
const p0 = (x: number): number => (x ^ rotl(x, 9) ^ rotl(x, 17)) >>> 0;
const p1 = (x: number): number => (x ^ rotl(x, 15) ^ rotl(x, 23)) >>> 0;
/** T_j rotated left by j mod 32, precomputed. */
const TJ = Array.from({ length: 64 }, (_, j) => rotl(j < 16 ? 0x79cc4519 : 0x7a879d8a, j % 32));

/** An incremental SM3 hash. `update` any number of times, then `digest` once. */
export class Sm3 {
  private readonly v = IV.slice();
  private readonly block = new Uint8Array(64);
  private readonly w = new Uint32Array(68);
  private readonly w1 = new Uint32Array(64);
  private pos = 0;
  /** Bytes hashed so far (a double: exact up to 2^53 bytes). */
  private length = 0;
  private done = false;

  /** Feeds `data`. MUST NOT be called after `digest`. */
  update(data: Uint8Array): this {
    if (this.done) throw new Error('sm3: update after digest');
    let i = 0;
    this.length += data.length;
    if (this.pos > 0) {
      const take = Math.min(64 - this.pos, data.length);
      this.block.set(data.subarray(0, take), this.pos);
      this.pos += take;
      i = take;
      if (this.pos < 64) return this;
      this.compress(this.block, 0);
      this.pos = 0;
    }
    for (; i + 64 <= data.length; i += 64) this.compress(data, i);
    if (i < data.length) {
      this.block.set(data.subarray(i), 0);
      this.pos = data.length - i;
    }
    return this;
  }

  /** The 32-byte digest. The hash cannot be fed afterwards. */
  digest(): Uint8Array {
    if (this.done) throw new Error('sm3: digest called twice');
    const bits = this.length * 8;
    const pad = new Uint8Array((this.pos < 56 ? 64 : 128) - this.pos);
    pad[0] = 0x80;
    const view = new DataView(pad.buffer);
    view.setUint32(pad.length - 8, Math.floor(bits / 2 ** 32));
    view.setUint32(pad.length - 4, bits >>> 0);
    this.update(pad);
    this.done = true;
    const out = new Uint8Array(32);
    const o = new DataView(out.buffer);
    this.v.forEach((x, k) => o.setUint32(k * 4, x));
    return out;
  }

  private compress(b: Uint8Array, off: number): void {
    const { w, w1, v } = this;
    for (let j = 0; j < 16; j++) {
      const k = off + j * 4;
      w[j] = ((b[k]! << 24) | (b[k + 1]! << 16) | (b[k + 2]! << 8) | b[k + 3]!) >>> 0;
    }
    for (let j = 16; j < 68; j++) {
      w[j] = (p1(w[j - 16]! ^ w[j - 9]! ^ rotl(w[j - 3]!, 15)) ^ rotl(w[j - 13]!, 7) ^ w[j - 6]!) >>> 0;
    }
    for (let j = 0; j < 64; j++) w1[j] = (w[j]! ^ w[j + 4]!) >>> 0;
    let [a, bb, c, d, e, f, g, h] = v as [number, number, number, number, number, number, number, number];
    for (let j = 0; j < 64; j++) {
      const a12 = rotl(a, 12);
      const ss1 = rotl((a12 + e + TJ[j]!) >>> 0, 7);
      const ss2 = (ss1 ^ a12) >>> 0;
      const ff = j < 16 ? a ^ bb ^ c : (a & bb) | (a & c) | (bb & c);
      const gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g);
      const tt1 = (ff + d + ss2 + w1[j]!) >>> 0;
      const tt2 = (gg + h + ss1 + w[j]!) >>> 0;
      d = c;
      c = rotl(bb, 9);
      bb = a;
      a = tt1;
      h = g;
      g = rotl(f, 19);
      f = e;
      e = p0(tt2);
    }
    const next = [a, bb, c, d, e, f, g, h];
    for (let k = 0; k < 8; k++) v[k] = (v[k]! ^ next[k]!) >>> 0;
  }
}

/** SM3 of `data` (32 bytes). */
export function sm3(data: Uint8Array): Uint8Array {
  return new Sm3().update(data).digest();
}
