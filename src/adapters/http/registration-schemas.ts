/**
 * Zod schemas of the registration, review, registry, statistics and organisation routes
 * (docs/REGISTRATION.md): the only source of their request types and of their /openapi.json part.
 * Shapes and single-field formats are checked here; rules across fields and identity document
 * check digits are checked by the use case (src/core/registration.ts), for every adapter.
 */
import { z } from 'zod';
import { PageAfter, pageLimit } from './schemas.js';
import { ID_TYPES } from '../../core/identity.js';
import { REGISTRATION_NUMBER_RE } from '../../core/entry.js';
import { HOLDER_KINDS, OWNERSHIP, REGISTRATION_STATES, RIGHTS_OBTAINED, WORK_TYPE_NAMES, type ApplicationDraft } from '../../core/registration.js';
import type { ApplicationPatch, Correction } from '../../app/registrations.js';
import { plainText } from './plain-text.js';

const Text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
/** Names and titles: Text without control or bidi formatting characters. */
const Name = (max: number) => plainText(Text(max));

/** YYYY-MM-DD naming a real calendar date. */
export const DateOnly = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((s) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    const t = new Date(Date.UTC(y, m - 1, d));
    return y >= 1000 && t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
  }, 'is not a calendar date');

const Nationality = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as CN');

export const RegistrationId = z.string().regex(/^reg_[0-9a-f]{20}$/, 'not a registration id');
export { AccountId } from './accounts-schemas.js';
export const DepositIdRef = z.string().regex(/^dep_[0-9a-f]{20}$/, 'not a deposit id');
export const RegistrationNumber = z.string().regex(REGISTRATION_NUMBER_RE, 'must look like CL-2026-F-00000001');

export const Author = z
  .strictObject({
    name: Name(100).meta({ description: '作者 name' }),
    signature: Name(100).optional().meta({ description: '署名: the name the work is published under' }),
    nationality: Nationality.optional(),
  })
  .meta({ id: 'RegistrationAuthor' });

export const RightsHolder = z
  .strictObject({
    name: Name(200).meta({ description: '著作权人: legal name' }),
    displayName: Name(200).optional().meta({ description: 'Name shown in the public registry (default: name)' }),
    kind: z.enum(HOLDER_KINDS),
    idType: z.enum(ID_TYPES).meta({ description: 'Identity document type (private)' }),
    idNumber: z
      .string()
      .trim()
      .toUpperCase()
      .min(1, 'must not be empty')
      .max(40, 'at most 40 characters')
      .meta({ description: 'Identity document number (private; check digits are verified for resident_id and unified_social_credit_code)' }),
    nationality: Nationality.optional(),
    address: Text(500).optional().meta({ description: 'Private' }),
  })
  .meta({ id: 'RightsHolder' });

export const Publication = z
  .discriminatedUnion('status', [
    z.strictObject({ status: z.literal('unpublished') }),
    z.strictObject({ status: z.literal('published'), firstPublishedOn: DateOnly, place: Text(200) }),
  ])
  .meta({ id: 'Publication', description: '发表状态: unpublished, or published with the date and place of first publication' });

const fields = {
  title: Name(200).meta({ description: '作品名称' }),
  workType: z.enum(WORK_TYPE_NAMES).meta({ description: 'Category under Copyright Law Art. 3; its letter goes into the number' }),
  description: Text(2000).meta({ description: 'Creation notes / originality statement' }),
  authors: z.array(Author).min(1, 'at least one author').max(50, 'at most 50 authors'),
  rightsHolders: z.array(RightsHolder).min(1, 'at least one rights holder').max(20, 'at most 20 rights holders'),
  creation: z.strictObject({ completedOn: DateOnly, place: Text(200) }).meta({ description: '创作完成日期和地点' }),
  publication: Publication,
  rightsObtained: z.enum(RIGHTS_OBTAINED).meta({ description: '权利取得方式' }),
  rightsObtainedNote: Text(500),
  ownership: z.enum(OWNERSHIP).meta({ description: '权利归属: sole needs one rights holder, joint two or more' }),
  statementOfTruth: z.boolean().meta({ description: 'The applicant states the application is true; MUST be true to submit' }),
  deposits: z.array(DepositIdRef).min(1, 'at least one deposit').max(50, 'at most 50 deposits'),
};

type Fields = typeof fields;
const optionalFields = Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, s.optional()])) as { [K in keyof Fields]: z.ZodOptional<Fields[K]> };
const nullableFields = Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, s.nullable().optional()])) as {
  [K in keyof Fields]: z.ZodOptional<z.ZodNullable<Fields[K]>>;
};

/** POST /v1/registrations: a draft (any field may be missing), or with `submit: true` a complete application. */
export const CreateRegistration = z
  .strictObject({ ...optionalFields, submit: z.boolean().optional().meta({ description: 'Submit at once (default: keep as a draft)' }) })
  .meta({ id: 'RegistrationApplication' });

/** PATCH /v1/registrations/{id} and POST …/amend: fields to replace; null removes an optional field. */
export const PatchRegistration = z.strictObject(nullableFields).meta({ id: 'RegistrationPatch' });

export const Reason = z.strictObject({ reason: Text(2000) }).meta({ id: 'Reason' });

export const CorrectRegistration = z
  .strictObject({
    title: Name(200).optional(),
    rightsHolders: z.array(z.strictObject({ name: Name(200), displayName: Name(200).optional() })).min(1).max(20).optional(),
    reason: Text(2000),
  })
  .refine((c) => c.title !== undefined || c.rightsHolders !== undefined, { path: ['title'], message: 'give title and/or rightsHolders to correct' })
  .meta({ id: 'RegistrationCorrection' });

const after = PageAfter;
const limit = pageLimit(20);
export const ListQuery = z.strictObject({ state: z.enum(REGISTRATION_STATES).optional().meta({ description: 'Only applications in this state' }), after, limit });
export const QueueQuery = z.strictObject({ after, limit });
export const RegistryQuery = z
  .strictObject({
    number: RegistrationNumber.optional().meta({ description: 'A registration number, CL-<year>-<letter>-<8 digits>' }),
    q: Text(200).optional().meta({ description: 'Words (matched from their start) or Chinese text (matched anywhere) in titles and rights holders' }),
  })
  .refine((x) => (x.number === undefined) !== (x.q === undefined), { path: ['q'], message: 'give exactly one of number and q' });

// Compile-time checks: the request types are the use cases' input types.
type Assert<T extends true> = T;
export type _DraftFits = Assert<z.output<typeof PatchRegistration> extends ApplicationPatch ? true : false>;
export type _CreateFits = Assert<Omit<z.output<typeof CreateRegistration>, 'submit'> extends ApplicationDraft ? true : false>;
export type _CorrectFits = Assert<Omit<z.output<typeof CorrectRegistration>, 'reason'> extends Correction ? true : false>;
