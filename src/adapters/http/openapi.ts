/**
 * GET /openapi.json: one OpenAPI 3.1 document generated from the zod schemas (never written
 * twice). Each router file exports its operations, built with `op` (openapi-kit.ts); a route the
 * app serves without an operation here fails test/unit/openapi.test.ts.
 */
import { z } from 'zod';
import { accountOperations, sessionOperations } from './accounts-openapi.js';
import { archiveOperations } from './archive-routes.js';
import { captureOperations } from './captures-openapi.js';
import { enforcementOperations } from './enforcement/openapi.js';
import { depositOperations } from './deposits-openapi.js';
import { downloadOperations } from './downloads.js';
import { portalOperations } from '../web/portal/openapi.js';
import { logOperations } from './log-openapi.js';
import { tileOperations } from './tiles-openapi.js';
import { buildDocument, json, jsonObject, op, text, type Json, type Operation } from './openapi-kit.js';
import { organisationOperations } from './organisations-openapi.js';
import { portalDataOperations } from './portal-data-openapi.js';
import { registrationOperations } from './registration-openapi.js';
import { operationOperations } from './operation-openapi.js';
import { Problem } from './schemas.js';

export const Health = z
  .object({ status: z.literal('ok'), treeSize: z.number().int(), height: z.number().int(), backlog: z.number().int().meta({ description: 'Entries waiting to be sequenced' }),
    sequencer: z.boolean().meta({ description: 'Whether this process sequences the log (always true on LevelDB; on a shared PostgreSQL store, exactly one process at a time)' }),
  })
  .meta({ id: 'Health' });
export const Readiness = z.object({ status: z.literal('ready') }).meta({ id: 'Readiness' });

function serviceOperations(): Operation[] {
  return [
    op({ method: 'get', path: '/healthz', operationId: 'getHealth', tag: 'Service', security: 'public', summary: 'Liveness, with the tree size, latest block height and backlog', responses: { 200: json(Health) } }),
    op({
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      tag: 'Service',
      security: 'public',
      summary: 'Readiness (docs/OBSERVABILITY.md)',
      responses: { 200: json(Readiness) },
      errors: { 503: 'Not ready: starting, stopping or shutting down (code overloaded)' },
    }),
    op({ method: 'get', path: '/metrics', operationId: 'getMetrics', tag: 'Service', security: 'public', summary: 'Prometheus metrics, text format 0.0.4 (docs/OBSERVABILITY.md)', responses: { 200: text('Prometheus text exposition') } }),
    op({
      method: 'get',
      path: '/openapi.json',
      operationId: 'getOpenApi',
      tag: 'Service',
      security: 'public',
      summary: 'This document',
      responses: { 200: jsonObject('OpenAPI 3.1') },
    }),
  ];
}

/** Every operation of the service, grouped by feature. */
export function operations(): Operation[] {
  return [
    ...serviceOperations(),
    ...logOperations(),
    ...tileOperations(),
    ...accountOperations(),
    ...sessionOperations(),
    ...depositOperations(),
    ...captureOperations(),
    ...enforcementOperations(),
    ...registrationOperations(),
    ...operationOperations(),
    ...organisationOperations(),
    ...portalDataOperations(),
    ...archiveOperations(),
    ...downloadOperations(),
    ...portalOperations(),
  ];
}

export function buildOpenApi(): Json {
  return buildDocument({
    info: {
      title: 'copyright-ledger',
      version: '1',
      description: 'Deposits in an append-only RFC 9162 Merkle log with signed, chained checkpoints (blocks) and offline-verifiable evidence certificates. Errors are RFC 9457 problem+json with a stable `code`.',
      license: { name: 'UNLICENSED', identifier: 'LicenseRef-UNLICENSED' },
    },
    problem: Problem,
    operations: operations(),
  });
}
