/**
 * Sessions against the request budgets and PUBLIC_URL (docs/ACCOUNTS.md, docs/LIMITS.md): a
 * session's requests draw on one per-account bucket, sign-in draws on the sign-up budget per
 * address, failed sign-ins per e-mail are limited, and an https PUBLIC_URL makes the cookie
 * Secure and names the only Origin a cookie-authenticated write may come from.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { api, hex32 } from '../support/registration.js';
import { startTestService, type TestService } from '../support/service.js';

const PASSWORD = 'correct horse battery';
const running: TestService[] = [];
async function service(env: Record<string, string> = {}, defaultLimits = false): Promise<TestService> {
  const svc = await startTestService(env, { defaultLimits });
  running.push(svc);
  return svc;
}
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

const email = () => `l-${randomBytes(6).toString('hex')}@example.com`;

async function signUp(url: string): Promise<string> {
  const address = email();
  const r = await api(url, 'POST', '/v1/accounts', { body: { name: 'Limited', email: address, kind: 'individual', password: PASSWORD } });
  expect(r.status, r.text).toBe(201);
  return address;
}

async function signIn(url: string, address: string): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const r = await api(url, 'POST', '/v1/session', { body: { email: address, password: PASSWORD } });
  expect(r.status, r.text).toBe(200);
  const setCookie = r.headers.get('set-cookie')!;
  return { cookie: /^((?:__Host-)?cl_session=[^;]+)/.exec(setCookie)![1]!, csrf: r.body.csrfToken, setCookie };
}

const deposit = (url: string, s: { cookie: string; csrf: string }) =>
  api(url, 'POST', '/v1/deposits', { headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, body: { sha256: hex32() } });

describe('budgets', () => {
  it("all sessions of one account share the account's bucket; another account's session is served", async () => {
    const svc = await service({ RATE_WRITE_PER_KEY: '3/1m', RATE_WRITE_PER_IP: '100/1m' }, true);
    const alice = await signUp(svc.url);
    const one = await signIn(svc.url, alice);
    const two = await signIn(svc.url, alice);
    expect((await deposit(svc.url, one)).status).toBe(201);
    expect((await deposit(svc.url, two)).status).toBe(201);
    expect((await deposit(svc.url, one)).status).toBe(201);
    const refused = await deposit(svc.url, two);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'rate_limited', policy: 'write-key' });
    expect(refused.body.detail).toContain('this account');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const bob = await signIn(svc.url, await signUp(svc.url));
    expect((await deposit(svc.url, bob)).status).toBe(201);
  }, 60_000);

  it('sign-in has its own budget: sign-ins do not use up sign-up, and over the sign-in budget answer signin-ip', async () => {
    const svc = await service({ RATE_SIGNUP_PER_IP: '2/1h', RATE_SIGNIN_PER_IP: '4/1h' }, true);
    const address = await signUp(svc.url);
    for (let i = 0; i < 4; i++) await signIn(svc.url, address);
    const refused = await api(svc.url, 'POST', '/v1/session', { body: { email: address, password: PASSWORD } });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'rate_limited', policy: 'signin-ip' });
    // The sign-ins left sign-up's bucket as it was: one more sign-up is served.
    await signUp(svc.url);
  }, 60_000);

  it('10 failed sign-ins for one e-mail within 15 minutes: then 429 with Retry-After, even with the right password; other e-mails are served', async () => {
    const svc = await service();
    const address = await signUp(svc.url);
    for (let i = 0; i < 10; i++) {
      const r = await api(svc.url, 'POST', '/v1/session', { body: { email: address, password: `wrong password ${i}` } });
      expect(r.status).toBe(401);
    }
    const limited = await api(svc.url, 'POST', '/v1/session', { body: { email: address, password: PASSWORD } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(limited.body.code).toBe('rate_limited');
    const retry = Number(limited.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(900);
    expect(limited.headers.get('set-cookie')).toBeNull();
    await signIn(svc.url, await signUp(svc.url));
  }, 120_000);
});

describe('PUBLIC_URL over https', () => {
  it('makes the cookie Secure and accepts cookie writes only from its own origin', async () => {
    const svc = await service({ PUBLIC_URL: 'https://ledger.example.org/base' });
    const s = await signIn(svc.url, await signUp(svc.url));
    expect(s.setCookie).toMatch(/^__Host-cl_session=[A-Za-z0-9_-]{43}; Path=\/;/);
    expect(s.setCookie).toMatch(/; Secure/);
    expect(s.setCookie).not.toMatch(/Domain=/i);
    // A plain cl_session cookie (one a sibling subdomain could toss) is not read.
    const tossed = await api(svc.url, 'GET', '/v1/session', { headers: { cookie: s.cookie.replace(/^__Host-/, '') } });
    expect(tossed.status).toBe(401);
    expect(s.setCookie).toContain('HttpOnly');
    const own = await api(svc.url, 'POST', '/v1/deposits', { headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'https://ledger.example.org' }, body: { sha256: hex32() } });
    expect(own.status).toBe(201);
    for (const origin of [svc.url, 'http://ledger.example.org', 'https://ledger.example.org:8443', 'https://evil.example']) {
      const r = await api(svc.url, 'POST', '/v1/deposits', { headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin }, body: { sha256: hex32() } });
      expect(r.status, origin).toBe(403);
      expect(r.body.code).toBe('csrf_failed');
    }
    const out = await api(svc.url, 'DELETE', '/v1/session', { headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^__Host-cl_session=;.*Secure.*Max-Age=0/);
  }, 60_000);
});
