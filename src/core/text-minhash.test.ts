import { describe, expect, it } from 'vitest';
import { jaccard, jaccardEstimate, minHash, parseSignature, formatSignature, shingles, textSignature, TextIndex, words, TEXT_MATCH } from './text-minhash.js';

const lorem = (seed: number, n: number) => {
  let a = seed >>> 0;
  const r = () => ((a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => `w${Math.floor(r() * 3000)}`).join(' ');
};

describe('text fingerprints', () => {
  it('words: NFKC, lower case, CJK one character per word', () => {
    expect(words('Hello, WORLD! ＡＢＣ 著作权保护 abc中文')).toEqual(['hello', 'world', 'abc', '著', '作', '权', '保', '护', 'abc', '中', '文']);
  });

  it('MinHash estimates the Jaccard similarity of shingle sets', () => {
    const a = shingles(lorem(1, 400));
    const b = shingles(lorem(1, 400).split(' ').slice(100).join(' ') + ' ' + lorem(2, 100));
    const exact = jaccard(a, b);
    expect(Math.abs(jaccardEstimate(minHash(a), minHash(b)) - exact)).toBeLessThan(0.15);
  });

  it('short texts have no signature; signatures round-trip through hex', () => {
    expect(textSignature('too short to fingerprint')).toBeUndefined();
    const sig = textSignature(lorem(3, 50))!;
    expect(parseSignature(formatSignature(sig))).toEqual(sig);
    expect(parseSignature('zz')).toBeUndefined();
  });

  it('the LSH index finds a text with 30 % of its words changed, not an unrelated one', () => {
    const idx = new TextIndex<string>();
    for (let i = 0; i < 200; i++) idx.add(`t${i}`, textSignature(lorem(100 + i, 300))!);
    const original = lorem(150, 300).split(' ');
    for (let i = 0; i < original.length; i += 10) for (const j of [0, 3, 7]) if (i + j < original.length) original[i + j] = `changed${i + j}`;
    const hits = idx.search(textSignature(original.join(' '))!);
    expect(hits[0]?.key).toBe('t50');
    expect(hits[0]!.similarity).toBeGreaterThanOrEqual(TEXT_MATCH);
    expect(idx.search(textSignature(lorem(99_999, 300))!)).toEqual([]);
    idx.remove('t50');
    expect(idx.search(textSignature(original.join(' '))!)).toEqual([]);
  });
});
