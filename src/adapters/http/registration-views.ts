/**
 * Zod schemas of what the registration routes answer (docs/REGISTRATION.md): documentation for
 * /openapi.json, checked at compile time against the use cases' own types.
 */
import { z } from 'zod';
import { REGISTRATION_ACTIONS, type RegistrationAction } from '../../core/entry.js';
import { HOLDER_KINDS, OWNERSHIP, REGISTRATION_CERTIFICATE_FORMAT, REGISTRATION_STATES, RIGHTS_OBTAINED, WORK_TYPE_NAMES, type RegistrationCertificate as CoreCertificate } from '../../core/registration.js';
import type { QueueItem, ReviewItem as AppReviewItem, RegistrationView as AppView, RegistryEntry as AppRegistryEntry } from '../../app/registrations.js';
import type { StatsView } from '../../app/stats.js';
import * as R from './registration-schemas.js';
import { Certificate, Deposit } from './schemas.js';

const State = z.enum(REGISTRATION_STATES);
const Draft = R.CreateRegistration.omit({ submit: true }).meta({ id: 'RegistrationDraft', description: 'The application as last saved: any field may be missing in a draft' });

export const RegistrationHistoryItem = z
  .object({
    seq: z.number().int(),
    action: z.enum(Object.keys(REGISTRATION_ACTIONS) as [RegistrationAction, ...RegistrationAction[]]),
    state: State,
    at: z.string(),
    account: z.string().meta({ description: 'The account that made the change' }),
    index: z.number().int().meta({ description: "Index of the change's log entry" }),
    applicationSha256: z.string(),
    reason: z.string().optional(),
  })
  .meta({ id: 'RegistrationHistoryItem' });

export const RegistrationView = z
  .object({
    id: z.string(),
    state: State,
    applicant: z.string(),
    application: Draft,
    applicationSha256: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    submittedAt: z.string().optional(),
    reason: z.string().optional().meta({ description: "The latest reviewer's or admin's reason" }),
    number: z.string().optional(),
    registeredAt: z.string().optional(),
    certificateUrl: z.string().optional(),
    history: z.array(RegistrationHistoryItem),
    salt: z.string().optional().meta({ description: 'Applicant and admins only: proves each entry’s applicationSha256 with `versions`' }),
    versions: z.record(z.string(), Draft).optional().meta({ description: 'Applicant and admins only: every logged version, by applicationSha256' }),
  })
  .meta({ id: 'RegistrationView', description: 'An application as the caller may see it' });

export const RegistrationList = z.object({ registrations: z.array(RegistrationView), next: z.string().optional() }).meta({ id: 'RegistrationList' });

export const ReviewQueue = z
  .object({
    items: z.array(z.object({ registration: RegistrationView, deposits: z.array(z.object({ deposit: Deposit, certificate: Certificate })) })),
    next: z.string().optional(),
  })
  .meta({ id: 'ReviewQueue' });

export const ReviewItem = z
  .object({
    registration: RegistrationView,
    deposits: z.array(z.object({ deposit: Deposit, certificate: Certificate })),
    applicant: z.object({ id: z.string(), name: z.string().optional(), kind: z.enum(['individual', 'organisation']).optional() }),
    conflict: z.boolean().meta({ description: 'True when a conflict of interest bars the caller from deciding this application (the decision routes answer 403)' }),
  })
  .meta({ id: 'ReviewItem' });

export const RegistryEntry = z
  .object({
    number: z.string(),
    title: z.string(),
    workType: z.enum(WORK_TYPE_NAMES),
    workTypeCode: z.string(),
    rightsHolders: z.array(z.string()).meta({ description: 'Display names' }),
    registeredAt: z.string(),
    status: z.enum(['registered', 'revoked']),
    corrections: z.array(z.object({ correctedAt: z.string(), changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })), reason: z.string() })),
    revocation: z.object({ revokedAt: z.string(), reason: z.string() }).optional(),
  })
  .meta({ id: 'RegistryEntry', description: 'A public registry entry: no personal data beyond the display names the applicant chose' });

export const RegistrySearch = z
  .object({
    number: z.string().optional().meta({ description: 'The number asked for' }),
    q: z.string().optional().meta({ description: 'The words asked for' }),
    results: z.array(RegistryEntry),
    truncated: z.boolean(),
  })
  .meta({ id: 'RegistrySearch' });

const Progress = z.object({ value: z.number(), target: z.number(), ratio: z.number().meta({ description: 'value / target, 4 decimals (may exceed 1)' }) });
export const Stats = z
  .object({
    deposits: z.number().int(),
    applications: z.object({ total: z.number().int(), byState: z.object(Object.fromEntries(REGISTRATION_STATES.map((s) => [s, z.number().int()])) as { [K in (typeof REGISTRATION_STATES)[number]]: z.ZodNumber }) }),
    registrations: z.object({ issued: z.number().int(), revoked: z.number().int(), active: z.number().int(), corrections: z.number().int() }),
    accounts: z.number().int(),
    organisations: z.number().int(),
    licences: z.object({ offered: z.number().int(), granted: z.number().int(), revoked: z.number().int() }).meta({ description: 'Licences offered (granted ones included), that took effect (accepted or granted), revoked (docs/OPERATION.md)' }),
    transfers: z.object({ offered: z.number().int(), completed: z.number().int(), cancelled: z.number().int() }),
    pledges: z.object({ registered: z.number().int(), released: z.number().int(), active: z.number().int() }),
    log: z.object({ treeSize: z.number().int(), blocks: z.number().int() }),
    progress: z.object({ deposits: Progress, applications: Progress, entities: Progress }),
  })
  .meta({ id: 'Stats' });

const CertificateRecord = z
  .object({
    id: z.string(),
    number: z.string(),
    title: z.string(),
    workType: z.enum(WORK_TYPE_NAMES),
    authors: z.array(z.object({ name: z.string(), signature: z.string().optional(), nationality: z.string().optional() })),
    rightsHolders: z.array(z.object({ name: z.string(), kind: z.enum(HOLDER_KINDS), nationality: z.string().optional() })),
    creation: z.object({ completedOn: z.string(), place: z.string() }),
    publication: z.union([z.object({ status: z.literal('unpublished') }), z.object({ status: z.literal('published'), firstPublishedOn: z.string(), place: z.string() })]),
    rightsObtained: z.enum(RIGHTS_OBTAINED),
    ownership: z.enum(OWNERSHIP),
    deposits: z.array(z.object({ id: z.string(), sha256: z.string() })),
    applicationSha256: z.string(),
    registeredAt: z.string(),
    correctedAt: z.string().optional(),
    salt: z.string(),
  })
  .meta({ id: 'RegistrationRecord', description: 'What the certificate states; committed to by recordSha256 in its entry' });

export const RegistrationCertificate = z
  .object({
    format: z.literal(REGISTRATION_CERTIFICATE_FORMAT),
    registration: z.object({ id: z.string(), number: z.string(), action: z.enum(['approve', 'correct']), at: z.string() }),
    record: CertificateRecord,
    entry: z.object({ index: z.number().int(), bytes: z.string() }),
    proof: z.object({ treeSize: z.number().int(), hashes: z.array(z.string()) }),
    checkpoint: z.string(),
    logKey: z.string(),
  })
  .meta({ id: 'RegistrationCertificate', description: 'A registration certificate (docs/REGISTRATION.md)' });

// Compile-time checks: each schema describes what the use case returns.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type _ViewFits = Assert<Same<AppView, z.output<typeof RegistrationView>>>;
export type _QueueFits = Assert<QueueItem extends z.output<typeof ReviewQueue>['items'][number] ? true : false>;
export type _ReviewItemFits = Assert<AppReviewItem extends z.output<typeof ReviewItem> ? true : false>;
export type _RegistryFits = Assert<Same<AppRegistryEntry, z.output<typeof RegistryEntry>>>;
export type _StatsFits = Assert<Same<StatsView, z.output<typeof Stats>>>;
export type _CertificateFits = Assert<Same<CoreCertificate, z.output<typeof RegistrationCertificate>>>;
