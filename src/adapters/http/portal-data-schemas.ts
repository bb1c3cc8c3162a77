/**
 * Schemas of the portal's data routes (portal-data.ts): the caller's deposit list and the public
 * statistics. Query parameters are strings; a bad one is a 400 naming it.
 */
import { z } from 'zod';

/** The list cursor: opaque to clients (base64url of `d<index>`). */
export function encodeCursor(before: bigint): string {
  return Buffer.from(`d${before}`).toString('base64url');
}

const MAX_U64 = 0xffff_ffff_ffff_ffffn;

export const DepositCursor = z
  .string()
  .max(40, 'not a cursor of this list')
  .transform((s, ctx) => {
    const text = /^[A-Za-z0-9_-]+$/.test(s) ? Buffer.from(s, 'base64url').toString('latin1') : '';
    const m = /^d(0|[1-9][0-9]{0,19})$/.exec(text);
    if (m === null || BigInt(m[1]!) > MAX_U64 || encodeCursor(BigInt(m[1]!)) !== s) {
      ctx.addIssue({ code: 'custom', message: 'not a cursor of this list: send the previous page\'s `next`' });
      return z.NEVER;
    }
    return BigInt(m[1]!);
  })
  .meta({ description: 'The previous page\'s `next` (opaque)' });

const Limit = z
  .string()
  .regex(/^[1-9][0-9]{0,2}$/, 'must be 1..100')
  .transform(Number)
  .refine((n) => n <= 100, 'must be 1..100')
  .meta({ description: '1..100 (default 20)' });

export const MyDepositsQuery = z.strictObject({
  q: z
    .string()
    .max(200, 'at most 200 characters')
    .optional()
    .meta({ description: 'Case-insensitive text in the metadata title, description or fileName, or the start of the SHA-256 (hex). At most 5,000 deposits are examined per request: keep following `next`.' }),
  limit: Limit.optional(),
  after: DepositCursor.optional(),
});

export const ListedDeposit = z
  .object({
    id: z.string(),
    index: z.number().int(),
    sha256: z.string(),
    sm3: z.string().optional(),
    size: z.number().int().optional(),
    receivedAt: z.string(),
    title: z.string().optional().meta({ description: 'metadata.title' }),
    fileName: z.string().optional().meta({ description: 'metadata.fileName' }),
  })
  .meta({ id: 'ListedDeposit' });

export const MyDeposits = z
  .object({
    deposits: z.array(ListedDeposit),
    next: z.string().optional().meta({ description: 'Cursor of the next page (send as `after`); absent on the last page. A search page may hold fewer than `limit` deposits and still have one.' }),
  })
  .meta({ id: 'MyDeposits' });

export const PublicStats = z
  .object({
    deposits: z.object({
      total: z.number().int(),
      perDay: z.array(z.object({ date: z.string().meta({ description: 'YYYY-MM-DD (UTC)' }), count: z.number().int() })).meta({ description: 'The last 90 days, oldest first, today included; days without deposits count 0' }),
    }),
    registrations: z.object({ applications: z.number().int().meta({ description: 'Applications submitted' }), approved: z.number().int().meta({ description: 'Registrations issued' }) }),
    organisations: z.object({ total: z.number().int() }),
    targets: z.object({ deposits: z.number().int(), applications: z.number().int(), organisations: z.number().int() }),
  })
  .meta({ id: 'PublicStats' });
