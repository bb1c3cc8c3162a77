/**
 * Registration routes (docs/REGISTRATION.md): applications, review, the public registry and
 * statistics; organisation routes are in organisations.ts. An express Router that app.ts mounts
 * with one line; routes stay thin: authenticate, check the role where the route is role-gated
 * (so a wrong role is 403 before any body is read), parse with zod, call one use case, render.
 */
import express, { type Request } from 'express';
import { LogError } from '../../core/errors.js';
import type { Accounts } from '../../app/accounts.js';
import type { Organisations } from '../../app/organisations.js';
import type { Registrations } from '../../app/registrations.js';
import type { Stats } from '../../app/stats.js';
import { authenticate, me, requireRole as roles } from './auth.js';
import * as R from './registration-schemas.js';
import { bodies, noBody, parseField } from './request.js';

export { parseField } from './request.js';

export interface RegistrationHttpDeps {
  accounts: Accounts;
  registrations: Registrations;
  organisations: Organisations;
  stats: Stats;
  /** Renders the printable registration certificate; absent: PDF requests answer 415. */
  pdf?: (req: Request, cert: Awaited<ReturnType<Registrations['certificate']>>, applicant?: { id: string; name?: string }) => Promise<Buffer>;
}

const BODY_LIMIT = '256kb';

export function registrationRoutes(deps: RegistrationHttpDeps): express.Router {
  const { accounts, registrations, stats } = deps;
  const r = express.Router();
  const auth = authenticate(accounts);
  const { body, optionalBody } = bodies(BODY_LIMIT);
  const id = (req: Request) => parseField(R.RegistrationId, req.params.id, 'id');
  const query = (req: Request) => req.query as Record<string, unknown>;

  // ---- applications
  r.post('/v1/registrations', auth, roles('creator', 'platform', 'admin'), ...body, async (req, res) => {
    const { submit, ...draft } = parseField(R.CreateRegistration, req.body);
    const view = await registrations.create(me(req), draft, submit === true);
    res.status(201).location(`/v1/registrations/${view.id}`).json(view);
  });
  r.get('/v1/registrations', auth, async (req, res) => {
    const q = parseField(R.ListQuery, query(req));
    res.json(await registrations.list(me(req), { ...(q.state ? { state: q.state } : {}), ...(q.after ? { after: q.after } : {}), limit: q.limit ?? 20 }));
  });
  r.get('/v1/registrations/:id', auth, async (req, res) => {
    res.json(await registrations.get(me(req), id(req)));
  });
  r.patch('/v1/registrations/:id', auth, ...body, async (req, res) => {
    const rid = id(req);
    res.json(await registrations.update(me(req), rid, parseField(R.PatchRegistration, req.body)));
  });
  r.post('/v1/registrations/:id/submit', auth, optionalBody, async (req, res) => {
    const rid = id(req);
    noBody(req);
    res.json(await registrations.submit(me(req), rid));
  });
  r.post('/v1/registrations/:id/amend', auth, optionalBody, async (req, res) => {
    const rid = id(req);
    const patch = req.body === undefined ? undefined : parseField(R.PatchRegistration, req.body);
    res.json(await registrations.amend(me(req), rid, patch));
  });
  r.post('/v1/registrations/:id/withdraw', auth, optionalBody, async (req, res) => {
    const rid = id(req);
    noBody(req);
    res.json(await registrations.withdraw(me(req), rid));
  });
  r.get('/v1/registrations/:id/certificate', auth, async (req, res) => {
    const rid = id(req);
    const cert = await registrations.certificate(me(req), rid);
    if (req.accepts(['application/json', 'application/pdf']) === 'application/pdf') {
      if (!deps.pdf) throw new LogError('unsupported_media_type', 'PDF registration certificates are not available on this server; ask for application/json');
      const applicant = (await registrations.get(me(req), rid)).applicant;
      const name = (await accounts.get(applicant))?.name;
      const pdf = await deps.pdf(req, cert, { id: applicant, ...(name !== undefined ? { name } : {}) });
      res.setHeader('Content-Disposition', `attachment; filename="${cert.registration.number}.pdf"`);
      res.type('application/pdf').send(pdf);
      return;
    }
    res.setHeader('Content-Disposition', `attachment; filename="${cert.registration.number}.registration.json"`);
    res.json(cert);
  });

  // ---- review
  r.get('/v1/review/queue', auth, roles('reviewer', 'admin'), async (req, res) => {
    const q = parseField(R.QueueQuery, query(req));
    res.json(await registrations.queue(me(req), { ...(q.after ? { after: q.after } : {}), limit: q.limit ?? 20 }));
  });
  r.get('/v1/review/:id', auth, roles('reviewer', 'admin'), async (req, res) => {
    res.json(await registrations.reviewItem(me(req), id(req)));
  });
  r.post('/v1/registrations/:id/approve', auth, roles('reviewer', 'admin'), optionalBody, async (req, res) => {
    const rid = id(req);
    noBody(req);
    res.json(await registrations.approve(me(req), rid));
  });
  r.post('/v1/registrations/:id/reject', auth, roles('reviewer', 'admin'), ...body, async (req, res) => {
    const rid = id(req);
    res.json(await registrations.reject(me(req), rid, parseField(R.Reason, req.body).reason));
  });
  r.post('/v1/registrations/:id/request-changes', auth, roles('reviewer', 'admin'), ...body, async (req, res) => {
    const rid = id(req);
    res.json(await registrations.requestChanges(me(req), rid, parseField(R.Reason, req.body).reason));
  });

  // ---- admin
  r.post('/v1/registrations/:id/revoke', auth, roles('admin'), ...body, async (req, res) => {
    const rid = id(req);
    res.json(await registrations.revoke(me(req), rid, parseField(R.Reason, req.body).reason));
  });
  r.post('/v1/registrations/:id/correct', auth, roles('admin'), ...body, async (req, res) => {
    const rid = id(req);
    const { reason, ...changes } = parseField(R.CorrectRegistration, req.body);
    res.json(await registrations.correct(me(req), rid, changes, reason));
  });

  // ---- public registry, statistics
  r.get('/v1/registry', async (req, res) => {
    const q = parseField(R.RegistryQuery, query(req));
    if (q.number !== undefined) {
      const results = await registrations.registryByNumber(q.number);
      res.json({ number: q.number, results, truncated: false });
    } else {
      res.json({ q: q.q, ...(await registrations.registrySearch(q.q!)) });
    }
  });
  r.get('/v1/stats', auth, roles('admin', 'reviewer'), async (_req, res) => {
    res.json(await stats.get());
  });

  return r;
}
