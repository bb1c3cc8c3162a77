/** Transfer routes (docs/OPERATION.md): offer, consent (pledgee), accept, cancel, read, list, certificates. */
import express, { type Request } from 'express';
import { authenticate, me, noStore } from './auth.js';
import * as O from './operation-schemas.js';
import { OPERATION_BODY_LIMIT, sendOperationCertificate, type OperationHttpDeps } from './operation-routes.js';
import { bodies, noBody, parseField } from './request.js';

export function transferRoutes(deps: OperationHttpDeps): express.Router {
  const transfers = deps.operations.transfers;
  const r = express.Router();
  const auth = authenticate(deps.accounts);
  const { body, optionalBody } = bodies(OPERATION_BODY_LIMIT);
  const id = (req: Request) => parseField(O.TransferId, req.params.id, 'id');

  r.post('/v1/transfers', auth, ...body, async (req, res) => {
    const view = await transfers.offer(me(req), parseField(O.CreateTransfer, req.body));
    noStore(res);
    res.status(201).location(`/v1/transfers/${view.id}`).json(view);
  });
  r.get('/v1/transfers', auth, async (req, res) => {
    const q = parseField(O.OperationListQuery, req.query);
    noStore(res);
    res.json(await transfers.list(me(req), { ...(q.after !== undefined ? { after: q.after } : {}), limit: q.limit ?? 20 }));
  });
  r.get('/v1/transfers/:id', auth, async (req, res) => {
    const tid = id(req);
    noStore(res);
    res.json(await transfers.get(me(req), tid));
  });
  for (const action of ['accept', 'consent', 'cancel'] as const) {
    r.post(`/v1/transfers/:id/${action}`, auth, optionalBody, async (req, res) => {
      const tid = id(req);
      noBody(req);
      noStore(res);
      res.json(await transfers[action](me(req), tid));
    });
  }
  r.get('/v1/transfers/:id/certificate', auth, async (req, res) => {
    const tid = id(req);
    noStore(res);
    await sendOperationCertificate(deps, req, res, await transfers.certificate(me(req), tid));
  });
  return r;
}
