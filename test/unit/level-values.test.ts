/** The slab writers of a commit's records write the same bytes as the plain encoders they replace. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex, utf8, Utf8Slab } from '../../src/core/bytes.js';
import { accountDepositKey, depositKey, Packer, shaKey } from '../../src/adapters/level/keys.js';
import { decodeDepositRef, decodeDepositValue, encodeDepositRef, encodeDepositValue } from '../../src/adapters/level/values.js';

const bytesOf = (b: Uint8Array) => [...b];
const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(''));
const index = fc.oneof(fc.constantFrom(0n, 1n, 255n, 256n, 65_535n, 65_536n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 56n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const metadata = fc.oneof(
  hex(16).map((h) => `{"salt":"${h}"}`),
  hex(16).map((h) => `{"salt":"${h.toUpperCase()}"}`),
  hex(15).map((h) => `{"salt":"${h}"}`),
  fc.string().map((t) => JSON.stringify({ salt: 'x', title: t })),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);
const id = fc.oneof(hex(10).map((h) => `dep_${h}`), hex(10).map((h) => `dep_${h.toUpperCase()}`), hex(11).map((h) => `dep_${h}`), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }));

describe('commit record writers (keys.ts Packer)', () => {
  it('depositKey, depositValue, depositRef, shaKey and accountDepositKey match the plain encoders', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(id, index, metadata, fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom('acc_a', 'acc_b', 'ä-account')), { minLength: 1, maxLength: 20 }), (rows) => {
        const pk = new Packer();
        for (const [i, ix, meta, sha, account] of rows) {
          expect(bytesOf(pk.depositKey(i))).toEqual(bytesOf(depositKey(i)));
          const value = pk.depositValue(ix, meta);
          expect(bytesOf(value)).toEqual(bytesOf(encodeDepositValue(ix, meta)));
          expect(decodeDepositValue(value)).toEqual({ index: ix, metadata: meta });
          const ref = pk.depositRef(i);
          expect(bytesOf(ref)).toEqual(bytesOf(encodeDepositRef(i)));
          expect(decodeDepositRef(ref)).toBe(i);
          expect(bytesOf(pk.shaKey(sha, ix))).toEqual(bytesOf(shaKey(sha, ix)));
          expect(bytesOf(pk.accountDepositKey(account, ix))).toEqual(bytesOf(accountDepositKey(account, ix)));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('bytes', () => {
  it('toHex writes two lowercase digits per byte at every length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(toHex(b)).toBe(Buffer.from(b).toString('hex'));
      }),
      { numRuns: 1000 },
    );
  });

  it('Utf8Slab encodes as TextEncoder does, each text in bytes of its own', () => {
    const slab = new Utf8Slab();
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 400 }), { maxLength: 50 }), (texts) => {
        const out = texts.map((t) => slab.encode(t));
        out.forEach((b, i) => expect(bytesOf(b)).toEqual(bytesOf(utf8(texts[i]!))));
      }),
      { numRuns: 300 },
    );
    const big = 'x'.repeat(20_000);
    expect(slab.encode(big).length).toBe(20_000);
  });
});
