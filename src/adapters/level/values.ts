/**
 * Compact value encodings of the deposit records ('D') and the per-account index ('A'). Values
 * written by earlier versions stay readable: a 'D' value was u64be(index) ‖ metadata JCS (first
 * byte 0x00 for any index below 2^56), an 'A' value the deposit id as UTF-8 text (first byte ≥ 0x20).
 *
 *   'D' value: 0x01 ‖ n ‖ index (n bytes, big-endian) ‖ 16 salt bytes   metadata {"salt":"<32 hex>"}
 *              0x02 ‖ n ‖ index (n bytes, big-endian) ‖ metadata JCS    any other metadata
 *   'A' value: 0x01 ‖ 10 bytes                                          id dep_<20 hex>
 *              UTF-8 id                                                 any other id
 */
import { fromUtf8, readU64be } from '../../core/bytes.js';
import { LogError } from '../../core/errors.js';

type Bytes = Uint8Array;

const SALT_ONLY = /^\{"salt":"[0-9a-f]{32}"\}$/;
const HEX_ID = /^dep_[0-9a-f]{20}$/;
const encoder = new TextEncoder();

const HEX = '0123456789abcdef';
/** Lowercase hex digit values by char code (callers checked the digits with a regex). */
const NIBBLE = new Uint8Array(128);
for (let i = 0; i < 16; i++) NIBBLE[HEX.charCodeAt(i)] = i;

function hexInto(hex: string, from: number, out: Bytes, at: number, n: number): void {
  for (let i = 0; i < n; i++) out[at + i] = (NIBBLE[hex.charCodeAt(from + 2 * i)]! << 4) | NIBBLE[hex.charCodeAt(from + 2 * i + 1)]!;
}

function toHexString(b: Bytes, from: number, n: number): string {
  let s = '';
  for (let i = from; i < from + n; i++) s += HEX[b[i]! >> 4]! + HEX[b[i]! & 15]!;
  return s;
}

function indexBytes(index: bigint): number {
  let n = 0;
  for (let v = index; v > 0n; v >>= 8n) n++;
  return n;
}

/** The 'D' value of a deposit at `index` with `metadata` (its JCS text). */
export function encodeDepositValue(index: bigint, metadata: string): Bytes {
  const n = indexBytes(index);
  const saltOnly = SALT_ONLY.test(metadata);
  const body = saltOnly ? undefined : encoder.encode(metadata);
  const out = new Uint8Array(2 + n + (body?.length ?? 16));
  out[0] = saltOnly ? 1 : 2;
  out[1] = n;
  let v = index;
  for (let i = n - 1; i >= 0; i--, v >>= 8n) out[2 + i] = Number(v & 255n);
  if (body) out.set(body, 2 + n);
  else hexInto(metadata, 9, out, 2 + n, 16);
  return out;
}

export function decodeDepositValue(raw: Bytes): { index: bigint; metadata: string } {
  if (raw.length >= 8 && raw[0] === 0) return { index: readU64be(raw, 0), metadata: fromUtf8(raw.subarray(8)) };
  const n = raw[1] ?? 0;
  if ((raw[0] !== 1 && raw[0] !== 2) || n > 8 || raw.length < 2 + n) throw new LogError('corrupt_store', 'deposit record is unreadable');
  let index = 0n;
  for (let i = 0; i < n; i++) index = (index << 8n) | BigInt(raw[2 + i]!);
  if (raw[0] === 2) return { index, metadata: fromUtf8(raw.subarray(2 + n)) };
  if (raw.length !== 2 + n + 16) throw new LogError('corrupt_store', 'deposit record is unreadable');
  return { index, metadata: `{"salt":"${toHexString(raw, 2 + n, 16)}"}` };
}

/** True when `text[from, from + n)` is n lowercase hex digits (what SALT_ONLY and HEX_ID match, without a regex). */
function isLowerHex(text: string, from: number, n: number): boolean {
  for (let i = from; i < from + n; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** True for an id dep_<20 lowercase hex> (HEX_ID). */
export function isHexDepositId(id: string): boolean {
  return id.length === 24 && id.startsWith('dep_') && isLowerHex(id, 4, 20);
}

/** True for metadata {"salt":"<32 lowercase hex>"} (SALT_ONLY). */
export function isSaltOnly(metadata: string): boolean {
  return metadata.length === 43 && metadata.startsWith('{"salt":"') && metadata.endsWith('"}') && isLowerHex(metadata, 9, 32);
}

/**
 * Writes the 'D' value of {@link encodeDepositValue} into `out` at `at` (room for 10 + 3 · metadata
 * length bytes); returns its length. Same bytes, no allocation for salt-only metadata.
 */
export function writeDepositValue(index: bigint, metadata: string, out: Bytes, at: number): number {
  const num = Number(index);
  let n = 0;
  if (num <= Number.MAX_SAFE_INTEGER) for (let v = num; v > 0; v = Math.floor(v / 256)) n++;
  else n = indexBytes(index);
  const saltOnly = isSaltOnly(metadata);
  out[at] = saltOnly ? 1 : 2;
  out[at + 1] = n;
  if (num <= Number.MAX_SAFE_INTEGER) {
    let v = num;
    for (let i = n - 1; i >= 0; i--) {
      out[at + 2 + i] = v % 256;
      v = Math.floor(v / 256);
    }
  } else {
    let v = index;
    for (let i = n - 1; i >= 0; i--, v >>= 8n) out[at + 2 + i] = Number(v & 255n);
  }
  if (saltOnly) {
    hexInto(metadata, 9, out, at + 2 + n, 16);
    return 2 + n + 16;
  }
  const { written } = encoder.encodeInto(metadata, out.subarray(at + 2 + n));
  return 2 + n + written;
}

/** Writes the 10 bytes of an id dep_<20 lowercase hex> (callers checked it with isHexDepositId). */
export function writeHexDepositId(id: string, out: Bytes, at: number): void {
  hexInto(id, 4, out, at, 10);
}

/** The 10 bytes of an id dep_<20 lowercase hex>; undefined for any other id. */
export function compactDepositId(id: string): Bytes | undefined {
  if (!HEX_ID.test(id)) return undefined;
  const out = new Uint8Array(10);
  hexInto(id, 4, out, 0, 10);
  return out;
}

/** The 'A' value naming deposit `id`. */
export function encodeDepositRef(id: string): Bytes {
  if (!HEX_ID.test(id)) return encoder.encode(id);
  const out = new Uint8Array(11);
  out[0] = 1;
  hexInto(id, 4, out, 1, 10);
  return out;
}

export function decodeDepositRef(raw: Bytes): string {
  if (raw.length === 11 && raw[0] === 1) return 'dep_' + toHexString(raw, 1, 10);
  return fromUtf8(raw);
}
