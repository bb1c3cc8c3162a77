/**
 * HTTP routes of issue 6 (docs/REGISTRATION.md): registration applications, review, the public
 * registry, statistics, organisations and roles. An express Router that app.ts mounts with one
 * line; routes stay thin: authenticate, check the role where the route is role-gated (so a
 * wrong role is 403 before any body is read), parse with zod, call one use case, render.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { LogError } from '../../core/errors.js';
import type { Accounts } from '../../app/accounts.js';
import type { Organisations } from '../../app/organisations.js';
import type { Registrations } from '../../app/registrations.js';
import type { Stats } from '../../app/stats.js';
import type { AccountRecord } from '../../app/ports.js';
import { jsonBody } from './json.js';
import * as R from './registration-schemas.js';

export interface RegistrationHttpDeps {
  accounts: Accounts;
  registrations: Registrations;
  organisations: Organisations;
  stats: Stats;
  /** Renders the printable registration certificate; absent: PDF requests answer 415. */
  pdf?: (req: Request, cert: Awaited<ReturnType<Registrations['certificate']>>) => Promise<Buffer>;
}

const BODY_LIMIT = '256kb';

/**
 * Parses `value`; on failure throws invalid_request naming the first bad field in `details.field`
 * (an unknown key is named itself, e.g. `authors.0.age`).
 */
export function parseField<S extends z.ZodType>(schema: S, value: unknown, where = ''): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!);
  const field = [where, ...path].filter((s) => s !== '').join('.');
  const message = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message;
  throw new LogError('invalid_request', field ? `${field}: ${message}` : message, { details: field ? { field } : {} });
}

export function registrationRoutes(deps: RegistrationHttpDeps): express.Router {
  const { accounts, registrations, organisations, stats } = deps;
  const r = express.Router();
  const json = jsonBody(BODY_LIMIT);

  const auth = async (req: Request, _res: Response, next: NextFunction) => {
    const h = req.get('authorization');
    const m = h === undefined ? null : /^Bearer ([\x21-\x7e]{1,512})$/.exec(h);
    if (!m) throw new LogError('unauthorized', 'send Authorization: Bearer <apiKey>');
    req.account = await accounts.authenticate(m[1]!);
    next();
  };
  const roles =
    (...allowed: AccountRecord['role'][]) =>
    (req: Request, _res: Response, next: NextFunction) => {
      if (!allowed.includes(req.account!.role)) throw new LogError('forbidden', `this needs the role ${allowed.join(' or ')}`);
      next();
    };
  /** A JSON body (required). */
  const body = [
    (req: Request, _res: Response, next: NextFunction) => {
      if (!req.is('application/json')) throw new LogError('unsupported_media_type', 'send application/json');
      next();
    },
    json,
  ];
  /** A JSON body if one was sent (actions without parameters). */
  const optionalBody = (req: Request, res: Response, next: NextFunction) => {
    if (req.get('content-length') === '0' || (req.get('content-length') === undefined && req.get('transfer-encoding') === undefined)) {
      req.body = undefined;
      return next();
    }
    if (!req.is('application/json')) throw new LogError('unsupported_media_type', 'send application/json or no body');
    json(req, res, next);
  };
  const me = (req: Request): AccountRecord => req.account!;
  const id = (req: Request) => parseField(R.RegistrationId, req.params.id, 'id');
  const query = (req: Request) => req.query as Record<string, unknown>;
  const noBody = (req: Request) => {
    if (req.body !== undefined && !(typeof req.body === 'object' && req.body !== null && Object.keys(req.body as object).length === 0)) {
      parseField(z.strictObject({}), req.body);
    }
  };

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
      const pdf = await deps.pdf(req, cert);
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
  r.put('/v1/accounts/:id/role', auth, roles('admin'), ...body, async (req, res) => {
    const aid = parseField(R.AccountId, req.params.id, 'id');
    const { role } = parseField(R.SetRole, req.body);
    res.json({ account: await accounts.setRole(aid, role) });
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

  // ---- organisations
  r.get('/v1/organisations', auth, async (req, res) => {
    res.json({ organisations: await organisations.mine(me(req)) });
  });
  r.get('/v1/organisations/:id', auth, async (req, res) => {
    res.json(await organisations.view(me(req), parseField(R.AccountId, req.params.id, 'id')));
  });
  r.post('/v1/organisations/:id/members', auth, ...body, async (req, res) => {
    const org = parseField(R.AccountId, req.params.id, 'id');
    const input = parseField(R.AddMember, req.body);
    const { member, created } = await organisations.addMember(me(req), org, input);
    res.status(created ? 201 : 200).json({ member });
  });
  r.delete('/v1/organisations/:id/members/:accountId', auth, async (req, res) => {
    const org = parseField(R.AccountId, req.params.id, 'id');
    const member = parseField(R.AccountId, req.params.accountId, 'accountId');
    await organisations.removeMember(me(req), org, member);
    res.status(204).end();
  });

  return r;
}
