import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from './bytes.js';
import { Sm3, sm3 } from './sm3.js';

const nodeSm3 = (b: Uint8Array) => createHash('sm3').update(b).digest('hex');

describe('sm3', () => {
  it('matches the GB/T 32905-2016 examples', () => {
    expect(toHex(sm3(utf8('abc')))).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    expect(toHex(sm3(utf8('abcd'.repeat(16))))).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
    expect(toHex(sm3(new Uint8Array(0)))).toBe('1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b');
  });

  it('agrees with OpenSSL on every length around the block and padding boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const b = randomBytes(n);
      expect(toHex(sm3(b)), `length ${n}`).toBe(nodeSm3(b));
    }
  });

  it('gives the same digest however the input is split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat(700), { maxLength: 6 }), (data, cuts) => {
        const h = new Sm3();
        let at = 0;
        for (const c of [...cuts].sort((a, b) => a - b)) {
          const end = Math.min(c, data.length);
          if (end < at) continue;
          h.update(data.subarray(at, end));
          at = end;
        }
        h.update(data.subarray(at));
        expect(toHex(h.digest())).toBe(nodeSm3(data));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses use after digest', () => {
    const h = new Sm3();
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow();
    expect(() => h.digest()).toThrow();
  });
});
