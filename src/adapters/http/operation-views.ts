/**
 * Zod schemas of what the licence, transfer, pledge and chain-of-title routes answer
 * (docs/OPERATION.md): documentation for /openapi.json.
 */
import { z } from 'zod';
import { OPERATION_KINDS, RIGHT_NAMES } from '../../core/operation.js';
import { OPERATION_CERTIFICATE_FORMAT } from '../../core/operation-certificate.js';
import type { LicenceCheck as AppLicenceCheck } from '../../app/licences.js';
import type { TitleView as AppTitleView } from '../../app/operations.js';
import { RegistryEntry } from './registration-views.js';

const Right = z.enum(RIGHT_NAMES);
const Territory = z.union([z.literal('worldwide'), z.array(z.string())]);

const Terms = z
  .object({ kind: z.enum(OPERATION_KINDS), registration: z.string(), number: z.string() })
  .catchall(z.unknown())
  .meta({
    id: 'OperationTerms',
    description:
      'The terms the parties agreed, hashed with `salt` into every entry (termsSha256): licence {licensor, licensee, rights, exclusive, territory, validFrom, validTo, fee?, terms?, contractSha256?}; transfer {from, to, rights, all, consideration?, contractSha256?}; pledge {pledgor, pledgee, rights, securedAmount, validFrom, validTo, contractSha256?} (docs/OPERATION.md)',
  });

export const OperationView = z
  .object({
    id: z.string(),
    kind: z.enum(OPERATION_KINDS),
    state: z.string().meta({ description: 'licence: offered, active, revoked; transfer: offered, completed, cancelled; pledge: active, released' }),
    registrationId: z.string(),
    number: z.string(),
    terms: Terms,
    createdAt: z.string(),
    updatedAt: z.string(),
    consents: z.array(z.string()).optional().meta({ description: 'Transfers: pledges whose pledgee consented' }),
    reason: z.string().optional(),
    certificateUrl: z.string().optional(),
    history: z.array(
      z.object({ seq: z.number().int(), action: z.string(), state: z.string(), at: z.string(), account: z.string(), index: z.number().int().meta({ description: "Index of the action's log entry" }), reason: z.string().optional() }),
    ),
    salt: z.string().meta({ description: 'Salt of termsSha256 (parties only)' }),
    termsSha256: z.string(),
  })
  .meta({ id: 'Operation', description: 'A licence, transfer or pledge as its parties see it' });

export const OperationList = z.object({ items: z.array(OperationView), next: z.string().optional() }).meta({ id: 'OperationList' });

export const OperationCertificate = z
  .object({
    format: z.literal(OPERATION_CERTIFICATE_FORMAT),
    operation: z.object({ kind: z.enum(OPERATION_KINDS), id: z.string(), action: z.string(), at: z.string(), registration: z.string(), number: z.string() }),
    record: z.object({ kind: z.enum(OPERATION_KINDS), id: z.string(), title: z.string(), terms: Terms, salt: z.string(), offeredAt: z.string(), effectiveAt: z.string() }),
    entry: z.object({ index: z.number().int(), bytes: z.string() }),
    proof: z.object({ treeSize: z.number().int(), hashes: z.array(z.string()) }),
    checkpoint: z.string(),
    logKey: z.string(),
  })
  .meta({ id: 'OperationCertificate', description: 'A licence, transfer or pledge certificate (docs/OPERATION.md)' });

export const LicenceCheck = z
  .object({
    covered: z.boolean(),
    right: Right,
    at: z.string(),
    licence: z.object({ id: z.string(), number: z.string(), exclusive: z.boolean(), validFrom: z.string(), validTo: z.string(), territory: Territory }).optional(),
  })
  .meta({ id: 'LicenceCheck', description: 'Whether a licence in force covers the use; only the covering licence’s public facts' });

export const TitleView = RegistryEntry.extend({
  holders: z.array(z.object({ name: z.string(), rights: z.union([z.literal('all'), z.array(Right)]) })).meta({ description: 'Current holders (display names) and the rights each holds' }),
  chain: z
    .array(
      z.object({
        kind: z.enum(['registration', 'transfer']),
        at: z.string(),
        from: z.string().optional(),
        to: z.string(),
        rights: z.union([z.literal('all'), z.array(Right)]),
        transfer: z.string().optional(),
        index: z.number().int().optional(),
      }),
    )
    .meta({ description: 'The registration, then each completed transfer, in order' }),
  pledges: z.array(z.object({ pledgee: z.string(), at: z.string(), index: z.number().int(), state: z.enum(['active', 'released']), releasedAt: z.string().optional() })),
  pledged: z.boolean(),
  licences: z.object({ active: z.number().int(), exclusive: z.number().int() }).meta({ description: 'Licences in force now, and how many of them are exclusive' }),
}).meta({ id: 'ChainOfTitle', description: 'A registry entry with its chain of title (display names only)' });

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type _CheckFits = Assert<Same<AppLicenceCheck, z.output<typeof LicenceCheck>>>;
export type _TitleFits = Assert<AppTitleView extends z.output<typeof TitleView> ? true : false>;
