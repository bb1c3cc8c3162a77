/**
 * Zod schemas of the licence, transfer, pledge and chain-of-title routes (docs/OPERATION.md): the
 * only source of their request types and of their /openapi.json part. Shapes and single-field
 * formats are checked here; periods (validTo after validFrom), who holds which right and
 * conflicts are checked by the use cases (src/core/operation.ts, src/app/licences.ts …).
 */
import { z } from 'zod';
import { PageAfter, pageLimit } from './schemas.js';
import { canonicalBytes } from '../../core/jcs.js';
import { RIGHT_NAMES } from '../../core/operation.js';
import type { LicenceOffer } from '../../app/licences.js';
import type { PledgeInput } from '../../app/pledges.js';
import type { TransferOffer } from '../../app/transfers.js';
import { AccountId } from './accounts-schemas.js';
import { plainText } from './plain-text.js';
import { RegistrationId, RegistrationNumber } from './registration-schemas.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const Text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `at most ${max} characters`)
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no lone surrogate)');
/** True when `o` has a canonical JSON form (RFC 8785), which every hash of the terms needs. */
const canonical = (o: unknown): boolean => {
  try {
    canonicalBytes(o);
    return true;
  } catch {
    return false;
  }
};
const Name = (max: number) => plainText(Text(max));
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

export const Right = z.enum(RIGHT_NAMES).meta({ id: 'EconomicRight', description: 'An economic right of Copyright Law Art. 10 (5)–(17)' });
export const Rights = z.array(Right).min(1, 'at least one right').max(RIGHT_NAMES.length, `at most ${RIGHT_NAMES.length} rights`);
const Country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as CN');
export const Territory = z
  .union([z.literal('worldwide'), z.array(Country).min(1, 'at least one country').max(250)])
  .transform((t) => (t === 'worldwide' ? t : [...new Set(t)].sort()))
  .meta({ id: 'Territory', description: '"worldwide", or ISO 3166-1 alpha-2 codes' });
export const Money = z
  .strictObject({
    amount: z.string().regex(/^(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$/, 'must be a decimal amount such as 10000.00'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY'),
  })
  .meta({ id: 'Money' });
/** A period bound: an RFC 3339 time (any offset) or a date YYYY-MM-DD (China Standard Time); checked by the use case. */
const Bound = z.string().min(10, 'must be an RFC 3339 time or a date YYYY-MM-DD').max(40, 'must be an RFC 3339 time or a date YYYY-MM-DD');
const MAX_POLICY_BYTES = 16_384;
export const Terms = z
  .union([
    z.url({ protocol: /^https?$/, error: 'must be a licence URI (http or https)' }).max(500),
    z
      .record(z.string(), z.unknown())
      .refine((o) => JSON.stringify(o).length <= MAX_POLICY_BYTES, `at most ${MAX_POLICY_BYTES} bytes of JSON`)
      .refine(canonical, 'must be I-JSON (RFC 7493): no lone surrogates')
      .meta({ description: 'An ODRL 2.2 policy (JSON-LD object)' }),
  ])
  .meta({ id: 'LicenceTerms', description: 'A Creative Commons licence URI, or an ODRL 2.2 policy; private (only salted into the log)' });
const contractSha256 = Hex64.optional().meta({ description: 'SHA-256 of the signed contract document (private; salted into the log)' });

const NamedParty = (what: string) =>
  z
    .strictObject({
      account: AccountId.optional().meta({ description: `The ${what}'s account` }),
      name: Name(200).optional().meta({ description: `The ${what}'s name as shown (default: the account's name); alone, a ${what} without an account` }),
    })
    .refine((p) => p.account !== undefined || p.name !== undefined, { path: ['account'], message: 'give account or name' });

export const CreateLicence = z
  .strictObject({
    registrationId: RegistrationId,
    licensee: NamedParty('licensee'),
    rights: Rights,
    exclusive: z.boolean().default(false).meta({ description: 'An exclusive licence may not overlap another licence of a shared right, territory and time' }),
    territory: Territory.default('worldwide'),
    validFrom: Bound.meta({ description: 'Start (inclusive): RFC 3339 time, or a date (00:00 China Standard Time)' }),
    validTo: Bound.meta({ description: 'End (exclusive): RFC 3339 time, or a date (the licence runs to the end of that day, China Standard Time)' }),
    fee: Money.optional(),
    terms: Terms.optional(),
    contractSha256: contractSha256.meta({ description: 'SHA-256 of the signed contract; required when the licensee has no account (the licence is granted at once)' }),
  })
  .meta({ id: 'LicenceOffer' });

export const CreateTransfer = z
  .strictObject({
    registrationId: RegistrationId,
    to: z.strictObject({ account: AccountId, name: Name(200).optional().meta({ description: 'Name shown in the registry (default: the account name)' }) }),
    rights: z.union([z.literal('all'), Rights]).meta({ description: '"all" (every right you hold) or a list of rights' }),
    consideration: Money.optional(),
    contractSha256,
  })
  .meta({ id: 'TransferOffer' });

export const CreatePledge = z
  .strictObject({
    registrationId: RegistrationId,
    pledgee: NamedParty('pledgee'),
    rights: z.union([z.literal('all'), Rights]).optional().meta({ description: 'The rights pledged: a list, or "all" (default) — every right you hold' }),
    securedAmount: Money,
    validFrom: Bound,
    validTo: Bound,
    contractSha256,
  })
  .meta({ id: 'PledgeRequest' });

export const LicenceId = z.string().regex(/^lic_[0-9a-f]{20}$/, 'not a licence id');
export const TransferId = z.string().regex(/^trf_[0-9a-f]{20}$/, 'not a transfer id');
export const PledgeId = z.string().regex(/^plg_[0-9a-f]{20}$/, 'not a pledge id');

export const OperationListQuery = z.strictObject({ after: PageAfter, limit: pageLimit(20) });

export const LicenceCheckQuery = z
  .strictObject({
    number: RegistrationNumber.optional().meta({ description: 'The registration number of the work' }),
    sha256: Hex64.optional().meta({ description: 'Or the SHA-256 of one of its deposited files' }),
    licensee: Text(200).meta({ description: 'The licensee: an account id (acc_…), or the name of a licensee without an account' }),
    right: Right,
    at: Bound.optional().meta({ description: 'When (RFC 3339 time or date; default now)' }),
    territory: Country.optional().meta({ description: 'Where (ISO 3166-1 alpha-2); default: any territory of the licence' }),
  })
  .refine((q) => (q.number === undefined) !== (q.sha256 === undefined), { path: ['number'], message: 'give exactly one of number and sha256' });

export const RegistryNumberParam = RegistrationNumber.meta({ description: 'A registration number, CL-<year>-<letter>-<8 digits>' });

// Compile-time checks: the request types are the use cases' input types.
type Assert<T extends true> = T;
export type _LicenceFits = Assert<z.output<typeof CreateLicence> extends LicenceOffer ? true : false>;
export type _TransferFits = Assert<z.output<typeof CreateTransfer> extends TransferOffer ? true : false>;
export type _PledgeFits = Assert<z.output<typeof CreatePledge> extends PledgeInput ? true : false>;
