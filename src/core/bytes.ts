/**
 * Byte helpers over plain Uint8Array, so core runs unchanged in a browser.
 * Every parser here treats its input as attacker-controlled and throws LogError('bad_format').
 */
import { LogError } from './errors.js';

const HEX = '0123456789abcdef';
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => HEX[i >> 4]! + HEX[i & 15]!);
/** Char codes of the lowercase hex digits. */
const HEX_CODES = Array.from({ length: 16 }, (_, i) => HEX.charCodeAt(i));
/** Reused char-code arrays of toHex by input length (short inputs: ids, salts, hashes). */
const HEX_SCRATCH: number[][] = Array.from({ length: 65 }, (_, n) => new Array<number>(2 * n).fill(0));

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  const n = bytes.length;
  const codes = HEX_SCRATCH[n];
  if (codes === undefined) {
    let out = '';
    for (let i = 0; i < n; i++) out += HEX_PAIRS[bytes[i]!]!;
    return out;
  }
  // One string from char codes: no intermediate strings (each `+=` would make one).
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    codes[2 * i] = HEX_CODES[b >> 4]!;
    codes[2 * i + 1] = HEX_CODES[b & 15]!;
  }
  return String.fromCharCode.apply(null, codes);
}

/** Value of each hex digit (either case) by char code below 128; 255 for any other character. */
const HEX_DIGIT = (() => {
  const t = new Uint8Array(128).fill(255);
  for (let i = 0; i < 16; i++) {
    t[HEX.charCodeAt(i)] = i;
    t[HEX.toUpperCase().charCodeAt(i)] = i;
  }
  return t;
})();

/** Value of one hex digit (either case), or -1. */
function hexDigit(c: number): number {
  const v = c < 128 ? HEX_DIGIT[c]! : 255;
  return v === 255 ? -1 : v;
}

/** Parses hex in either case. MUST throw on odd length or a non-hex character. */
export function fromHex(hex: string, expectedLength?: number): Uint8Array {
  if (hex.length % 2 !== 0) throw new LogError('bad_format', 'not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(hex.charCodeAt(2 * i));
    const lo = hexDigit(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new LogError('bad_format', 'not a hex string');
    out[i] = (hi << 4) | lo;
  }
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new LogError('bad_format', `expected ${expectedLength} bytes, got ${out.length}`);
  }
  return out;
}

/** Standard base64 with padding (RFC 4648 §4). */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}

/** Value of each base64 letter by char code ('=' and anything else: 0; fromBase64 checks the text first). */
const B64_INDEX = (() => {
  const t = new Uint8Array(128);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/**
 * Strict standard base64 with padding. MUST reject whitespace, URL-safe letters, missing padding
 * and non-canonical trailing bits, so that one encoded value has one spelling.
 */
export function fromBase64(text: string, expectedLength?: number): Uint8Array {
  if (!B64_RE.test(text)) throw new LogError('bad_format', 'not canonical base64');
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    // The regex admitted only alphabet letters and final '=' (index 0 here).
    const n = (B64_INDEX[text.charCodeAt(i)]! << 18) | (B64_INDEX[text.charCodeAt(i + 1)]! << 12) | (B64_INDEX[text.charCodeAt(i + 2)]! << 6) | B64_INDEX[text.charCodeAt(i + 3)]!;
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  // The regex fixed the alphabet and the padding; what is left of canonical is that the unused
  // low bits of the last letter before the padding are zero.
  const last = pad === 0 ? 0 : B64_INDEX[text.charCodeAt(text.length - pad - 1)]!;
  if ((pad === 2 && (last & 0x0f) !== 0) || (pad === 1 && (last & 0x03) !== 0)) throw new LogError('bad_format', 'not canonical base64');
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new LogError('bad_format', `expected ${expectedLength} bytes, got ${out.length}`);
  }
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/**
 * UTF-8 encoding into shared 64 KiB slabs: each result is a view of its own bytes in a slab,
 * without an ArrayBuffer of its own (cheaper to make and to collect when many short texts are
 * encoded at once, e.g. the log entries of a batch). Views never overlap and are never reused.
 */
export class Utf8Slab {
  private buf = new Uint8Array(0);
  private off = 0;

  encode(text: string): Uint8Array {
    const max = 3 * text.length;
    if (max > 16_384) return utf8Encoder.encode(text);
    if (this.off + max > this.buf.length) {
      this.buf = new Uint8Array(65_536);
      this.off = 0;
    }
    const at = this.off;
    const { written } = utf8Encoder.encodeInto(text, this.buf.subarray(at, at + max));
    this.off = at + written;
    return this.buf.subarray(at, this.off);
  }
}

/** Decodes UTF-8; MUST throw LogError('bad_format') on invalid sequences. */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch (cause) {
    throw new LogError('bad_format', 'invalid UTF-8', { cause });
  }
}

/** Big-endian unsigned 64-bit encoding, for fixed-width storage keys. */
export function u64be(n: bigint | number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

export function readU64be(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset);
}
