/**
 * Organisation routes (docs/REGISTRATION.md, "Organisations"): members by invitation and
 * consent, the invitee's invitations, and the audit trail of membership changes. An express
 * Router app.ts mounts with one line.
 */
import express, { type Request } from 'express';
import type { Accounts } from '../../app/accounts.js';
import type { Organisations } from '../../app/organisations.js';
import { authenticate, me } from './auth.js';
import * as O from './organisations-schemas.js';
import { bodies, noBody, parseField } from './request.js';

export interface OrganisationHttpDeps {
  accounts: Accounts;
  organisations: Organisations;
}

const BODY_LIMIT = '256kb';

export function organisationRoutes({ accounts, organisations }: OrganisationHttpDeps): express.Router {
  const r = express.Router();
  const auth = authenticate(accounts);
  const { body, optionalBody } = bodies(BODY_LIMIT);
  const org = (req: Request) => parseField(O.AccountId, req.params.id, 'id');
  const invitation = (req: Request, name = 'id') => parseField(O.InvitationId, req.params[name], name);

  r.get('/v1/organisations', auth, async (req, res) => {
    res.json({ organisations: await organisations.mine(me(req)) });
  });
  r.get('/v1/organisations/:id', auth, async (req, res) => {
    res.json(await organisations.view(me(req), org(req)));
  });
  r.post('/v1/organisations/:id/members', auth, ...body, async (req, res) => {
    const id = org(req);
    const input = parseField(O.AddMember, req.body);
    const result = await organisations.invite(me(req), id, input);
    if ('invitation' in result) res.status(result.created ? 201 : 200).json({ invitation: result.invitation });
    else res.status(200).json({ member: result.member });
  });
  r.delete('/v1/organisations/:id/members/:accountId', auth, async (req, res) => {
    const id = org(req);
    const member = parseField(O.AccountId, req.params.accountId, 'accountId');
    await organisations.removeMember(me(req), id, member);
    res.status(204).end();
  });
  r.get('/v1/organisations/:id/invitations', auth, async (req, res) => {
    res.json({ invitations: await organisations.invitations(me(req), org(req)) });
  });
  r.delete('/v1/organisations/:id/invitations/:invitationId', auth, async (req, res) => {
    const id = org(req);
    await organisations.cancel(me(req), id, invitation(req, 'invitationId'));
    res.status(204).end();
  });
  r.get('/v1/organisations/:id/history', auth, async (req, res) => {
    const id = org(req);
    const q = parseField(O.HistoryQuery, req.query as Record<string, unknown>);
    res.json(await organisations.history(me(req), id, { ...(q.after !== undefined ? { after: q.after } : {}), limit: q.limit ?? 50 }));
  });

  // ---- the invitee
  r.get('/v1/invitations', auth, async (req, res) => {
    res.json({ invitations: await organisations.myInvitations(me(req)) });
  });
  r.post('/v1/invitations/:id/accept', auth, optionalBody, async (req, res) => {
    const id = invitation(req);
    noBody(req);
    res.json({ invitation: await organisations.accept(me(req), id) });
  });
  r.post('/v1/invitations/:id/decline', auth, optionalBody, async (req, res) => {
    const id = invitation(req);
    noBody(req);
    res.json({ invitation: await organisations.decline(me(req), id) });
  });

  return r;
}
