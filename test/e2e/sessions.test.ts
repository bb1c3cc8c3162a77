/**
 * Password sign-up, sign-in, session cookies and CSRF over HTTP (docs/ACCOUNTS.md, "Passwords and
 * sessions"): the cookie authenticates wherever a bearer key does, unsafe methods need the CSRF
 * token and no foreign Origin, sign-out and password changes end sessions server-side.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, hex32 } from '../support/registration.js';
import { startTestService, type TestService } from '../support/service.js';

const ADMIN_API_KEY = 'admin-key-for-session-tests-0';
const PASSWORD = 'correct horse battery';

let svc: TestService;
let url: string;

beforeAll(async () => {
  svc = await startTestService({ ADMIN_API_KEY });
  url = svc.url;
}, 60_000);

afterAll(async () => {
  await svc?.stop();
});

const email = () => `s-${randomBytes(6).toString('hex')}@example.com`;

async function signUp(password = PASSWORD, address = email()) {
  const r = await api(url, 'POST', '/v1/accounts', { body: { name: 'Session User', email: address, kind: 'individual', password } });
  expect(r.status).toBe(201);
  return { email: address, apiKey: r.body.apiKey as string, id: r.body.account.id as string };
}

interface Signed {
  cookie: string;
  csrf: string;
  setCookie: string;
}

async function signIn(address: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<Signed> {
  const r = await api(url, 'POST', '/v1/session', { body: { email: address, password }, headers });
  expect(r.status, r.text).toBe(200);
  const setCookie = r.headers.get('set-cookie')!;
  const token = /^cl_session=([^;]+)/.exec(setCookie)![1]!;
  return { cookie: `cl_session=${token}`, csrf: r.body.csrfToken, setCookie };
}

const withCookie = (s: Signed, extra: Record<string, string> = {}) => ({ cookie: s.cookie, ...extra });

describe('password sign-up and sign-in', () => {
  it('signs in with the password given at sign-up; the cookie is HttpOnly, SameSite=Lax, Path=/ and not Secure over http', async () => {
    const u = await signUp();
    const r = await api(url, 'POST', '/v1/session', { body: { email: u.email.toUpperCase(), password: PASSWORD } });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body.account).toMatchObject({ id: u.id, email: u.email });
    expect(r.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const c = r.headers.get('set-cookie')!;
    expect(c).toMatch(/^cl_session=[A-Za-z0-9_-]{43};/);
    expect(c).toContain('HttpOnly');
    expect(c).toContain('SameSite=Lax');
    expect(c).toContain('Path=/');
    expect(c).not.toContain('Secure');
    // The token is not the CSRF token, and never appears in the body.
    const token = /^cl_session=([^;]+)/.exec(c)![1]!;
    expect(r.text).not.toContain(token);
  });

  it('GET /v1/session names the account and CSRF token, or answers 401', async () => {
    const u = await signUp();
    const s = await signIn(u.email);
    const got = await api(url, 'GET', '/v1/session', { headers: withCookie(s) });
    expect(got.status).toBe(200);
    expect(got.headers.get('cache-control')).toBe('no-store');
    expect(got.body).toMatchObject({ account: { id: u.id }, csrfToken: s.csrf });
    const none = await api(url, 'GET', '/v1/session');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(none.body.code).toBe('unauthorized');
    const bogus = await api(url, 'GET', '/v1/session', { headers: { cookie: 'cl_session=' + 'A'.repeat(43) } });
    expect(bogus.status).toBe(401);
    const garbage = await api(url, 'GET', '/v1/session', { headers: { cookie: 'cl_session=%%%;x=1' } });
    expect(garbage.status).toBe(401);
  });

  it('a wrong password and an unknown e-mail get the same 401', async () => {
    const u = await signUp();
    const wrong = await api(url, 'POST', '/v1/session', { body: { email: u.email, password: 'not the password' } });
    const unknown = await api(url, 'POST', '/v1/session', { body: { email: email(), password: PASSWORD } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.code).toBe('unauthorized');
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('an account without a password cannot sign in; it can set one with its key, then sign in', async () => {
    const r = await api(url, 'POST', '/v1/accounts', { body: { name: 'Keys only', email: email(), kind: 'individual' } });
    const address = r.body.account.email as string;
    const before = await api(url, 'POST', '/v1/session', { body: { email: address, password: PASSWORD } });
    expect(before.status).toBe(401);
    const set = await api(url, 'POST', '/v1/accounts/me/password', { key: r.body.apiKey, body: { newPassword: PASSWORD } });
    expect(set.status).toBe(204);
    await signIn(address);
  });

  it('bad input is a 4xx problem+json naming the field', async () => {
    const short = await api(url, 'POST', '/v1/accounts', { body: { name: 'Short', email: email(), kind: 'individual', password: 'short' } });
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({ code: 'invalid_request', field: 'password' });
    const long = await api(url, 'POST', '/v1/accounts', { body: { name: 'Long', email: email(), kind: 'individual', password: 'x'.repeat(201) } });
    expect(long.body.field).toBe('password');
    for (const body of [{}, { email: 'nope', password: 'x' }, { email: email() }, { email: email(), password: '' }, { email: email(), password: PASSWORD, extra: 1 }, [], 'text']) {
      const r = await api(url, 'POST', '/v1/session', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body.code).toBe('invalid_request');
    }
    const notJson = await api(url, 'POST', '/v1/session', { body: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(notJson.status).toBe(415);
    const broken = await api(url, 'POST', '/v1/session', { body: '{"email":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
  });
});

describe('the session cookie authenticates like a key', () => {
  it('works on GET /v1/accounts/me and on POST /v1/deposits with the CSRF token', async () => {
    const u = await signUp();
    const s = await signIn(u.email);
    const meRes = await api(url, 'GET', '/v1/accounts/me', { headers: withCookie(s) });
    expect(meRes.status).toBe(200);
    expect(meRes.headers.get('cache-control')).toBe('no-store');
    expect(meRes.body.account.id).toBe(u.id);
    const dep = await api(url, 'POST', '/v1/deposits', { headers: withCookie(s, { 'x-csrf-token': s.csrf }), body: { sha256: hex32() } });
    expect(dep.status, dep.text).toBe(201);
    expect(dep.headers.get('cache-control')).toBe('no-store');
    const mine = await api(url, 'GET', `/v1/deposits/${dep.body.id}`, { headers: withCookie(s) });
    expect(mine.status).toBe(200);
    // A same-origin Origin header is fine.
    const same = await api(url, 'POST', '/v1/deposits', { headers: withCookie(s, { 'x-csrf-token': s.csrf, origin: url }), body: { sha256: hex32() } });
    expect(same.status).toBe(201);
  });

  it('refuses an unsafe cookie request without the CSRF token, with a wrong one, or from a foreign Origin: 403 csrf_failed', async () => {
    const u = await signUp();
    const s = await signIn(u.email);
    const cases: Record<string, string>[] = [
      {},
      { 'x-csrf-token': 'wrong' },
      { 'x-csrf-token': s.csrf.slice(0, -1) + (s.csrf.endsWith('A') ? 'B' : 'A') },
      { 'x-csrf-token': s.csrf, origin: 'https://evil.example' },
      { 'x-csrf-token': s.csrf, origin: 'null' },
    ];
    for (const extra of cases) {
      const r = await api(url, 'POST', '/v1/deposits', { headers: withCookie(s, extra), body: { sha256: hex32() } });
      expect(r.status, JSON.stringify(extra)).toBe(403);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body.code).toBe('csrf_failed');
    }
    const key = await api(url, 'POST', '/v1/accounts/me/keys', { headers: withCookie(s) });
    expect(key.body.code).toBe('csrf_failed');
    const out = await api(url, 'DELETE', '/v1/session', { headers: withCookie(s) });
    expect(out.body.code).toBe('csrf_failed');
    // Reads need no token.
    expect((await api(url, 'GET', '/v1/accounts/me/keys', { headers: withCookie(s) })).status).toBe(200);
    // A sign-in posted from another site is refused too.
    const foreign = await api(url, 'POST', '/v1/session', { body: { email: u.email, password: PASSWORD }, headers: { origin: 'https://evil.example' } });
    expect(foreign.body.code).toBe('csrf_failed');
  });

  it('Bearer wins when both are sent: no CSRF check, the key\'s account', async () => {
    const a = await signUp();
    const b = await signUp();
    const s = await signIn(a.email);
    const r = await api(url, 'POST', '/v1/deposits', { key: b.apiKey, headers: withCookie(s), body: { sha256: hex32() } });
    expect(r.status).toBe(201);
    const who = await api(url, 'GET', '/v1/accounts/me', { key: b.apiKey, headers: withCookie(s) });
    expect(who.body.account.id).toBe(b.id);
    expect(who.body.key).toBeDefined();
    // A bad key is not rescued by a good cookie.
    const bad = await api(url, 'GET', '/v1/accounts/me', { key: 'clk_nope', headers: withCookie(s) });
    expect(bad.status).toBe(401);
  });

  it('sign-out deletes the session server-side and clears the cookie', async () => {
    const u = await signUp();
    const s = await signIn(u.email);
    const out = await api(url, 'DELETE', '/v1/session', { headers: withCookie(s, { 'x-csrf-token': s.csrf }) });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^cl_session=;.*Max-Age=0/);
    // The old cookie, replayed, no longer works anywhere.
    expect((await api(url, 'GET', '/v1/session', { headers: withCookie(s) })).status).toBe(401);
    expect((await api(url, 'GET', '/v1/accounts/me', { headers: withCookie(s) })).status).toBe(401);
    // Signing out again, or without a session, is fine.
    expect((await api(url, 'DELETE', '/v1/session', { headers: withCookie(s) })).status).toBe(204);
    expect((await api(url, 'DELETE', '/v1/session')).status).toBe(204);
  });

  it('a password change ends the other sessions but not the one that changed it; the old password stops working', async () => {
    const u = await signUp();
    const one = await signIn(u.email);
    const two = await signIn(u.email);
    const missing = await api(url, 'POST', '/v1/accounts/me/password', { headers: withCookie(one, { 'x-csrf-token': one.csrf }), body: { newPassword: 'a brand new password' } });
    expect(missing.status).toBe(400);
    expect(missing.body.field).toBe('currentPassword');
    const wrong = await api(url, 'POST', '/v1/accounts/me/password', { headers: withCookie(one, { 'x-csrf-token': one.csrf }), body: { currentPassword: 'nope nope nope', newPassword: 'a brand new password' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.field).toBe('currentPassword');
    const ok = await api(url, 'POST', '/v1/accounts/me/password', { headers: withCookie(one, { 'x-csrf-token': one.csrf }), body: { currentPassword: PASSWORD, newPassword: 'a brand new password' } });
    expect(ok.status).toBe(204);
    expect((await api(url, 'GET', '/v1/session', { headers: withCookie(one) })).status).toBe(200);
    expect((await api(url, 'GET', '/v1/session', { headers: withCookie(two) })).status).toBe(401);
    expect((await api(url, 'POST', '/v1/session', { body: { email: u.email, password: PASSWORD } })).status).toBe(401);
    await signIn(u.email, 'a brand new password');
  });

  it("a disabled account's session is refused at once, and works again once enabled", async () => {
    const u = await signUp();
    const s = await signIn(u.email);
    expect((await api(url, 'POST', `/v1/accounts/${u.id}/disable`, { key: ADMIN_API_KEY })).status).toBe(200);
    const r = await api(url, 'GET', '/v1/accounts/me', { headers: withCookie(s) });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('forbidden');
    expect((await api(url, 'GET', '/v1/session', { headers: withCookie(s) })).status).toBe(403);
    const again = await api(url, 'POST', '/v1/session', { body: { email: u.email, password: PASSWORD } });
    expect(again.status).toBe(403);
    expect((await api(url, 'POST', `/v1/accounts/${u.id}/enable`, { key: ADMIN_API_KEY })).status).toBe(200);
    expect((await api(url, 'GET', '/v1/accounts/me', { headers: withCookie(s) })).status).toBe(200);
  });
});
