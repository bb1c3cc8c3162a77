/**
 * Password sign-in for the web portal (docs/ACCOUNTS.md, "Passwords and sessions"):
 * POST/GET/DELETE /v1/session and POST /v1/accounts/me/password. The session token travels only
 * in the httpOnly session cookie (`__Host-cl_session` when Secure, else `cl_session`); answers carry the account and the CSRF token and are never cached.
 */
import express, { type Request, type Response } from 'express';
import { LogError } from '../../core/errors.js';
import type { Accounts } from '../../app/accounts.js';
import type { ActiveSession, Sessions } from '../../app/sessions.js';
import * as A from './accounts-schemas.js';
import { authenticate, checkCsrf, checkOrigin, cookie, me, noStore, requestSession, SECURE_SESSION_COOKIE, SESSION_COOKIE, sessionAuthOf, type SessionAuth } from './auth.js';
import { bodies, parseField } from './request.js';

export interface SessionHttpDeps {
  accounts: Accounts;
  sessions: Sessions;
}

function cookieAttributes(secure: boolean): string {
  return `; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** `__Host-` cookies must be Secure, Path=/ and carry no Domain: a sibling subdomain cannot plant one. */
const cookieName = (secure: boolean) => (secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE);

function setSessionCookie(res: Response, token: string, secure: boolean): void {
  res.append('Set-Cookie', `${cookieName(secure)}=${token}${cookieAttributes(secure)}`);
}

function clearSessionCookie(res: Response, secure: boolean): void {
  res.append('Set-Cookie', `${cookieName(secure)}=${cookieAttributes(secure)}; Max-Age=0`);
}

const view = (s: ActiveSession) => ({ account: s.account, csrfToken: s.csrfToken });

export function sessionRoutes({ accounts, sessions }: SessionHttpDeps): express.Router {
  const r = express.Router();
  const { body } = bodies('16kb');
  const secure = (req: Request) => sessionAuthOf(req)?.secure ?? false;
  const auth = (req: Request): SessionAuth => sessionAuthOf(req) ?? { sessions, secure: false };
  /** The live session of the request's cookie, or undefined (no cookie, unknown or expired). */
  const current = async (req: Request): Promise<ActiveSession | undefined> => {
    const token = cookie(req, cookieName(secure(req)));
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
    const previous = cookie(req, cookieName(secure(req)));
    if (previous !== undefined && previous !== token) await sessions.signOut(previous);
    setSessionCookie(res, token, secure(req));
    res.json(view(session));
  });

  r.get('/v1/session', async (req, res) => {
    noStore(res);
    const token = cookie(req, cookieName(secure(req)));
    if (token === undefined || token === '') throw new LogError('unauthorized', 'not signed in');
    const session = await requestSession(req, sessions, token).catch((e: unknown) => {
      // A cookie that names no live session is of no further use to the browser.
      if (e instanceof LogError && e.code === 'unauthorized') clearSessionCookie(res, secure(req));
      throw e;
    });
    res.json(view(session));
  });

  r.delete('/v1/session', async (req, res) => {
    noStore(res);
    const session = await current(req);
    if (session !== undefined) checkCsrf(req, auth(req), session);
    const token = cookie(req, cookieName(secure(req)));
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
