/**
 * Routes an exporter needs beside the contract's log routes (docs/ARCHIVE.md, docs/OPERATIONS.md):
 * the log's key history and the whole public registry, page by page. Both are public.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Ledger } from '../../app/log.js';
import { keyHistoryJson } from '../../app/log-keys.js';
import type { LedgerStore } from '../../app/ports.js';
import { registryPage } from '../records/registration-store.js';
import { json, op, type Operation } from './openapi-kit.js';
import { parseWith } from './problem.js';
import { RegistrationNumber } from './registration-schemas.js';

export const RegistryListQuery = z.strictObject({
  after: RegistrationNumber.optional().meta({ description: 'The last number of the previous page (its `next`)' }),
  limit: z.coerce.number().int().min(1).max(1000).default(1000).meta({ description: '1..1000 (default 1000)' }),
});

export const LogKeys = z
  .object({ keys: z.array(z.object({ key: z.string(), firstHeight: z.number().int(), lastHeight: z.number().int().optional() })) })
  .meta({ id: 'LogKeys' });

export function archiveRoutes(deps: { ledger: Pick<Ledger, 'keys'>; store: Pick<LedgerStore, 'listRecords'> }): Router {
  const r = Router();
  r.get('/v1/log/keys', (_req, res) => {
    res.json(keyHistoryJson(deps.ledger.keys));
  });
  r.get('/v1/registry/entries', async (req, res) => {
    const q = parseWith(RegistryListQuery, req.query as Record<string, unknown>);
    const page = await registryPage(deps.store, q.after, q.limit);
    res.json({ entries: page.entries.map((e) => JSON.parse(e) as unknown), ...(page.next !== undefined ? { next: page.next } : {}) });
  });
  return r;
}

export const RegistryEntriesPage = z
  .object({
    entries: z.array(z.record(z.string(), z.unknown())).meta({ description: 'Public registry entries (docs/REGISTRATION.md), by number' }),
    next: z.string().optional().meta({ description: 'Given when there may be more; pass it as `after`' }),
  })
  .meta({ id: 'RegistryEntriesPage' });

/** OpenAPI operations of these routes (openapi.ts lists them). */
export function archiveOperations(): Operation[] {
  return [
    op({
      method: 'get',
      path: '/v1/log/keys',
      operationId: 'listLogKeys',
      tag: 'Archive',
      security: 'public',
      summary: 'Every verifier key the log has signed with, oldest first; a hand-over block (lastHeight of one key, firstHeight of the next) is signed by both',
      responses: { 200: json(LogKeys, 'Key history') },
    }),
    op({
      method: 'get',
      path: '/v1/registry/entries',
      operationId: 'listRegistryEntries',
      tag: 'Archive',
      security: 'public',
      summary: 'The whole public registry, by number, page by page (for exports and mirrors)',
      query: RegistryListQuery,
      responses: { 200: json(RegistryEntriesPage) },
    }),
  ];
}
