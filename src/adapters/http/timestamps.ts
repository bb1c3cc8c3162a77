/**
 * Trusted-time routes (docs/TIMESTAMPS.md): a block's RFC 3161 reply, the built-in TSA's RFC
 * 3161 responder (RFC 3161 §3.4 over HTTP) and its certificate.
 */
import express, { Router } from 'express';
import { LogError } from '../../core/errors.js';
import type { Ledger } from '../../app/log.js';
import type { LedgerStore } from '../../app/ports.js';
import type { BuiltinTsa } from '../tsa/builtin.js';
import { parseWith } from './problem.js';
import * as S from './schemas.js';

export interface TimestampHttpDeps {
  ledger: Pick<Ledger, 'block' | 'latestBlock'>;
  store: Pick<LedgerStore, 'getTimestamp'>;
  builtin: Pick<BuiltinTsa, 'respond' | 'certificatePem'>;
}

/** Largest query accepted by POST /v1/tsa (a SHA-512 query with a nonce is about 100 bytes). */
const MAX_QUERY_BYTES = 4096;

export function timestampRoutes(deps: TimestampHttpDeps): Router {
  const router = Router();
  router.get('/v1/blocks/:height/timestamp', async (req, res) => {
    const height = parseWith(S.Decimal, req.params.height, 'height');
    if ((await deps.ledger.block(height)) === undefined) throw new LogError('not_found', `no block ${height}: the latest is ${deps.ledger.latestBlock.height}`);
    const ts = await deps.store.getTimestamp(height);
    if (ts === undefined) throw new LogError('not_found', `block ${height} has no timestamp yet; a later block's covers it once stamped`);
    res.setHeader('X-TSA', encodeURIComponent(ts.tsa));
    res.setHeader('Content-Disposition', `attachment; filename="block-${height}.tsr"`);
    res.type('application/timestamp-reply').send(Buffer.from(ts.der));
  });
  router.post(
    '/v1/tsa',
    (req, _res, next) => {
      if (!req.is('application/timestamp-query')) throw new LogError('unsupported_media_type', 'send application/timestamp-query (RFC 3161 §3.4)');
      next();
    },
    express.raw({ type: 'application/timestamp-query', limit: MAX_QUERY_BYTES }),
    (req, res) => {
      const body = req.body as unknown;
      if (!(body instanceof Buffer)) throw new LogError('invalid_request', 'empty query');
      res.type('application/timestamp-reply').send(Buffer.from(deps.builtin.respond(new Uint8Array(body))));
    },
  );
  router.get('/v1/tsa/certificate', (_req, res) => {
    res.type('application/pem-certificate-chain').send(deps.builtin.certificatePem);
  });
  return router;
}
