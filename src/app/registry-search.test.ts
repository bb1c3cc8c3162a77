import { describe, expect, it } from 'vitest';
import { indexTerms, matches, planQuery } from './registry-search.js';

describe('registry search terms', () => {
  it('indexes Latin words whole and CJK text as pairs plus the last character of each run', () => {
    expect(indexTerms('星空之夜 Starry Night').sort()).toEqual(['night', 'starry', '之夜', '夜', '星空', '空之'].sort());
    expect(indexTerms('Ｓｔａｒ—梦')).toEqual(['star', '梦']); // NFKC folds full-width letters
  });
  it('finds by word prefix and by any CJK substring, requiring every part', () => {
    const title = '星空之夜 Starry Night';
    const hit = (q: string) => matches(planQuery(q)!, title);
    for (const q of ['star', 'NIGHT', '星空', '夜', '空之夜', 'starry 星空']) expect(hit(q), q).toBe(true);
    for (const q of ['tarry', 'moon', '夜空', 'starry moon']) expect(hit(q), q).toBe(false);
  });
  it('scans with the most selective part, and plans nothing for punctuation', () => {
    expect(planQuery('a 星空之夜')!.scan).toBe('星空');
    expect(planQuery('night sky')!.scan).toBe('night');
    expect(planQuery(' !! ')).toBeUndefined();
  });
  it('every query that matches finds its scan term among the index terms of the text', () => {
    const title = 'Harbour Lights 港口灯火';
    for (const q of ['harb', '港口', '灯', '口灯火', 'lights 港']) {
      const plan = planQuery(q)!;
      expect(matches(plan, title)).toBe(true);
      expect(indexTerms(title).some((t) => t.startsWith(plan.scan)), q).toBe(true);
    }
  });
});
