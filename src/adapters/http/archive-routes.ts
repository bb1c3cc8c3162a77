/**
 * Routes an exporter needs beside the contract's log routes (docs/ARCHIVE.md, docs/OPERATIONS.md):
 * the log's key history and the whole public registry, page by page. Both are public.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Ledger } from '../../app/log.js';
import { keyHistoryJson } from '../../app/log-keys.js';
import type { LogStore } from '../../app/ports.js';
import { registryPage } from '../../app/registry-list.js';
import { parseWith } from './problem.js';
import { RegistrationNumber } from './registration-schemas.js';

export const RegistryListQuery = z.strictObject({
  after: RegistrationNumber.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});

export const LogKeys = z
  .object({ keys: z.array(z.object({ key: z.string(), firstHeight: z.number().int(), lastHeight: z.number().int().optional() })) })
  .meta({ id: 'LogKeys' });

export function archiveRoutes(deps: { ledger: Pick<Ledger, 'keys'>; store: Pick<LogStore, 'listRecords'> }): Router {
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

/** OpenAPI paths of these routes (openapi.ts merges them). */
export function archivePaths(problem: (d: string) => unknown, outSchema: (s: z.ZodType) => unknown) {
  return {
    '/v1/log/keys': {
      get: {
        summary: 'Every verifier key the log has signed with, oldest first; a hand-over block (lastHeight of one key, firstHeight of the next) is signed by both',
        responses: { '200': { description: 'Key history', content: { 'application/json': { schema: outSchema(LogKeys) } } } },
      },
    },
    '/v1/registry/entries': {
      get: {
        summary: 'The whole public registry, by number, page by page (for exports and mirrors)',
        parameters: [
          { name: 'after', in: 'query', required: false, schema: { type: 'string' }, description: 'the last number of the previous page' },
          { name: 'limit', in: 'query', required: false, schema: { type: 'string', pattern: '^[1-9][0-9]*$' }, description: '1..1000 (default 1000)' },
        ],
        responses: {
          '200': { description: '{"entries":[registry entry…],"next"?}: `next` is given when there may be more; pass it as `after`' },
          '400': problem('Bad query (code invalid_request)'),
        },
      },
    },
  };
}
