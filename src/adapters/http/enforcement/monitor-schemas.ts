/** Zod schemas of the monitoring routes (monitor.ts); OpenAPI entries in monitor-openapi.ts. */
import { z } from 'zod';
import { ImageHash, Match } from './matches-schemas.js';

const Ref = z.string().max(200).optional().meta({ description: 'The platform’s own reference for the item, echoed in the results' });

export const MonitorItem = z
  .union([
    z.strictObject({ ref: Ref, url: z.string().min(1).max(2048).meta({ description: 'A page to capture and match' }) }),
    z.strictObject({ ref: Ref, sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256: 64 lowercase hex digits') }),
    z.strictObject({ ref: Ref, imageHash: ImageHash }),
    z.strictObject({ ref: Ref, text: z.string().min(1).max(200_000) }),
  ])
  .meta({ id: 'MonitorItem', description: 'One of url, sha256, imageHash (a fingerprint as this service computes it) or text' });

export const MonitorBatchRequest = z.strictObject({ items: z.array(MonitorItem).min(1).max(1000) }).meta({ id: 'MonitorBatchRequest' });

export const MonitorBatchId = z.string().regex(/^mon_[0-9a-f]{20}$/, 'a monitoring batch id: mon_ and 20 hex digits').meta({ description: 'Monitoring batch id' });

export const ItemResult = z
  .object({ index: z.number().int(), ref: z.string().optional(), matches: z.array(Match).optional(), error: z.string().optional(), captureId: z.string().optional() })
  .meta({ id: 'MonitorItemResult' });

export const MonitorBatchView = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'done']),
    createdAt: z.string(),
    endedAt: z.string().optional(),
    items: z.number().int(),
    results: z.array(ItemResult).optional(),
    delivery: z.object({
      status: z.enum(['waiting', 'pending', 'delivered', 'failed']),
      url: z.string().optional(),
      attempts: z.array(z.object({ at: z.string(), status: z.number().int().optional(), error: z.string().optional() })),
      nextAttemptAt: z.string().optional(),
    }),
  })
  .meta({ id: 'MonitorBatch' });

export const WebhookRequest = z.strictObject({ url: z.string().min(1).max(2048).meta({ description: 'http(s) URL receiving signed POSTs; the capture SSRF rules apply' }) }).meta({ id: 'WebhookRequest' });
export const WebhookView = z
  .object({ url: z.string(), secret: z.string().optional().meta({ description: 'The HMAC secret: shown only when set' }), createdAt: z.string() })
  .meta({ id: 'Webhook' });
