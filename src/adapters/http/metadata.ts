/**
 * Work metadata (docs/UPLOADS.md). One zod schema for every way of depositing (upload, hash only,
 * batch): every known field is optional and checked when present; unknown extra fields pass
 * through unchanged, so platforms can add their own. The schema never rewrites a value: what is
 * hashed into `metaSha256` is exactly what the depositor sent, plus the service's `salt`.
 */
import { z } from 'zod';
import { plainText } from './plain-text.js';

/** The categories of works in Art. 3 of the Copyright Law of the PRC (2020). */
export const WORK_TYPES = [
  'literary',
  'oral',
  'musical',
  'dramatic',
  'quyi',
  'choreographic',
  'acrobatic',
  'fine_art',
  'architectural',
  'photographic',
  'audiovisual',
  'graphic_model',
  'software',
  'other',
] as const;

export type WorkType = (typeof WORK_TYPES)[number];

/** Chinese and English names of each work type, as printed on certificates. */
export const WORK_TYPE_LABELS: Readonly<Record<WorkType, { zh: string; en: string }>> = {
  literary: { zh: '文字作品', en: 'Literary work' },
  oral: { zh: '口述作品', en: 'Oral work' },
  musical: { zh: '音乐作品', en: 'Musical work' },
  dramatic: { zh: '戏剧作品', en: 'Dramatic work' },
  quyi: { zh: '曲艺作品', en: 'Quyi (folk performing art) work' },
  choreographic: { zh: '舞蹈作品', en: 'Choreographic work' },
  acrobatic: { zh: '杂技艺术作品', en: 'Acrobatic work' },
  fine_art: { zh: '美术作品', en: 'Work of fine art' },
  architectural: { zh: '建筑作品', en: 'Architectural work' },
  photographic: { zh: '摄影作品', en: 'Photographic work' },
  audiovisual: { zh: '视听作品', en: 'Audiovisual work' },
  graphic_model: { zh: '图形作品和模型作品', en: 'Graphic work or model' },
  software: { zh: '计算机软件', en: 'Computer software' },
  other: { zh: '其他作品', en: 'Other work' },
};

export const PUBLICATION_STATUSES = ['unpublished', 'published'] as const;

/** YYYY, YYYY-MM or YYYY-MM-DD, naming a real calendar date. */
export const PartialDate = z
  .string()
  .regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'must be YYYY, YYYY-MM or YYYY-MM-DD')
  .refine((s) => {
    const [y, m = 1, d = 1] = s.split('-').map(Number) as [number, number?, number?];
    const t = new Date(Date.UTC(y, m - 1, d));
    return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
  }, 'is not a calendar date')
  .meta({ description: 'YYYY, YYYY-MM or YYYY-MM-DD', examples: ['2026-03-15'] });

const Text = (max: number) => z.string().min(1, 'must not be empty').max(max, `at most ${max} characters`);

export const Author = z
  .looseObject({
    name: plainText(Text(200)).meta({ description: 'Name or pen name' }),
    role: Text(100).optional().meta({ description: 'e.g. author, co-author, composer, lyricist, translator, photographer, director' }),
  })
  .meta({ id: 'Author' });

export const WorkMetadata = z
  .looseObject({
    title: plainText(Text(500)).optional().meta({ description: 'Title of the work (作品名称)' }),
    workType: z.enum(WORK_TYPES).optional().meta({ description: 'Category under Copyright Law Art. 3 (作品类型)' }),
    authors: z.array(Author).min(1).max(100).optional().meta({ description: 'Authors (作者) with their roles' }),
    rightsHolder: plainText(Text(200)).optional().meta({ description: 'Copyright owner (著作权人)' }),
    creationDate: PartialDate.optional().meta({ description: 'Date of completion (创作完成日期)' }),
    publicationStatus: z.enum(PUBLICATION_STATUSES).optional().meta({ description: 'Whether the work is published (发表状态)' }),
    publicationDate: PartialDate.optional().meta({ description: 'Date of first publication (首次发表日期); only with publicationStatus "published"' }),
    description: Text(5000).optional().meta({ description: 'Short description (作品说明)' }),
    fileName: plainText(Text(255)).optional().meta({ description: 'Name of the deposited file (文件名), as the depositor gives it' }),
  })
  .superRefine((m, ctx) => {
    if (m.publicationDate !== undefined && m.publicationStatus === 'unpublished') {
      ctx.addIssue({ code: 'custom', path: ['publicationDate'], message: 'an unpublished work has no publication date' });
    }
    if (m.publicationDate !== undefined && m.creationDate !== undefined && m.publicationDate < m.creationDate.slice(0, m.publicationDate.length)) {
      ctx.addIssue({ code: 'custom', path: ['publicationDate'], message: 'is before creationDate' });
    }
    if ('salt' in m) ctx.addIssue({ code: 'custom', path: ['salt'], message: 'is reserved: the service adds it' });
  })
  .meta({
    id: 'WorkMetadata',
    description:
      'Work metadata (JSON object). Known fields are checked when present; other fields are kept as sent. The service adds a random `salt`; only SHA-256(JCS(metadata)) enters the log.',
  });

export type WorkMetadata = z.infer<typeof WorkMetadata>;
