/**
 * Zod schemas: the only source of request and response types, and of /openapi.json.
 */
import { z } from 'zod';
import { ERRORS, type ErrorCode } from '../../core/errors.js';
import { WorkMetadata } from './metadata.js';
import { plainText } from './plain-text.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** 64 hex characters in either case, stored lowercase. */
export const Hex64 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
  .transform((s) => s.toLowerCase())
  .meta({ description: '32-byte hash as 64 hex characters (either case; served lowercase)' });

const HexOut = z.string().regex(/^[0-9a-f]{64}$/);

/** Work metadata: one schema for uploads, hash-only and batch deposits (metadata.ts, docs/UPLOADS.md). */
export const Metadata = WorkMetadata;

export const Size = z.number().int().min(0).max(MAX_SAFE);

/** A platform's deposit for a rights holder (docs/REGISTRATION.md); kept in the private metadata. */
export const OnBehalfOf = z
  .strictObject({
    account: z.string().regex(/^acc_[A-Za-z0-9_-]{1,64}$/, 'not an account id').optional(),
    name: plainText(z.string().trim().min(1).max(200)).optional(),
    reference: z.string().min(1).max(200).optional(),
  })
  .refine((o) => o.account !== undefined || o.name !== undefined || o.reference !== undefined, 'name the rights holder by account, name or reference')
  .meta({ id: 'OnBehalfOf', description: 'Platforms only: the rights holder this deposit is made for. Kept in the private metadata; only its hash enters the log.' });

export const DepositRequest = z
  .strictObject({ sha256: Hex64, sm3: Hex64.optional(), size: Size.optional(), metadata: Metadata.optional(), onBehalfOf: OnBehalfOf.optional() })
  .meta({ id: 'DepositRequest' });

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Stored as UTF-8: a lone surrogate would become U+FFFD and collide with another id. */
export const ExternalId = z
  .string()
  .min(1)
  .max(512)
  .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no lone surrogates)');

export const BatchItem = z.strictObject({
  sha256: Hex64,
  sm3: Hex64.optional(),
  size: Size.optional(),
  metadata: Metadata.optional(),
  externalId: ExternalId.optional(),
  onBehalfOf: OnBehalfOf.optional(),
});

export const MAX_BATCH_ITEMS = 10_000;

export const BatchRequest = z
  .strictObject({ items: z.array(BatchItem).min(1).max(MAX_BATCH_ITEMS) })
  .meta({ id: 'BatchDepositRequest' });

export const IdempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const Roles = ['creator', 'platform', 'reviewer', 'admin'] as const;

export const AccountRequest = z
  .strictObject({
    name: plainText(z.string().trim().min(1).max(200)),
    email: z.email().max(254),
    kind: z.enum(['individual', 'organisation']),
    role: z.enum(Roles).optional().meta({ description: 'Only an admin may set a role other than creator.' }),
    password: z.string().min(10, 'at least 10 characters').max(200, 'at most 200 characters').optional().meta({ description: 'Lets the account sign in to the web portal (POST /v1/session); stored only as a scrypt hash' }),
  })
  .meta({ id: 'AccountRequest' });

/** A decimal index or size: no sign, no leading zeros, at most 2^53 - 1. */
/** `after`, a list's cursor: the previous page's `next` (printable ASCII, at most 300). */
export const PageAfter = z.string().min(1).max(300).regex(/^[\x21-\x7e]+$/, 'not a cursor').optional().meta({ description: "The previous page's `next`" });

/** `limit`, a list's page size: 1..100 as decimal text; `defaultSize` only names the route's default. */
export function pageLimit(defaultSize: number) {
  return z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'must be 1..100')
    .transform(Number)
    .refine((n) => n <= 100, 'at most 100')
    .optional()
    .meta({ description: `1..100 (default ${defaultSize})` });
}

export const Decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,15})$/, 'must be a non-negative decimal integer')
  .refine((s) => Number(s) <= MAX_SAFE, 'too large')
  .transform((s) => BigInt(s));

export const InclusionQuery = z.strictObject({
  index: Decimal.meta({ description: 'Entry index' }),
  treeSize: Decimal.optional().meta({ description: "Tree size of the proof (default: the latest block's)" }),
});
export const ConsistencyQuery = z.strictObject({ from: Decimal.meta({ description: 'Older tree size' }), to: Decimal.meta({ description: 'Newer tree size' }) });
export const EntriesQuery = z.strictObject({
  start: Decimal.meta({ description: 'First entry index' }),
  count: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, 'must be 1..1000')
    .transform(Number)
    .refine((n) => n <= 1000, 'at most 1000')
    .meta({ description: '1..1000 entries' }),
});
export const DepositLookupQuery = z.strictObject({ sha256: Hex64 });
export const DepositId = z.string().regex(/^dep_[0-9a-f]{20}$/, 'not a deposit id');

// Responses (documentation and tests).
/** The `code` values an HTTP answer may carry (core codes collapse to these, errors.ts). */
export const PROBLEM_CODES = [...new Set(Object.values(ERRORS).map((e) => e.httpCode))] as [ErrorCode, ...ErrorCode[]];

export const Problem = z
  .looseObject({
    type: z.string().meta({ description: 'urn:copyright-ledger:problem:<code>' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().meta({ description: 'What went wrong, for people' }),
    code: z.enum(PROBLEM_CODES).meta({ description: 'Stable machine-readable code' }),
    field: z.string().optional().meta({ description: 'invalid_request: the first bad field, e.g. `metadata.title`' }),
    retryAfter: z.number().int().optional().meta({ description: 'rate_limited, overloaded: seconds to wait (also in Retry-After)' }),
    policy: z.string().optional().meta({ description: 'rate_limited: the refusing budget' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; other extension members may appear' });

export const Deposit = z
  .object({
    id: z.string(),
    index: z.number().int(),
    sha256: HexOut,
    sm3: HexOut.optional(),
    size: Size.optional(),
    receivedAt: z.string(),
    block: z.number().int(),
    certificateUrl: z.string(),
  })
  .meta({ id: 'Deposit' });

export const PriorArt = z
  .object({ id: z.string(), index: z.number().int(), receivedAt: z.string(), block: z.number().int() })
  .meta({ id: 'PriorArt' });

export const Entry = z.object({ index: z.number().int(), entry: z.string(), leafHash: HexOut }).meta({ id: 'Entry' });
export const InclusionProof = z
  .object({ index: z.number().int(), treeSize: z.number().int(), leafHash: HexOut, hashes: z.array(HexOut) })
  .meta({ id: 'InclusionProof' });
export const ConsistencyProof = z
  .object({ from: z.number().int(), to: z.number().int(), hashes: z.array(HexOut) })
  .meta({ id: 'ConsistencyProof' });
export const Block = z
  .object({
    height: z.number().int(),
    treeSize: z.number().int(),
    rootHash: HexOut,
    prevHash: HexOut,
    time: z.string(),
    checkpoint: z.string(),
  })
  .meta({ id: 'Block' });

export const Certificate = z
  .object({
    format: z.literal('copyright-ledger/certificate@v1'),
    deposit: z.object({ id: z.string(), receivedAt: z.string() }),
    work: z.object({ sha256: HexOut, sm3: HexOut.optional(), size: Size.optional(), metadata: z.record(z.string(), z.unknown()) }),
    entry: z.object({ index: z.number().int(), bytes: z.string() }),
    proof: z.object({ treeSize: z.number().int(), hashes: z.array(HexOut) }),
    checkpoint: z.string(),
    logKey: z.string(),
    timestamp: z.object({ rfc3161: z.string(), tsa: z.string() }).optional(),
  })
  .meta({ id: 'Certificate' });

export const VerifyResult = z
  .object({
    verdict: z.enum(['valid', 'invalid']).describe("valid: every check passed against the pinned key, this log's own key of its key history"),
    valid: z.boolean(),
    pinnedKey: z.object({ key: z.string(), fingerprint: z.string().describe('SHA-256 of the key line, hex in groups of 4 (docs/VERIFY.md)') }),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
  })
  .meta({ id: 'VerifyResult' });

export const Account = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    kind: z.enum(['individual', 'organisation']),
    role: z.enum(Roles),
    createdAt: z.string(),
    disabledAt: z.string().optional().meta({ description: 'Set while an admin has disabled the account' }),
  })
  .meta({ id: 'Account' });
