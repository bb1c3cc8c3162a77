/**
 * The smallest DER reader the timestamp code needs beside the ASN.1 schema library: the extent
 * of one tag-length-value, so callers can refuse trailing bytes and read one field's exact
 * encoding (e.g. a GeneralizedTime's text, which the schema library turns into a lossy Date).
 * Input is attacker-controlled: every malformation throws LogError('bad_format').
 */
import { LogError } from './errors.js';

export interface Tlv {
  /** The identifier octet (single-byte tags only: every tag in the structures we read). */
  tag: number;
  /** Offset of the identifier octet in the input. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the last content octet. */
  end: number;
}

function bad(message: string): never {
  throw new LogError('bad_format', `DER: ${message}`);
}

/**
 * Reads the TLV at `offset` of `bytes`. MUST reject high-tag-number forms, the indefinite
 * length, non-minimal lengths (DER) and lengths running past the input.
 */
export function readTlv(bytes: Uint8Array, offset = 0): Tlv {
  if (offset + 2 > bytes.length) bad('truncated');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) bad('high tag numbers are not supported');
  const first = bytes[offset + 1]!;
  let length: number;
  let contentStart: number;
  if (first < 0x80) {
    length = first;
    contentStart = offset + 2;
  } else {
    const n = first & 0x7f;
    if (n === 0) bad('indefinite length');
    if (n > 4) bad('length too large');
    if (offset + 2 + n > bytes.length) bad('truncated length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[offset + 2 + i]!;
    if (bytes[offset + 2]! === 0 || length < 0x80) bad('non-minimal length');
    contentStart = offset + 2 + n;
  }
  const end = contentStart + length;
  if (end > bytes.length) bad('length runs past the input');
  return { tag, start: offset, contentStart, end };
}

/** The TLVs directly inside the constructed TLV `outer`, in order. MUST consume its content exactly. */
export function children(bytes: Uint8Array, outer: Tlv): Tlv[] {
  if ((outer.tag & 0x20) === 0) bad('not a constructed value');
  const out: Tlv[] = [];
  let at = outer.contentStart;
  while (at < outer.end) {
    const t = readTlv(bytes.subarray(0, outer.end), at);
    out.push(t);
    at = t.end;
  }
  return out;
}

/** Reads one whole TLV that MUST span `bytes` exactly (no trailing bytes). */
export function readWhole(bytes: Uint8Array): Tlv {
  const t = readTlv(bytes, 0);
  if (t.end !== bytes.length) bad(`${bytes.length - t.end} trailing bytes`);
  return t;
}

/** DER encoding of one TLV with a single-byte `tag` around `content` (minimal length octets). */
export function encodeTlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const len: number[] = [];
  if (n < 0x80) len.push(n);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 255);
    len.push(0x80 | bytes.length, ...bytes);
  }
  const out = new Uint8Array(1 + len.length + n);
  out[0] = tag;
  out.set(len, 1);
  out.set(content, 1 + len.length);
  return out;
}

/**
 * Checks that `bytes` is one TLV whose constructed values, recursively, are filled exactly by
 * their children: no trailing bytes anywhere, definite minimal lengths. Schema parsers are
 * lenient about nested lengths; this makes a changed length byte an error. Primitive contents
 * are not looked into. Throws LogError('bad_format').
 */
export function checkStructure(bytes: Uint8Array, maxDepth = 40): void {
  const walk = (t: Tlv, depth: number) => {
    if (depth > maxDepth) bad('nested too deeply');
    if ((t.tag & 0x20) !== 0) for (const c of children(bytes, t)) walk(c, depth + 1);
  };
  walk(readWhole(bytes), 0);
}
