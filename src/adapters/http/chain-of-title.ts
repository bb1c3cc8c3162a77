/** The public chain of title (docs/OPERATION.md): GET /v1/registry/{number}, no authentication. */
import express from 'express';
import { LogError } from '../../core/errors.js';
import type { Operations } from '../../app/operations.js';
import { RegistryNumberParam } from './operation-schemas.js';
import { parseField } from './request.js';

export function chainOfTitleRoutes(deps: { operations: Operations }): express.Router {
  const r = express.Router();
  r.get('/v1/registry/:number', async (req, res, next) => {
    if (req.params.number === 'entries') return next(); // GET /v1/registry/entries (archive-routes.ts)
    const number = parseField(RegistryNumberParam, req.params.number, 'number');
    const view = await deps.operations.title(number);
    if (view === undefined) throw new LogError('not_found', `no registration ${number}`, { details: { field: 'number' } });
    res.json(view);
  });
  return r;
}
