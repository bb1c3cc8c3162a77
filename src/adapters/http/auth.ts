/**
 * Authentication for every router, written once: an `Authorization: Bearer <apiKey>` header or
 * the session cookie of a signed-in browser (docs/ACCOUNTS.md): `__Host-cl_session` when cookies are
 * Secure (PUBLIC_URL is https), which a sibling subdomain cannot set, else `cl_session`. Bearer wins when both are
 * sent. A cookie-authenticated POST/PUT/PATCH/DELETE must carry the session's CSRF token in
 * `X-CSRF-Token` and, when it sends Origin, come from the service's own origin: else 403
 * `csrf_failed`.
 *
 * `authenticate(accounts)` requires credentials and sets `req.account` (and `req.apiKey` or
 * `req.session`); `optionalAuth(accounts)` does so only when credentials were sent;
 * `requireRole(...)` answers 403 to any other role. Cookies work wherever `installSessionAuth`
 * gave the app its `Sessions`; the rate limiter reads the same parser (`presentedCredential`).
 */
import type { Express, NextFunction, Request, Response } from 'express';
import { LogError } from '../../core/errors.js';
import type { Accounts } from '../../app/accounts.js';
import type { AccountRecord, ApiKeyRecord } from '../../app/ports.js';
import { constantTimeEqual, type ActiveSession, type Sessions } from '../../app/sessions.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The authenticated account (set by `authenticate` / `optionalAuth`). */
    account?: AccountRecord;
    /** The key the request authenticated with. */
    apiKey?: ApiKeyRecord;
    /** The browser session the request authenticated with. */
    session?: ActiveSession;
  }
}

export const SESSION_COOKIE = 'cl_session';
/** The cookie's name when it is Secure: the `__Host-` prefix makes browsers refuse it with a Domain, another Path or without Secure. */
export const SECURE_SESSION_COOKIE = '__Host-cl_session';
export const CSRF_HEADER = 'x-csrf-token';

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ASK = 'send Authorization: Bearer <apiKey>, or sign in';

/** What the app knows to accept cookies: the sessions and the service's own origin. */
export interface SessionAuth {
  sessions: Sessions;
  /** PUBLIC_URL's origin; undefined: the origin must name the request's Host. */
  publicOrigin?: string;
  /** Secure cookies (PUBLIC_URL is https). */
  secure: boolean;
}

const SESSION_AUTH = Symbol('sessionAuth');
const RESOLVED = Symbol('resolvedSession');

/** Makes every router of `app` accept the session cookie. */
export function installSessionAuth(app: Express, auth: SessionAuth): void {
  (app.locals as Record<symbol, unknown>)[SESSION_AUTH] = auth;
}

export function sessionAuthOf(req: Request): SessionAuth | undefined {
  return (req.app?.locals as Record<symbol, SessionAuth | undefined> | undefined)?.[SESSION_AUTH];
}

/** The session cookie's name for this app: only the `__Host-` one counts when cookies are Secure. */
export function sessionCookieName(req: Request): string {
  return sessionAuthOf(req)?.secure === true ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/** The value of the named cookie, or undefined. */
export function cookie(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

/**
 * The credential a request presents, without checking it: a bearer secret (the Authorization
 * header, whatever its form, wins), a session cookie token, or nothing.
 */
export type Credential = { kind: 'bearer'; secret: string | undefined } | { kind: 'session'; token: string } | undefined;

export function presentedCredential(req: Request): Credential {
  const h = req.get('authorization');
  if (h !== undefined) return { kind: 'bearer', secret: BEARER.exec(h)?.[1] };
  const token = cookie(req, sessionCookieName(req));
  return token === undefined || token === '' ? undefined : { kind: 'session', token };
}

/** The secret of an `Authorization: Bearer <apiKey>` header; unauthorized if it is missing or malformed. */
export function bearerSecret(req: Request): string {
  const c = presentedCredential(req);
  if (c?.kind !== 'bearer' || c.secret === undefined) throw new LogError('unauthorized', 'send Authorization: Bearer <apiKey>');
  return c.secret;
}

/** The session of the request's cookie, read once per request (the limiter and the route share it). */
export function requestSession(req: Request, sessions: Sessions, token: string): Promise<ActiveSession> {
  const r = req as Request & { [RESOLVED]?: Promise<ActiveSession> };
  const p = (r[RESOLVED] ??= sessions.resolve(token));
  // The limiter may read it without awaiting a failure; the route reports it.
  p.catch(() => undefined);
  return p;
}

/** The service's own origin for this request: PUBLIC_URL's, else the Host header's. */
function sameOrigin(req: Request, auth: SessionAuth, origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (auth.publicOrigin !== undefined) return url.origin === auth.publicOrigin;
  return url.host === req.get('host');
}

/** CSRF defence of a cookie-authenticated request: unsafe methods need the token and no foreign Origin. */
export function checkCsrf(req: Request, auth: SessionAuth, session: ActiveSession): void {
  if (!UNSAFE.has(req.method.toUpperCase())) return;
  const origin = req.get('origin');
  if (origin !== undefined && !sameOrigin(req, auth, origin)) throw new LogError('csrf_failed', 'cross-origin request refused: the Origin is not this service');
  const sent = req.get(CSRF_HEADER);
  if (sent === undefined || !constantTimeEqual(sent, session.csrfToken)) {
    throw new LogError('csrf_failed', `send the session's CSRF token (GET /v1/session) in X-CSRF-Token`);
  }
}

/** Refuses an unsafe request whose Origin header names another site (for routes that take cookies but need no session, e.g. sign-in). */
export function checkOrigin(req: Request): void {
  const auth = sessionAuthOf(req);
  const origin = req.get('origin');
  if (auth !== undefined && origin !== undefined && !sameOrigin(req, auth, origin)) throw new LogError('csrf_failed', 'cross-origin request refused: the Origin is not this service');
}

/** Authenticates the request now (for routes where only some inputs need credentials) and returns the account. */
export async function authenticateRequest(accounts: Accounts, req: Request): Promise<AccountRecord> {
  const c = presentedCredential(req);
  const auth = sessionAuthOf(req);
  if (c?.kind === 'session' && auth !== undefined) {
    const session = await requestSession(req, auth.sessions, c.token);
    checkCsrf(req, auth, session);
    req.account = session.account;
    req.session = session;
    return session.account;
  }
  if (c?.kind !== 'bearer' || c.secret === undefined) throw new LogError('unauthorized', ASK);
  const { account, key } = await accounts.authenticate(c.secret);
  req.account = account;
  req.apiKey = key;
  return account;
}

/** Middleware: a valid, unrevoked key of an enabled account, or a live session of one, is required. */
export function authenticate(accounts: Accounts) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    await authenticateRequest(accounts, req);
    next();
  };
}

/**
 * Middleware: authenticates when an Authorization header is present, or a session cookie that
 * still names a live session; anonymous otherwise (a stale cookie does not break public pages).
 */
export function optionalAuth(accounts: Accounts) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const c = presentedCredential(req);
    const auth = sessionAuthOf(req);
    if (c?.kind === 'bearer') await authenticateRequest(accounts, req);
    else if (c?.kind === 'session' && auth !== undefined) {
      const session = await requestSession(req, auth.sessions, c.token).catch((e: unknown) => {
        if (e instanceof LogError && e.code === 'unauthorized') return undefined;
        throw e;
      });
      if (session !== undefined) await authenticateRequest(accounts, req);
    }
    next();
  };
}

/** Middleware after `authenticate`: the account's role must be one of `allowed`. */
export function requireRole(...allowed: AccountRecord['role'][]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.account === undefined) throw new LogError('unauthorized', ASK);
    if (!allowed.includes(req.account.role)) throw new LogError('forbidden', `this needs the role ${allowed.join(' or ')}`);
    next();
  };
}

/** The authenticated account (routes behind `authenticate`). */
export function me(req: Request): AccountRecord {
  if (req.account === undefined) throw new LogError('unauthorized', ASK);
  return req.account;
}

/** Marks a response that carries a secret or private data as never to be stored by caches. */
export function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
}
