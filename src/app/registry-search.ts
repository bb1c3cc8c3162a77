/**
 * Search terms of the public registry. Titles and rights-holder names are cut into terms kept
 * in an index (the RegistrationStore's, registration-ports.ts): Latin-script words (NFKC, lower case)
 * are matched from their start, so "star" finds "Starlight"; Chinese, Japanese and Korean text
 * is indexed as overlapping pairs of characters plus the last character of each run, so any
 * substring of one or more characters finds the title. Pure functions.
 */

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const RUNS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+|[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
const WORDS = /[\p{L}\p{N}]+/gu;
/** Longest term kept (longer words are cut; a prefix scan still finds them). */
const MAX_TERM = 32;

export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** The parts of a text: Latin-script words and runs of CJK characters, in order. */
function parts(text: string): { word: string; cjk: boolean }[] {
  const out: { word: string; cjk: boolean }[] = [];
  for (const m of normalize(text).matchAll(WORDS)) {
    for (const run of m[0].match(RUNS) ?? []) out.push({ word: run, cjk: CJK.test(run) });
  }
  return out;
}

/** The index terms of a text (deduplicated). */
export function indexTerms(text: string): string[] {
  const out = new Set<string>();
  for (const p of parts(text)) {
    if (!p.cjk) {
      out.add([...p.word].slice(0, MAX_TERM).join(''));
      continue;
    }
    const chars = [...p.word];
    for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
    out.add(chars[chars.length - 1]!);
  }
  return [...out];
}

export interface Query {
  /** The term prefix to scan the index with. */
  scan: string;
  /** Every part a hit must match. */
  parts: { word: string; cjk: boolean }[];
}

/** Plans a query: undefined when it has no searchable part. */
export function planQuery(q: string): Query | undefined {
  const ps = parts(q);
  if (ps.length === 0) return undefined;
  // Scan with the most selective part: a CJK pair beats a single character; longer words beat shorter.
  const score = (p: { word: string; cjk: boolean }) => (p.cjk ? Math.min([...p.word].length, 2) * 4 : [...p.word].length);
  const best = ps.reduce((a, b) => (score(b) > score(a) ? b : a));
  const chars = [...best.word];
  const scan = best.cjk ? chars.slice(0, 2).join('') : chars.slice(0, MAX_TERM).join('');
  return { scan, parts: ps };
}

/** True when `text` matches every part of the query. */
export function matches(query: Query, text: string): boolean {
  const ps = parts(text);
  const joined = ps.filter((p) => p.cjk).map((p) => p.word);
  const words = ps.filter((p) => !p.cjk).map((p) => p.word);
  return query.parts.every((qp) => (qp.cjk ? joined.some((w) => w.includes(qp.word)) : words.some((w) => w.startsWith(qp.word))));
}
