/**
 * Licence routes (docs/OPERATION.md): offer, accept, revoke, read, list, certificates, and the
 * public licence check platforms call before they publish. Thin: authenticate, parse with zod,
 * call one use case, render.
 */
import express, { type Request } from 'express';
import { LogError } from '../../core/errors.js';
import { normaliseInstant } from '../../core/operation.js';
import { authenticate, me, noStore } from './auth.js';
import * as O from './operation-schemas.js';
import { OPERATION_BODY_LIMIT, sendOperationCertificate, type OperationHttpDeps } from './operation-routes.js';
import { Reason } from './registration-schemas.js';
import { bodies, noBody, parseField } from './request.js';

export function licenceRoutes(deps: OperationHttpDeps): express.Router {
  const licences = deps.operations.licences;
  const r = express.Router();
  const auth = authenticate(deps.accounts);
  const { body, optionalBody } = bodies(OPERATION_BODY_LIMIT);
  const id = (req: Request) => parseField(O.LicenceId, req.params.id, 'id');

  r.post('/v1/licences', auth, ...body, async (req, res) => {
    const view = await licences.offer(me(req), parseField(O.CreateLicence, req.body));
    noStore(res);
    res.status(201).location(`/v1/licences/${view.id}`).json(view);
  });
  r.get('/v1/licences', auth, async (req, res) => {
    const q = parseField(O.OperationListQuery, req.query);
    noStore(res);
    res.json(await licences.list(me(req), { ...(q.after !== undefined ? { after: q.after } : {}), limit: q.limit ?? 20 }));
  });
  r.get('/v1/licences/check', async (req, res) => {
    const q = parseField(O.LicenceCheckQuery, req.query);
    let at: string | undefined;
    if (q.at !== undefined) {
      at = normaliseInstant(q.at, 'start');
      if (at === undefined) throw new LogError('invalid_request', 'at: must be an RFC 3339 time or a date YYYY-MM-DD', { details: { field: 'at' } });
    }
    res.json(
      await licences.check({
        ...(q.number !== undefined ? { number: q.number } : {}),
        ...(q.sha256 !== undefined ? { sha256: q.sha256 } : {}),
        licensee: q.licensee,
        right: q.right,
        ...(at !== undefined ? { at } : {}),
        ...(q.territory !== undefined ? { territory: q.territory } : {}),
      }),
    );
  });
  r.get('/v1/licences/:id', auth, async (req, res) => {
    const lid = id(req);
    noStore(res);
    res.json(await licences.get(me(req), lid));
  });
  r.post('/v1/licences/:id/accept', auth, optionalBody, async (req, res) => {
    const lid = id(req);
    noBody(req);
    noStore(res);
    res.json(await licences.accept(me(req), lid));
  });
  r.post('/v1/licences/:id/revoke', auth, ...body, async (req, res) => {
    const lid = id(req);
    noStore(res);
    res.json(await licences.revoke(me(req), lid, parseField(Reason, req.body).reason));
  });
  r.get('/v1/licences/:id/certificate', auth, async (req, res) => {
    const lid = id(req);
    noStore(res);
    await sendOperationCertificate(deps, req, res, await licences.certificate(me(req), lid));
  });
  return r;
}
