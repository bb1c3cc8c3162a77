import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from './bytes.js';
import { decodeEntry, encodeDepositEntry, encodeEntry, type DepositEntry } from './entry.js';
import { isLogError } from './errors.js';

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const deposit: fc.Arbitrary<DepositEntry> = fc.record(
  {
    v: fc.constant(1 as const),
    type: fc.constant('deposit' as const),
    id: fc.string({ unit: 'binary', maxLength: 40 }),
    account: fc.string({ unit: 'binary', maxLength: 40 }),
    sha256: hex64,
    sm3: hex64,
    size: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    metaSha256: hex64,
    receivedAt: fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  },
  { requiredKeys: ['v', 'type', 'id', 'account', 'sha256', 'metaSha256', 'receivedAt'] },
);

describe('deposit entries', () => {
  it('the fast encoder writes exactly the JCS bytes of the generic one', () => {
    fc.assert(
      fc.property(deposit, (e) => {
        let generic: Uint8Array | undefined;
        try {
          generic = encodeEntry(e);
        } catch (err) {
          // Lone surrogates are not I-JSON: both encoders must refuse or the fast one must match.
          expect(isLogError(err, 'bad_format')).toBe(true);
          return;
        }
        expect(fromUtf8(encodeDepositEntry(e))).toBe(fromUtf8(generic));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes what it encodes and refuses non-canonical bytes', () => {
    const e: DepositEntry = {
      v: 1,
      type: 'deposit',
      id: 'dep_0123456789abcdef0123',
      account: 'acc_x',
      sha256: 'a'.repeat(64),
      metaSha256: 'b'.repeat(64),
      receivedAt: '2026-11-26T21:40:00.123Z',
    };
    expect(decodeEntry(encodeDepositEntry(e))).toEqual(e);
    const spaced = utf8(JSON.stringify(e, null, 1));
    expect(() => decodeEntry(spaced)).toThrow(expect.objectContaining({ code: 'bad_format' }));
    const { v, ...rest } = e;
    const reordered = utf8(JSON.stringify({ v, ...rest }));
    expect(() => decodeEntry(reordered)).toThrow(expect.objectContaining({ code: 'bad_format' }));
  });
});
