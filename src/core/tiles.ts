/**
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles): tile geometry and the entry bundle encoding.
 * Pure; runs in Node and in the browser.
 */
import { LogError } from './errors.js';

/** Hashes per full tile, entries per full bundle. */
export const TILE_WIDTH = 256;
/** Tree levels per tile level. */
export const TILE_HEIGHT = 8;

/**
 * An entry bundle: each entry as a big-endian uint16 length, then its bytes. With `head`, the
 * answer is `head` ‖ bundle (a store's own framing, or the part of the bundle it already holds).
 */
export function entryBundle(entries: readonly Uint8Array[], head: Uint8Array = new Uint8Array(0)): Uint8Array {
  let size = head.length;
  for (const e of entries) {
    if (e.length > 0xffff) throw new LogError('invalid_request', `an entry of ${e.length} bytes does not fit an entry bundle (at most 65,535)`);
    size += 2 + e.length;
  }
  const out = new Uint8Array(size);
  out.set(head, 0);
  let o = head.length;
  for (const e of entries) {
    out[o] = e.length >> 8;
    out[o + 1] = e.length & 255;
    out.set(e, o + 2);
    o += 2 + e.length;
  }
  return out;
}

/** The entries of a bundle; throws corrupt_store on a truncated bundle. */
export function parseEntryBundle(bundle: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < bundle.length) {
    if (o + 2 > bundle.length) throw new LogError('corrupt_store', 'entry bundle is truncated');
    const n = (bundle[o]! << 8) | bundle[o + 1]!;
    if (o + 2 + n > bundle.length) throw new LogError('corrupt_store', 'entry bundle is truncated');
    out.push(bundle.subarray(o + 2, o + 2 + n));
    o += 2 + n;
  }
  return out;
}
