/** The storage usage answer (docs/LIMITS.md); its route is described in accounts-openapi.ts. */
import { z } from 'zod';

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
