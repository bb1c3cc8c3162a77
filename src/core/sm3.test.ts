import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from './bytes.js';
import { Sm3, sm3 } from './sm3.js';

const nodeSm3 = (b: Uint8Array) => createHash('sm3').update(b).digest('hex');

/** `data` fed to a fresh Sm3 in pieces of the given sizes (0 allowed); whatever is left goes last. */
function hashInChunks(data: Uint8Array, sizes: readonly number[]): string {
  const h = new Sm3();
  let at = 0;
  for (const s of sizes) {
    const end = Math.min(at + s, data.length);
    h.update(data.subarray(at, end));
    at = end;
  }
  h.update(data.subarray(at));
  return toHex(h.digest());
}

describe('sm3', () => {
  it('matches the GB/T 32905-2016 examples', () => {
    expect(toHex(sm3(utf8('abc')))).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    expect(toHex(sm3(utf8('abcd'.repeat(16))))).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
    expect(toHex(sm3(new Uint8Array(0)))).toBe('1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b');
  });

  it('gives the GB/T examples also when fed byte by byte', () => {
    const h = new Sm3();
    for (const byte of utf8('abcd'.repeat(16))) h.update(Uint8Array.of(byte));
    expect(toHex(h.digest())).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
  });

  it('agrees with OpenSSL on every length around the block and padding boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const b = randomBytes(n);
      expect(toHex(sm3(b)), `length ${n}`).toBe(nodeSm3(b));
    }
  });

  it('agrees with OpenSSL on random inputs split into random chunks, empty ones included', () => {
    const input = fc.oneof(
      { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 3 },
      { arbitrary: fc.uint8Array({ minLength: 200, maxLength: 5000 }), weight: 2 },
    );
    const chunks = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 3000 })), { maxLength: 12 });
    fc.assert(
      fc.property(input, chunks, (data, sizes) => {
        expect(hashInChunks(data, sizes)).toBe(nodeSm3(data));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with OpenSSL on a multi-megabyte input fed in odd-sized chunks', () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const sizes: number[] = [];
    for (let n = 0; n < data.length; n += 65_537) sizes.push(65_537, 0, 63);
    expect(hashInChunks(data, sizes)).toBe(nodeSm3(data));
    expect(toHex(sm3(data))).toBe(nodeSm3(data));
  });

  it('keeps separate instances independent', () => {
    const x = randomBytes(300);
    const y = randomBytes(300);
    const hx = new Sm3();
    const hy = new Sm3();
    for (let i = 0; i < 300; i += 50) {
      hx.update(x.subarray(i, i + 50));
      hy.update(y.subarray(i, i + 50));
    }
    expect(toHex(hx.digest())).toBe(nodeSm3(x));
    expect(toHex(hy.digest())).toBe(nodeSm3(y));
  });

  it('refuses use after digest', () => {
    const h = new Sm3();
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow();
    expect(() => h.digest()).toThrow();
  });
});
