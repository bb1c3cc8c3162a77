/**
 * Bearer authentication for every router, written once. `authenticate(accounts)` requires a key
 * and sets `req.account` and `req.apiKey`; `optionalAuth(accounts)` does so only when an
 * Authorization header was sent; `requireRole(...)` answers 403 to any other role.
 */
import type { NextFunction, Request, Response } from 'express';
import { LogError } from '../../core/errors.js';
import type { Accounts } from '../../app/accounts.js';
import type { AccountRecord, ApiKeyRecord } from '../../app/ports.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The authenticated account (set by `authenticate` / `optionalAuth`). */
    account?: AccountRecord;
    /** The key the request authenticated with. */
    apiKey?: ApiKeyRecord;
  }
}

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

/** The secret of an `Authorization: Bearer <apiKey>` header; unauthorized if it is missing or malformed. */
export function bearerSecret(req: Request): string {
  const h = req.get('authorization');
  const m = h === undefined ? null : BEARER.exec(h);
  if (!m) throw new LogError('unauthorized', 'send Authorization: Bearer <apiKey>');
  return m[1]!;
}

/** Authenticates the request now (for routes where only some inputs need a key) and returns the account. */
export async function authenticateRequest(accounts: Accounts, req: Request): Promise<AccountRecord> {
  const { account, key } = await accounts.authenticate(bearerSecret(req));
  req.account = account;
  req.apiKey = key;
  return account;
}

/** Middleware: a valid, unrevoked key of an enabled account is required. */
export function authenticate(accounts: Accounts) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    await authenticateRequest(accounts, req);
    next();
  };
}

/** Middleware: authenticates when an Authorization header is present; anonymous otherwise. */
export function optionalAuth(accounts: Accounts) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (req.get('authorization') !== undefined) await authenticateRequest(accounts, req);
    next();
  };
}

/** Middleware after `authenticate`: the account's role must be one of `allowed`. */
export function requireRole(...allowed: AccountRecord['role'][]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.account === undefined) throw new LogError('unauthorized', 'send Authorization: Bearer <apiKey>');
    if (!allowed.includes(req.account.role)) throw new LogError('forbidden', `this needs the role ${allowed.join(' or ')}`);
    next();
  };
}

/** The authenticated account (routes behind `authenticate`). */
export function me(req: Request): AccountRecord {
  if (req.account === undefined) throw new LogError('unauthorized', 'send Authorization: Bearer <apiKey>');
  return req.account;
}

/** Marks a response that carries a secret or private data as never to be stored by caches. */
export function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
}
