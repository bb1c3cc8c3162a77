/**
 * Account and key routes (contract §3, docs/ACCOUNTS.md): sign-up, the calling account, its API
 * keys, and the admin's routes over any account (keys, role, disable/enable). An express Router
 * app.ts mounts with one line. Responses that carry a secret or key list are `no-store`.
 */
import express, { type Request } from 'express';
import { LogError } from '../../core/errors.js';
import type { Accounts } from '../../app/accounts.js';
import type { Sessions } from '../../app/sessions.js';
import type { ApiKeyRecord } from '../../app/ports.js';
import * as A from './accounts-schemas.js';
import { authenticate, authenticateRequest, me, noStore, requireRole } from './auth.js';
import { parseWith } from './problem.js';
import { bodies, noBody, parseField } from './request.js';
import * as S from './schemas.js';

export interface AccountHttpDeps {
  accounts: Accounts;
  /** Passwords and sessions; without them a sign-up with a password answers 400. */
  sessions?: Sessions;
}

const BODY_LIMIT = '256kb';

export function keyView(k: ApiKeyRecord, current?: string) {
  return {
    id: k.id,
    ...(k.prefix !== undefined ? { prefix: k.prefix } : {}),
    ...(k.label !== undefined ? { label: k.label } : {}),
    createdAt: k.createdAt,
    ...(k.lastUsedAt !== undefined ? { lastUsedAt: k.lastUsedAt } : {}),
    ...(k.revokedAt !== undefined ? { revokedAt: k.revokedAt } : {}),
    ...(current !== undefined ? { current: k.id === current } : {}),
  };
}

export function accountRoutes({ accounts, sessions }: AccountHttpDeps): express.Router {
  const r = express.Router();
  const auth = authenticate(accounts);
  const admin = requireRole('admin');
  const { body, optionalBody } = bodies(BODY_LIMIT);
  const accountId = (req: Request) => parseField(A.AccountId, req.params.id, 'id');
  const keyId = (req: Request) => parseField(A.KeyId, req.params.keyId, 'keyId');
  const label = (req: Request) => (req.body === undefined ? undefined : parseField(A.CreateKey, req.body).label);

  r.post('/v1/accounts', ...body, async (req, res) => {
    const input = parseWith(S.AccountRequest, req.body);
    if (input.role !== undefined && input.role !== 'creator') {
      // Only an admin may hand out other roles.
      if ((await authenticateRequest(accounts, req)).role !== 'admin') throw new LogError('forbidden', 'only an admin may set a role');
    }
    const { password, ...fields } = input;
    if (password !== undefined && sessions === undefined) throw new LogError('invalid_request', 'passwords are not enabled on this server', { details: { field: 'password' } });
    // Hashed before the account exists; stored right after it (an account without a password can set one later).
    const hashed = password === undefined ? undefined : await sessions!.preparePassword(password);
    const { account, apiKey, key } = await accounts.create(fields);
    if (hashed !== undefined) await sessions!.storePassword(account.id, hashed);
    noStore(res);
    res.status(201).json({ account, apiKey, key: keyView(key) });
  });
  r.get('/v1/accounts/me', auth, (req, res) => {
    noStore(res);
    res.json({ account: me(req), ...(req.apiKey ? { key: keyView(req.apiKey) } : {}) });
  });

  // ---- the caller's own keys
  r.get('/v1/accounts/me/keys', auth, async (req, res) => {
    noStore(res);
    res.json({ keys: (await accounts.listKeys(me(req).id)).map((k) => keyView(k, req.apiKey?.id)) });
  });
  r.post('/v1/accounts/me/keys', auth, optionalBody, async (req, res) => {
    const { key, apiKey } = await accounts.createKey(me(req).id, label(req));
    noStore(res);
    res.status(201).location(`/v1/accounts/me/keys/${key.id}`).json({ key: keyView(key), apiKey });
  });
  r.delete('/v1/accounts/me/keys/:keyId', auth, async (req, res) => {
    await accounts.revokeKey(me(req).id, keyId(req));
    res.status(204).end();
  });

  // ---- admin: any account
  r.get('/v1/accounts/:id/keys', auth, admin, async (req, res) => {
    const id = accountId(req);
    noStore(res);
    res.json({ keys: (await accounts.listKeys(id)).map((k) => keyView(k)) });
  });
  r.post('/v1/accounts/:id/keys', auth, admin, optionalBody, async (req, res) => {
    const id = accountId(req);
    const { key, apiKey } = await accounts.createKey(id, label(req));
    noStore(res);
    res.status(201).location(`/v1/accounts/${id}/keys/${key.id}`).json({ key: keyView(key), apiKey });
  });
  r.delete('/v1/accounts/:id/keys/:keyId', auth, admin, async (req, res) => {
    const id = accountId(req);
    await accounts.revokeKey(id, keyId(req));
    res.status(204).end();
  });
  r.post('/v1/accounts/:id/disable', auth, admin, optionalBody, async (req, res) => {
    const id = accountId(req);
    noBody(req);
    noStore(res);
    res.json({ account: await accounts.setDisabled(me(req), id, true) });
  });
  r.post('/v1/accounts/:id/enable', auth, admin, optionalBody, async (req, res) => {
    const id = accountId(req);
    noBody(req);
    noStore(res);
    res.json({ account: await accounts.setDisabled(me(req), id, false) });
  });
  r.put('/v1/accounts/:id/role', auth, admin, ...body, async (req, res) => {
    const id = accountId(req);
    const { role } = parseField(A.SetRole, req.body);
    noStore(res);
    res.json({ account: await accounts.setRole(id, role) });
  });

  return r;
}
