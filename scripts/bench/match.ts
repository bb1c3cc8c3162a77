/**
 * (e) Matching against fingerprints (docs/ENFORCEMENT.md): one image against 100,000 stored
 * image fingerprints through the service's search (multi-index hashing, then the pHash/dHash
 * thresholds), and one text against 100,000 MinHash signatures (LSH). Stored hashes are random
 * 64-bit values (the worst case for bucket sizes is a skewed distribution; random is the
 * uniform one) with planted near-duplicates that every query must find; queries are near
 * copies (a few bits flipped) and unrelated hashes. Also timed: decoding and hashing one real
 * image with sharp, which a file query adds.
 */
import { MemoryFingerprintStore } from '../../src/adapters/memory/fingerprints.js';
import { imageFingerprint } from '../../src/adapters/fingerprint/extract.js';
import { Fingerprints } from '../../src/app/fingerprints.js';
import { formatHash64 } from '../../src/core/image-hash.js';
import { formatSignature, minHash, shingles } from '../../src/core/text-minhash.js';
import { syntheticImage, syntheticText, rng, changeWords } from '../../test/support/synthetic.js';
import { note } from './util.js';

export interface MatchFigures {
  stored: number;
  image: { queries: number; p50: number; p99: number; found: number; planted: number };
  text: { queries: number; p50: number; p99: number; found: number; planted: number };
  decodeMs: number;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

export async function runMatch(opts: { stored: number; queries: number }): Promise<MatchFigures> {
  const r = rng(2026);
  const u32 = () => (r() * 2 ** 32) >>> 0;
  const fp = new Fingerprints({ store: new MemoryFingerprintStore(), fingerprinter: async () => undefined, clock: { now: () => Date.now() }, maxQueue: 1, log: () => undefined });
  const idx = fp;
  note(`(e) indexing ${opts.stored.toLocaleString('en')} image and ${opts.stored.toLocaleString('en')} text fingerprints`);
  const planted: { hi: number; lo: number; dhi: number; dlo: number; id: string }[] = [];
  for (let i = 0; i < opts.stored; i++) {
    const rec = { hi: u32(), lo: u32(), dhi: u32(), dlo: u32(), id: `dep_i${i}` };
    if (i % Math.floor(opts.stored / opts.queries) === 0 && planted.length < opts.queries) planted.push(rec);
    idx.index({ kind: 'image', phash: formatHash64({ hi: rec.hi, lo: rec.lo }), dhash: formatHash64({ hi: rec.dhi, lo: rec.dlo }), depositId: rec.id, account: 'a', sha256: '', createdAt: '' });
  }
  // Texts: signatures of generated texts (a few hundred distinct bases, varied by word changes, keep it quick).
  const textsPlanted: { text: string; id: string }[] = [];
  const t0 = Date.now();
  for (let i = 0; i < opts.stored; i++) {
    const sig = new Uint32Array(128);
    for (let j = 0; j < 128; j++) sig[j] = u32();
    idx.index({ kind: 'text', minhash: formatSignature(sig), depositId: `dep_t${i}`, account: 'a', sha256: '', createdAt: '' });
  }
  for (let q = 0; q < opts.queries; q++) {
    const text = syntheticText(90_000 + q, 300);
    textsPlanted.push({ text, id: `dep_tp${q}` });
    idx.index({ kind: 'text', minhash: formatSignature(minHash(shingles(text))), depositId: `dep_tp${q}`, account: 'a', sha256: '', createdAt: '' });
  }
  note(`(e) indexed in ${((Date.now() - t0) / 1000).toFixed(1)} s; querying`);
  const flip = (x: number, bits: number) => {
    let y = x;
    for (let b = 0; b < bits; b++) y = (y ^ (1 << Math.floor(r() * 32))) >>> 0;
    return y;
  };
  const imageTimes: number[] = [];
  let imageFound = 0;
  for (const p of planted) {
    const q = { kind: 'image' as const, phash: formatHash64({ hi: flip(p.hi, 3), lo: flip(p.lo, 3) }), dhash: formatHash64({ hi: flip(p.dhi, 2), lo: flip(p.dlo, 2) }) };
    const s = performance.now();
    const hits = fp.search(q);
    imageTimes.push(performance.now() - s);
    if (hits.some((h) => h.depositId === p.id)) imageFound++;
    const s2 = performance.now();
    fp.search({ kind: 'image', phash: formatHash64({ hi: u32(), lo: u32() }), dhash: formatHash64({ hi: u32(), lo: u32() }) });
    imageTimes.push(performance.now() - s2);
  }
  const textTimes: number[] = [];
  let textFound = 0;
  for (const [q, p] of textsPlanted.entries()) {
    const query = { kind: 'text' as const, minhash: formatSignature(minHash(shingles(changeWords(p.text, 0.3, q)))) };
    const s = performance.now();
    const hits = fp.search(query);
    textTimes.push(performance.now() - s);
    if (hits.some((h) => h.depositId === p.id)) textFound++;
  }
  const img = await syntheticImage(1, 1600, 1200);
  const d0 = performance.now();
  for (let i = 0; i < 5; i++) await imageFingerprint(img);
  const decodeMs = (performance.now() - d0) / 5;
  return {
    stored: opts.stored,
    image: { queries: imageTimes.length, p50: pct(imageTimes, 50), p99: pct(imageTimes, 99), found: imageFound, planted: planted.length },
    text: { queries: textTimes.length, p50: pct(textTimes, 50), p99: pct(textTimes, 99), found: textFound, planted: textsPlanted.length },
    decodeMs,
  };
}
