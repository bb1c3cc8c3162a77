import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLogError } from './errors.js';
import { entryBundlePrefixLength, encodeTileIndex, parseTilePath, tilePath, tileWidthAt, type TileRef } from './tile-paths.js';
import { entryBundle } from './tiles.js';

describe('tlog-tiles paths', () => {
  it('encodes indexes as the spec’s examples', () => {
    expect(encodeTileIndex(1234067n)).toBe('x001/x234/067');
    expect(encodeTileIndex(5n)).toBe('005');
    expect(encodeTileIndex(0n)).toBe('000');
    expect(encodeTileIndex(1000n)).toBe('x001/000');
    expect(tilePath({ level: 0, index: 1234067n })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 5n, width: 17 })).toBe('tile/2/005.p/17');
    expect(tilePath({ level: 'entries', index: 5n, width: 256 })).toBe('tile/entries/005');
  });

  it('parses what it encodes, for any level, index and width', () => {
    const ref = fc.record({
      level: fc.oneof(fc.integer({ min: 0, max: 63 }), fc.constant('entries' as const)),
      index: fc.bigInt({ min: 0n, max: 2n ** 64n }),
      width: fc.option(fc.integer({ min: 1, max: 255 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(ref, (r) => {
        const want: TileRef = r.width === undefined ? { level: r.level, index: r.index } : { level: r.level, index: r.index, width: r.width };
        expect(parseTilePath('/' + tilePath(want))).toEqual(want);
      }),
    );
  });

  it('refuses every non-canonical spelling with invalid_request', () => {
    for (const p of ['tile/00/000', 'tile/64/000', 'tile/0/0', 'tile/0/x000/001', 'tile/0/001/002', 'tile/0/x001', 'tile/0/000.p/0', 'tile/0/000.p/256', 'tile/0/000.p/01', 'tile/0/000/', 'tiles/0/000', 'tile/0', 'tile/entries/00', 'tile/0/+12', 'tile/0/0x1']) {
      let err: unknown;
      try {
        parseTilePath(p);
      } catch (e) {
        err = e;
      }
      expect(isLogError(err, 'invalid_request'), p).toBe(true);
    }
  });

  it('gives each tile’s width in a tree of a given size (the spec’s 70,000-entry example)', () => {
    expect(tileWidthAt(70_000n, 0, 272n)).toBe(256);
    expect(tileWidthAt(70_000n, 0, 273n)).toBe(112);
    expect(tileWidthAt(70_000n, 0, 274n)).toBe(0);
    expect(tileWidthAt(70_000n, 1, 0n)).toBe(256);
    expect(tileWidthAt(70_000n, 1, 1n)).toBe(17);
    expect(tileWidthAt(70_000n, 2, 0n)).toBe(1);
    expect(tileWidthAt(70_000n, 3, 0n)).toBe(0);
    expect(tileWidthAt(256n, 1, 0n)).toBe(1);
  });

  it('measures the first entries of a bundle', () => {
    const bundle = entryBundle([Uint8Array.of(1), new Uint8Array(300), Uint8Array.of(2, 3)]);
    expect(entryBundlePrefixLength(bundle, 0)).toBe(0);
    expect(entryBundlePrefixLength(bundle, 1)).toBe(3);
    expect(entryBundlePrefixLength(bundle, 2)).toBe(305);
    expect(entryBundlePrefixLength(bundle, 3)).toBe(bundle.length);
    expect(entryBundlePrefixLength(bundle, 4)).toBeUndefined();
    expect(entryBundlePrefixLength(bundle.subarray(0, 100), 2)).toBeUndefined();
  });
});
