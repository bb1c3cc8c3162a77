/**
 * Measures the match thresholds on a generated corpus (docs/ENFORCEMENT.md):
 *   npx tsx scripts/enforcement-corpus.ts [--images N] [--texts N] [--copies N]
 * Defaults: 10,000 generated images and 10,000 generated texts (test/support/synthetic.ts), every
 * one a distinct work. False matches: each work is searched against all the others through the
 * service's index and thresholds; any hit is a false match. Recall: `--copies` works get an
 * altered copy (images: 3 % crop per side, half size, JPEG quality 60; texts: 30 % of the words
 * changed) that must find its original. Report on stdout, figures in .bench/enforcement-corpus.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageFingerprint, textFingerprint } from '../src/adapters/fingerprint/extract.js';
import { MemoryFingerprintStore } from '../src/adapters/memory/fingerprints.js';
import { Fingerprints, type Fingerprint } from '../src/app/fingerprints.js';
import { alteredCopy, changeWords, syntheticImage, syntheticText } from '../test/support/synthetic.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const N_IMAGES = opt('images', 10_000);
const N_TEXTS = opt('texts', 10_000);
const COPIES = opt('copies', 1_000);
const log = (m: string) => process.stderr.write(`[corpus ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

const fp = new Fingerprints({ store: new MemoryFingerprintStore(), fingerprinter: async () => undefined, clock: { now: () => Date.now() }, maxQueue: 1, log: () => undefined });
const images: Fingerprint[] = [];
const t0 = Date.now();
for (let i = 0; i < N_IMAGES; i++) {
  const f = await imageFingerprint(await syntheticImage(i, 320, 240));
  if (!f) throw new Error(`image ${i} has no fingerprint`);
  images.push(f);
  fp.index({ ...f, depositId: `img${i}`, account: 'a', sha256: '', createdAt: '' });
  if ((i + 1) % 1000 === 0) log(`${i + 1} images fingerprinted (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
const texts: string[] = [];
for (let i = 0; i < N_TEXTS; i++) {
  const text = syntheticText(i, 200 + (i % 300));
  texts.push(text);
  fp.index({ ...textFingerprint(text)!, depositId: `txt${i}`, account: 'a', sha256: '', createdAt: '' });
}
log(`${N_TEXTS} texts fingerprinted`);

// False matches: every work against all others.
let imageFalse = 0;
let imageQueriesWithFalse = 0;
const imageFalseDistances: number[] = [];
for (let i = 0; i < N_IMAGES; i++) {
  const hits = fp.search(images[i]!).filter((h) => h.depositId !== `img${i}`);
  imageFalse += hits.length;
  if (hits.length > 0) imageQueriesWithFalse++;
  for (const h of hits) imageFalseDistances.push(h.distance ?? -1);
}
let textFalse = 0;
let textQueriesWithFalse = 0;
let textFalseMax = 0;
for (let i = 0; i < N_TEXTS; i++) {
  const hits = fp.search(textFingerprint(texts[i]!)!).filter((h) => h.depositId !== `txt${i}`);
  textFalse += hits.length;
  if (hits.length > 0) textQueriesWithFalse++;
  for (const h of hits) textFalseMax = Math.max(textFalseMax, h.similarity);
}
log('false matches counted');

// Recall on altered copies.
let imageFound = 0;
const imageCopyDistances: number[] = [];
const step = Math.max(1, Math.floor(N_IMAGES / COPIES));
let imageCopies = 0;
for (let i = 0; i < N_IMAGES && imageCopies < COPIES; i += step, imageCopies++) {
  const copy = await imageFingerprint(await alteredCopy(await syntheticImage(i, 320, 240), { crop: 0.03, scale: 0.5, quality: 60 }));
  const hits = fp.search(copy!);
  const hit = hits.find((h) => h.depositId === `img${i}`);
  if (hit) {
    imageFound++;
    imageCopyDistances.push(hit.distance!);
  }
}
let textFound = 0;
let textCopies = 0;
let textCopyMin = 1;
for (let i = 0; i < N_TEXTS && textCopies < COPIES; i += Math.max(1, Math.floor(N_TEXTS / COPIES)), textCopies++) {
  const hits = fp.search(textFingerprint(changeWords(texts[i]!, 0.3, i))!);
  const hit = hits.find((h) => h.depositId === `txt${i}`);
  if (hit) {
    textFound++;
    textCopyMin = Math.min(textCopyMin, hit.similarity);
  }
}
const pairs = (n: number) => (n * (n - 1)) / 2;
const figures = {
  date: new Date().toISOString(),
  images: {
    works: N_IMAGES,
    falseMatchPairs: imageFalse / 2,
    falseMatchRatePerPair: imageFalse / 2 / pairs(N_IMAGES),
    queriesWithAFalseMatch: imageQueriesWithFalse,
    falseMatchRatePerQuery: imageQueriesWithFalse / N_IMAGES,
    falseMatchDistances: [...new Set(imageFalseDistances)].sort((a, b) => a - b),
    copies: imageCopies,
    copiesFound: imageFound,
    copyDistanceMax: Math.max(0, ...imageCopyDistances),
  },
  texts: {
    works: N_TEXTS,
    falseMatchPairs: textFalse / 2,
    falseMatchRatePerPair: textFalse / 2 / pairs(N_TEXTS),
    queriesWithAFalseMatch: textQueriesWithFalse,
    falseMatchRatePerQuery: textQueriesWithFalse / N_TEXTS,
    falseMatchSimilarityMax: textFalseMax,
    copies: textCopies,
    copiesFound: textFound,
    copySimilarityMin: textCopyMin,
  },
  seconds: (Date.now() - t0) / 1000,
};
mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(join(root, '.bench', 'enforcement-corpus.json'), JSON.stringify(figures, null, 2) + '\n');
console.log(JSON.stringify(figures, null, 2));
