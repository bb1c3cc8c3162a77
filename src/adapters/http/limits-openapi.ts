/** OpenAPI pieces for rate limits and the storage quota (docs/LIMITS.md), used by openapi.ts. */
import { z } from 'zod';
import { Problem } from './schemas.js';

type Json = Record<string, unknown>;

/** GET /v1/accounts/me/usage answer. */
export const StorageUsage = z
  .object({
    account: z.string(),
    storage: z.object({
      keepUploads: z.boolean().describe('KEEP_UPLOADS: whether originals are kept (and so charged) at all'),
      usedBytes: z.number().int().describe('bytes of kept originals charged to the account (the same content once)'),
      quotaBytes: z.number().int().nullable().describe('UPLOAD_QUOTA_BYTES; null: unlimited'),
      availableBytes: z.number().int().nullable().describe('what further uploads may add; null: unlimited'),
      reservedBytes: z.number().int().describe('held by this account’s uploads in progress'),
    }),
  })
  .meta({ id: 'StorageUsage' });

const problem = (description: string) => ({
  description,
  headers: {
    'Retry-After': { description: 'Seconds until the refusing budget refills', schema: { type: 'integer', minimum: 1 } },
  },
  content: { 'application/problem+json': { schema: z.toJSONSchema(Problem, { io: 'output', unrepresentable: 'any' }) as Json } },
});

export const usagePath = (): Json => ({
  '/v1/accounts/me/usage': {
    get: {
      summary: "The calling account's kept originals against its storage quota",
      security: [{ bearer: [] }],
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: z.toJSONSchema(StorageUsage, { io: 'output', unrepresentable: 'any' }) as Json } } },
        '401': problem('Missing or unknown API key (code unauthorized)'),
      },
    },
  },
});

const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

/**
 * Adds the 429 `rate_limited` answer (with Retry-After, RateLimit-Policy and RateLimit) to every
 * operation that draws on a request budget.
 */
export function withRateLimits(doc: Json): Json {
  const paths = doc.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  for (const [path, item] of Object.entries(paths)) {
    if (EXEMPT.has(path)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (op?.responses === undefined || op.responses['429'] !== undefined) continue;
      op.responses['429'] = {
        ...problem('Over a request budget (code rate_limited); RateLimit-Policy and RateLimit name the budget (docs/LIMITS.md)'),
      };
    }
  }
  return doc;
}
