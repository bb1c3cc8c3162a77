import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dHash, formatHash64, hamming64, imagesMatch, parseHash64, pHash, popcount32 } from './image-hash.js';
import { ImageHashIndex } from './image-hash-index.js';

const rand = (seed: number) => {
  let a = seed >>> 0;
  return () => ((a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 2 ** 32);
};

describe('image hashes', () => {
  it('popcount and Hamming distance over 64 bits', () => {
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0)).toBe(0);
    expect(hamming64(parseHash64('ffffffffffffffff'), parseHash64('0000000000000000'))).toBe(64);
    expect(hamming64(parseHash64('8000000000000001'), parseHash64('0000000000000000'))).toBe(2);
    expect(formatHash64(parseHash64('0123456789abcdef'))).toBe('0123456789abcdef');
    expect(() => parseHash64('XYZ')).toThrow();
  });

  it('pHash: a picture and its brightened copy hash the same; an inverted one is far', () => {
    const r = rand(7);
    // Smooth blobs: a sum of a few random low-frequency waves, kept inside 20–235.
    const waves = Array.from({ length: 6 }, () => ({ fx: r() * 4, fy: r() * 4, p: r() * 6, a: 15 + r() * 20 }));
    const g = new Uint8Array(1024).map((_, i) => {
      const x = i % 32;
      const y = Math.floor(i / 32);
      let v = 128;
      for (const w of waves) v += w.a * Math.sin((w.fx * x + w.fy * y) / 8 + w.p);
      return Math.max(20, Math.min(235, Math.round(v)));
    });
    const brighter = g.map((v) => Math.min(255, v + 10));
    const inverted = g.map((v) => 255 - v);
    expect(hamming64(pHash(g), pHash(brighter))).toBeLessThanOrEqual(2);
    expect(hamming64(pHash(g), pHash(inverted))).toBeGreaterThan(40);
    expect(() => pHash(new Uint8Array(10))).toThrow();
  });

  it('dHash compares horizontal neighbours', () => {
    const left = new Uint8Array(72).map((_, i) => 255 - (i % 9) * 20);
    expect(formatHash64(dHash(left))).toBe('ffffffffffffffff');
    expect(formatHash64(dHash(left.map((v) => 255 - v)))).toBe('0000000000000000');
  });

  it('match thresholds', () => {
    expect(imagesMatch(10, undefined)).toBe(true);
    expect(imagesMatch(14, 12)).toBe(true);
    expect(imagesMatch(14, 13)).toBe(false);
    expect(imagesMatch(17, 0)).toBe(false);
  });

  it('multi-index search finds exactly the hashes within the radius (against a linear scan)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 16 }), (seed, radius) => {
        const r = rand(seed);
        const idx = new ImageHashIndex<number>();
        const all: { hi: number; lo: number }[] = [];
        const base = { hi: (r() * 2 ** 32) >>> 0, lo: (r() * 2 ** 32) >>> 0 };
        for (let i = 0; i < 300; i++) {
          // Half near the base, half random.
          let h = { hi: (r() * 2 ** 32) >>> 0, lo: (r() * 2 ** 32) >>> 0 };
          if (i % 2 === 0) {
            h = { ...base };
            const flips = Math.floor(r() * 24);
            for (let f = 0; f < flips; f++) {
              const bit = Math.floor(r() * 64);
              if (bit < 32) h.hi = (h.hi ^ (1 << bit)) >>> 0;
              else h.lo = (h.lo ^ (1 << (bit - 32))) >>> 0;
            }
          }
          all.push(h);
          idx.add(i, h);
        }
        idx.remove(0);
        const got = idx.search(base, radius).map((x) => x.key).sort((a, b) => a - b);
        const want = all.map((h, i) => ({ i, d: hamming64(h, base) })).filter((x) => x.i !== 0 && x.d <= radius).map((x) => x.i);
        expect(got).toEqual(want);
      }),
      { numRuns: 40 },
    );
  });
});
