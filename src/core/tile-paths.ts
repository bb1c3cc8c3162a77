/**
 * C2SP tlog-tiles resource paths (https://c2sp.org/tlog-tiles): encoding and strict parsing of
 * `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, and how wide a tile is in a tree of a
 * given size. Pure; runs in Node and in the browser.
 */
import { LogError } from './errors.js';
import { TILE_HEIGHT, TILE_WIDTH } from './tiles.js';

/** Highest tile level a path may name (the spec's range). */
export const MAX_TILE_LEVEL = 63;

/** A parsed tile path: a hash tile (`level` ≥ 0) or an entry bundle (`level` 'entries'); `width` only for a partial one (1..255). */
export interface TileRef {
  level: number | 'entries';
  index: bigint;
  width?: number;
}

/** `<N>`: zero-padded 3-digit groups, all but the last prefixed with `x` (1234067 → `x001/x234/067`). */
export function encodeTileIndex(index: bigint): string {
  if (index < 0n) throw new LogError('invalid_request', `a tile index is never negative (${index})`);
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000n).padStart(3, '0'));
    n /= 1000n;
  } while (n > 0n);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** The path (no leading slash) of a hash tile or entry bundle; `width` 256 or absent: the full one. */
export function tilePath(ref: TileRef): string {
  const head = ref.level === 'entries' ? 'tile/entries' : `tile/${ref.level}`;
  const partial = ref.width !== undefined && ref.width < TILE_WIDTH ? `.p/${ref.width}` : '';
  return `${head}/${encodeTileIndex(ref.index)}${partial}`;
}

const bad = (why: string): never => {
  throw new LogError('invalid_request', `not a tlog-tiles path: ${why}`, { details: { field: 'path' } });
};

/**
 * Parses a request path (`/tile/…`, leading slash optional, no query) strictly: the level is
 * 0..63 without leading zeros, the index canonical 3-digit groups (`x`-prefixed but the last, no
 * leading `x000`), the width 1..255 without leading zeros. Throws invalid_request otherwise.
 */
export function parseTilePath(path: string): TileRef {
  const parts = (path.startsWith('/') ? path.slice(1) : path).split('/');
  if (parts[0] !== 'tile' || parts.length < 3) bad('expected tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]');
  let level: number | 'entries';
  if (parts[1] === 'entries') level = 'entries';
  else {
    if (!/^(0|[1-9][0-9]?)$/.test(parts[1]!) || Number(parts[1]) > MAX_TILE_LEVEL) bad(`the level must be 0..${MAX_TILE_LEVEL} without leading zeros`);
    level = Number(parts[1]);
  }
  const rest = parts.slice(2);
  let width: number | undefined;
  const last = rest[rest.length - 1]!;
  const beforeLast = rest[rest.length - 2];
  if (beforeLast !== undefined && beforeLast.endsWith('.p')) {
    if (!/^[1-9][0-9]{0,2}$/.test(last) || Number(last) > TILE_WIDTH - 1) bad(`the width must be 1..${TILE_WIDTH - 1} without leading zeros`);
    width = Number(last);
    rest.pop();
    rest[rest.length - 1] = beforeLast.slice(0, -2);
  }
  let index = 0n;
  rest.forEach((g, i) => {
    const isLast = i === rest.length - 1;
    const m = (isLast ? /^([0-9]{3})$/ : /^x([0-9]{3})$/).exec(g);
    if (!m) bad(`the index must be 3-digit groups, each but the last prefixed with "x" (got "${rest.join('/')}")`);
    if (i === 0 && !isLast && m![1] === '000') bad('the index has a leading x000 group');
    index = index * 1000n + BigInt(m![1]!);
  });
  return width === undefined ? { level, index } : { level, index, width };
}

/**
 * Hashes (or entries) the tile at `level` (a hash-tile level, entry bundles are level 0) and
 * `index` holds in a tree of `treeSize` entries: 0 (none yet) to 256 (full).
 */
export function tileWidthAt(treeSize: bigint, level: number, index: bigint): number {
  const atLevel = treeSize >> BigInt(TILE_HEIGHT * level);
  const start = index * BigInt(TILE_WIDTH);
  if (atLevel <= start) return 0;
  const w = atLevel - start;
  return w >= BigInt(TILE_WIDTH) ? TILE_WIDTH : Number(w);
}

/** Bytes of the first `count` entries of an entry bundle; undefined when it holds fewer. */
export function entryBundlePrefixLength(bundle: Uint8Array, count: number): number | undefined {
  let o = 0;
  for (let i = 0; i < count; i++) {
    if (o + 2 > bundle.length) return undefined;
    o += 2 + ((bundle[o]! << 8) | bundle[o + 1]!);
    if (o > bundle.length) return undefined;
  }
  return o;
}
