/** Pledge routes (docs/OPERATION.md): pledge, release (pledgee), read, list, certificates. */
import express, { type Request } from 'express';
import { authenticate, me, noStore } from './auth.js';
import * as O from './operation-schemas.js';
import { OPERATION_BODY_LIMIT, sendOperationCertificate, type OperationHttpDeps } from './operation-routes.js';
import { bodies, noBody, parseField } from './request.js';

export function pledgeRoutes(deps: OperationHttpDeps): express.Router {
  const pledges = deps.operations.pledges;
  const r = express.Router();
  const auth = authenticate(deps.accounts);
  const { body, optionalBody } = bodies(OPERATION_BODY_LIMIT);
  const id = (req: Request) => parseField(O.PledgeId, req.params.id, 'id');

  r.post('/v1/pledges', auth, ...body, async (req, res) => {
    const view = await pledges.pledge(me(req), parseField(O.CreatePledge, req.body));
    noStore(res);
    res.status(201).location(`/v1/pledges/${view.id}`).json(view);
  });
  r.get('/v1/pledges', auth, async (req, res) => {
    const q = parseField(O.OperationListQuery, req.query);
    noStore(res);
    res.json(await pledges.list(me(req), { ...(q.after !== undefined ? { after: q.after } : {}), limit: q.limit ?? 20 }));
  });
  r.get('/v1/pledges/:id', auth, async (req, res) => {
    const pid = id(req);
    noStore(res);
    res.json(await pledges.get(me(req), pid));
  });
  r.post('/v1/pledges/:id/release', auth, optionalBody, async (req, res) => {
    const pid = id(req);
    noBody(req);
    noStore(res);
    res.json(await pledges.release(me(req), pid));
  });
  r.get('/v1/pledges/:id/certificate', auth, async (req, res) => {
    const pid = id(req);
    noStore(res);
    await sendOperationCertificate(deps, req, res, await pledges.certificate(me(req), pid));
  });
  return r;
}
