/**
 * Password sign-in for the web portal (docs/ACCOUNTS.md, "Passwords and sessions"):
 * POST/GET/DELETE /v1/session and POST /v1/accounts/me/password. The session token travels only
 * in the httpOnly `cl_session` cookie; answers carry the account and the CSRF token and are never cached.
 */
import express, { type Request, type Response } from 'express';
import { LogError } from '../../core/errors.js';
import type { Accounts } from '../../app/accounts.js';
import type { ActiveSession, Sessions } from '../../app/sessions.js';
import * as A from './accounts-schemas.js';
import { authenticate, checkCsrf, checkOrigin, cookie, me, noStore, requestSession, SESSION_COOKIE, sessionAuthOf, type SessionAuth } from './auth.js';
import { bodies, parseField } from './request.js';

export interface SessionHttpDeps {
  accounts: Accounts;
  sessions: Sessions;
}

function cookieAttributes(secure: boolean): string {
  return `; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

function setSessionCookie(res: Response, token: string, secure: boolean): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=${token}${cookieAttributes(secure)}`);
}

function clearSessionCookie(res: Response, secure: boolean): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=${cookieAttributes(secure)}; Max-Age=0`);
}

const view = (s: ActiveSession) => ({ account: s.account, csrfToken: s.csrfToken });

export function sessionRoutes({ accounts, sessions }: SessionHttpDeps): express.Router {
  const r = express.Router();
  const { body } = bodies('16kb');
  const secure = (req: Request) => sessionAuthOf(req)?.secure ?? false;
  const auth = (req: Request): SessionAuth => sessionAuthOf(req) ?? { sessions, secure: false };
  /** The live session of the request's cookie, or undefined (no cookie, unknown or expired). */
  const current = async (req: Request): Promise<ActiveSession | undefined> => {
    const token = cookie(req, SESSION_COOKIE);
    if (token === undefined || token === '') return undefined;
    return requestSession(req, sessions, token).catch((e: unknown) => {
      if (e instanceof LogError && (e.code === 'unauthorized' || e.code === 'forbidden')) return undefined;
      throw e;
    });
  };

  r.post('/v1/session', (req, _res, next) => {
    checkOrigin(req);
    next();
  }, ...body, async (req, res) => {
    const { email, password } = parseField(A.SignIn, req.body);
    noStore(res);
    const { token, session } = await sessions.signIn(email, password);
    // A cookie from an earlier sign-in in this browser is ended, not left behind.
    const previous = cookie(req, SESSION_COOKIE);
    if (previous !== undefined && previous !== token) await sessions.signOut(previous);
    setSessionCookie(res, token, secure(req));
    res.json(view(session));
  });

  r.get('/v1/session', async (req, res) => {
    noStore(res);
    const token = cookie(req, SESSION_COOKIE);
    if (token === undefined || token === '') throw new LogError('unauthorized', 'not signed in');
    res.json(view(await requestSession(req, sessions, token)));
  });

  r.delete('/v1/session', async (req, res) => {
    noStore(res);
    const session = await current(req);
    if (session !== undefined) checkCsrf(req, auth(req), session);
    const token = cookie(req, SESSION_COOKIE);
    if (token !== undefined) await sessions.signOut(token);
    clearSessionCookie(res, secure(req));
    res.status(204).end();
  });

  r.post('/v1/accounts/me/password', authenticate(accounts), ...body, async (req, res) => {
    const { currentPassword, newPassword } = parseField(A.SetPassword, req.body);
    await sessions.setPassword(me(req), newPassword, currentPassword, req.session?.id);
    noStore(res);
    res.status(204).end();
  });

  return r;
}
