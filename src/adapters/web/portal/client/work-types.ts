/**
 * The work-metadata vocabulary of docs/UPLOADS.md as the portal shows it: the categories of
 * works (Copyright Law of the PRC, Art. 3) with their Chinese and English names, and the
 * publication statuses. A test checks these equal the server's schema (http/metadata.ts).
 */
import type { Text } from './i18n.js';

export const WORK_TYPE_OPTIONS: readonly (readonly [string, Text])[] = [
  ['literary', { zh: '文字作品', en: 'Literary work' }],
  ['oral', { zh: '口述作品', en: 'Oral work' }],
  ['musical', { zh: '音乐作品', en: 'Musical work' }],
  ['dramatic', { zh: '戏剧作品', en: 'Dramatic work' }],
  ['quyi', { zh: '曲艺作品', en: 'Quyi (folk performing art) work' }],
  ['choreographic', { zh: '舞蹈作品', en: 'Choreographic work' }],
  ['acrobatic', { zh: '杂技艺术作品', en: 'Acrobatic work' }],
  ['fine_art', { zh: '美术作品', en: 'Work of fine art' }],
  ['architectural', { zh: '建筑作品', en: 'Architectural work' }],
  ['photographic', { zh: '摄影作品', en: 'Photographic work' }],
  ['audiovisual', { zh: '视听作品', en: 'Audiovisual work' }],
  ['graphic_model', { zh: '图形作品和模型作品', en: 'Graphic work or model' }],
  ['software', { zh: '计算机软件', en: 'Computer software' }],
  ['other', { zh: '其他作品', en: 'Other work' }],
];

export const PUBLICATION_STATUS_OPTIONS: readonly (readonly [string, Text])[] = [
  ['unpublished', { zh: '未发表', en: 'Unpublished' }],
  ['published', { zh: '已发表', en: 'Published' }],
];

/** YYYY, YYYY-MM or YYYY-MM-DD naming a real calendar date (the server checks the same). */
export function isPartialDate(s: string): boolean {
  if (!/^\d{4}(-\d{2}(-\d{2})?)?$/.test(s)) return false;
  const [y, m = 1, d = 1] = s.split('-').map(Number) as [number, number?, number?];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}
