import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeSha256, nodeTextSha256Hex, nodeTreeSha256 } from '../../src/adapters/crypto/node.js';

const reference = (parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return [...h.digest()];
};

describe('node:crypto SHA-256 variants', () => {
  it('nodeTreeSha256 and nodeSha256 give the same digests for 1, 2 and more parts of any size', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 5000 }), { minLength: 1, maxLength: 4 }), (parts) => {
        const want = reference(parts);
        expect([...nodeSha256(...parts)]).toEqual(want);
        const tree = nodeTreeSha256(...parts);
        expect(tree.length).toBe(32);
        expect([...tree]).toEqual(want);
      }),
      { numRuns: 400 },
    );
  });

  it('nodeTreeSha256 digests never share bytes, also across slabs', () => {
    const data = Array.from({ length: 600 }, (_, i) => Uint8Array.of(i & 255, i >> 8));
    const out = data.map((d) => nodeTreeSha256(d));
    out.forEach((h, i) => expect([...h]).toEqual(reference([data[i]!])));
  });

  it('nodeTextSha256Hex hashes the UTF-8 bytes of a text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (t) => {
        expect(nodeTextSha256Hex(t)).toBe(createHash('sha256').update(Buffer.from(t, 'utf8')).digest('hex'));
      }),
    );
  });
});
