/**
 * Generated works for the enforcement tests and the false-match measurement
 * (scripts/enforcement-corpus.ts): images drawn from a seeded random stream as SVG (gradients,
 * shapes, a line of text) and rendered with sharp; texts drawn from a word list. Deterministic
 * for a seed.
 */
import sharp from 'sharp';

/** A small seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const colour = (r: () => number) => `rgb(${Math.floor(r() * 256)},${Math.floor(r() * 256)},${Math.floor(r() * 256)})`;

/** An SVG picture of `width`×`height` drawn from `seed`. */
export function syntheticSvg(seed: number, width = 640, height = 480): string {
  const r = rng(seed);
  const parts: string[] = [];
  const angle = Math.floor(r() * 360);
  parts.push(`<defs><linearGradient id="g" gradientTransform="rotate(${angle} 0.5 0.5)"><stop offset="0" stop-color="${colour(r)}"/><stop offset="1" stop-color="${colour(r)}"/></linearGradient></defs>`);
  parts.push(`<rect width="${width}" height="${height}" fill="url(#g)"/>`);
  const shapes = 10 + Math.floor(r() * 14);
  for (let i = 0; i < shapes; i++) {
    const x = Math.floor(r() * width);
    const y = Math.floor(r() * height);
    const s = 40 + Math.floor(r() * (width / 2));
    const kind = Math.floor(r() * 3);
    if (kind === 0) parts.push(`<circle cx="${x}" cy="${y}" r="${s / 2}" fill="${colour(r)}" opacity="${(0.5 + r() / 2).toFixed(2)}"/>`);
    else if (kind === 1) parts.push(`<rect x="${x - s / 2}" y="${y - s / 3}" width="${s}" height="${(s * 2) / 3}" fill="${colour(r)}" transform="rotate(${Math.floor(r() * 90)} ${x} ${y})"/>`);
    else parts.push(`<polygon points="${x},${y - s / 2} ${x + s / 2},${y + s / 2} ${x - s / 2},${y + s / 2}" fill="${colour(r)}"/>`);
  }
  parts.push(`<text x="${20 + Math.floor(r() * 200)}" y="${60 + Math.floor(r() * (height - 100))}" font-size="${24 + Math.floor(r() * 30)}" font-family="sans-serif" fill="${colour(r)}">Work ${seed} 作品</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/** A generated PNG image. */
export async function syntheticImage(seed: number, width = 640, height = 480): Promise<Buffer> {
  return sharp(Buffer.from(syntheticSvg(seed, width, height))).png().toBuffer();
}

/**
 * A copy as it circulates: cropped by `crop` of each side (default 4 %), resized to `scale`
 * (default 0.6) and recompressed as JPEG at `quality` (default 70).
 */
export async function alteredCopy(png: Uint8Array, opts: { crop?: number; scale?: number; quality?: number } = {}): Promise<Buffer> {
  const meta = await sharp(png).metadata();
  const w = meta.width!;
  const h = meta.height!;
  const crop = opts.crop ?? 0.04;
  const left = Math.round(w * crop);
  const top = Math.round(h * crop);
  const cw = w - 2 * left;
  const ch = h - 2 * top;
  const scale = opts.scale ?? 0.6;
  return sharp(png)
    .extract({ left, top, width: cw, height: ch })
    .resize(Math.round(cw * scale), Math.round(ch * scale))
    .jpeg({ quality: opts.quality ?? 70 })
    .toBuffer();
}

/** A word list: 4,000 pronounceable pseudo-words from syllables (no natural-language bias). */
export const WORDS: readonly string[] = (() => {
  const syl = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'do', 'gu', 'ha', 'je', 'bi', 'fo', 'ya', 'wu', 'xi', 'qe'];
  const r = rng(42);
  const out = new Set<string>(['the', 'of', 'and', 'to', 'in', 'a', 'is', 'that', 'for', 'it']);
  while (out.size < 4000) {
    const n = 1 + Math.floor(r() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += syl[Math.floor(r() * syl.length)];
    out.add(w);
  }
  return [...out];
})();

/** Picks a word: common words (the first ten) a third of the time, like function words in prose. */
function word(r: () => number): string {
  return r() < 0.33 ? WORDS[Math.floor(r() * 10)]! : WORDS[10 + Math.floor(r() * (WORDS.length - 10))]!;
}

/** A generated text of `n` words. */
export function syntheticText(seed: number, n = 300): string {
  const r = rng(seed ^ 0x7777);
  return Array.from({ length: n }, () => word(r)).join(' ');
}

/** `text` with `share` of its words replaced by other words (positions and words from `seed`). */
export function changeWords(text: string, share: number, seed: number): string {
  const r = rng(seed ^ 0x3333);
  const w = text.split(' ');
  const idx = w.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  for (const i of idx.slice(0, Math.round(w.length * share))) {
    let x = word(r);
    while (x === w[i]) x = word(r);
    w[i] = x;
  }
  return w.join(' ');
}
