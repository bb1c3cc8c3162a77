/**
 * Who is signed in. The session cookie is httpOnly: the page learns the account and the CSRF
 * token from `GET /v1/session` (401 when signed out).
 */
import { api, ApiError, setCsrfToken } from './api.js';

export interface Account {
  id: string;
  name: string;
  email: string;
  kind: 'individual' | 'organisation';
  role: 'creator' | 'platform' | 'reviewer' | 'admin';
  createdAt: string;
}
export interface Session {
  account: Account;
  csrfToken: string;
}

let current: Session | undefined;

/** The signed-in session, as last loaded. */
export function session(): Session | undefined {
  return current;
}

function set(s: Session | undefined): Session | undefined {
  current = s;
  setCsrfToken(s?.csrfToken);
  return s;
}

/** Asks the service who is signed in; undefined when nobody is. */
export async function loadSession(): Promise<Session | undefined> {
  try {
    return set(await api<Session>('GET', '/v1/session'));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return set(undefined);
    throw e;
  }
}

export async function signIn(email: string, password: string): Promise<Session> {
  return set(await api<Session>('POST', '/v1/session', { email, password }))!;
}

/**
 * Ends the session. The page forgets it only once the service answered 204 (or 401: there was
 * none); any other failure is thrown and the page stays signed in, since the cookie may still work.
 */
export async function signOut(): Promise<void> {
  try {
    await api('DELETE', '/v1/session');
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) throw e;
  }
  set(undefined);
}
