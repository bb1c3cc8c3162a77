/**
 * API keys over HTTP (docs/ACCOUNTS.md): several keys per account, revocation effective on the
 * next request, admin key management and disabled accounts, no-store on secrets, and the
 * bootstrap ADMIN_API_KEY rotated by a restart of the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllServers, makeTempDir, removeAllTempDirs, startServer } from '../support/proc.js';
import { account, api, type Actor } from '../support/registration.js';
import { startTestService, type TestService } from '../support/service.js';

const ADMIN_API_KEY = 'admin-key-for-key-tests-0000';

let svc: TestService;
let url: string;

beforeAll(async () => {
  svc = await startTestService({ ADMIN_API_KEY });
  url = svc.url;
});

afterAll(async () => {
  await svc?.stop();
});

const me = (key: string) => api(url, 'GET', '/v1/accounts/me', { key });

describe('keys of one account', () => {
  it('creates, lists and revokes keys; a revoked key (also the one in use) answers 401 on the very next request', async () => {
    const signup = await api(url, 'POST', '/v1/accounts', { body: { name: 'Key Holder', email: `k-${Date.now()}@example.com`, kind: 'individual' } });
    expect(signup.status).toBe(201);
    expect(signup.headers.get('cache-control')).toBe('no-store');
    const first: string = signup.body.apiKey;
    expect(signup.body.key).toMatchObject({ id: expect.stringMatching(/^key_/), prefix: first.slice(0, 12) });

    const created = await api(url, 'POST', '/v1/accounts/me/keys', { key: first, body: { label: 'CI runner' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const second: string = created.body.apiKey;
    expect(created.body.key).toMatchObject({ label: 'CI runner', prefix: second.slice(0, 12) });
    expect(second).not.toBe(first);
    // No body at all is fine too.
    expect((await api(url, 'POST', '/v1/accounts/me/keys', { key: second })).status).toBe(201);

    const list = await api(url, 'GET', '/v1/accounts/me/keys', { key: second });
    expect(list.status).toBe(200);
    expect(list.headers.get('cache-control')).toBe('no-store');
    expect(list.body.keys).toHaveLength(3);
    expect(list.body.keys.filter((k: { current: boolean }) => k.current).map((k: { id: string }) => k.id)).toEqual([created.body.key.id]);
    expect(list.text).not.toContain(first);
    expect(list.text).not.toContain(second);

    // Revoke the key this very request uses.
    expect((await api(url, 'DELETE', `/v1/accounts/me/keys/${created.body.key.id}`, { key: second })).status).toBe(204);
    const after = await me(second);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('unauthorized');
    expect((await me(first)).status).toBe(200);
    const again = await api(url, 'GET', '/v1/accounts/me/keys', { key: first });
    expect(again.body.keys.find((k: { id: string }) => k.id === created.body.key.id).revokedAt).toMatch(/Z$/);

    // Unknown and malformed key ids.
    expect((await api(url, 'DELETE', '/v1/accounts/me/keys/key_doesnotexist', { key: first })).status).toBe(404);
    const bad = await api(url, 'DELETE', '/v1/accounts/me/keys/nope', { key: first });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('keyId');
    const badLabel = await api(url, 'POST', '/v1/accounts/me/keys', { key: first, body: { label: 'evil\u202Etxt' } });
    expect(badLabel.status).toBe(400);
    expect(badLabel.body.field).toBe('label');
  });

  it('records when a key was last used, off the request path', async () => {
    const a = await account(url, ADMIN_API_KEY);
    expect((await me(a.key)).status).toBe(200);
    let lastUsedAt: string | undefined;
    for (let i = 0; i < 100 && lastUsedAt === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const keys = (await api(url, 'GET', `/v1/accounts/${a.id}/keys`, { key: ADMIN_API_KEY })).body.keys as { lastUsedAt?: string }[];
      lastUsedAt = keys[0]!.lastUsedAt;
    }
    expect(lastUsedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  }, 30_000);
});

describe('admin over any account', () => {
  let target: Actor;
  let other: Actor;
  beforeAll(async () => {
    target = await account(url, ADMIN_API_KEY, { name: 'Target' });
    other = await account(url, ADMIN_API_KEY, { name: 'Other' });
  });

  it("lists, creates and revokes another account's keys; nobody else may", async () => {
    for (const [method, path] of [
      ['GET', `/v1/accounts/${target.id}/keys`],
      ['POST', `/v1/accounts/${target.id}/keys`],
      ['DELETE', `/v1/accounts/${target.id}/keys/key_whatever`],
      ['POST', `/v1/accounts/${target.id}/disable`],
      ['POST', `/v1/accounts/${target.id}/enable`],
    ] as const) {
      const res = await api(url, method, path, { key: other.key });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.code).toBe('forbidden');
      expect((await api(url, method, path)).status, `${method} ${path} anonymous`).toBe(401);
    }
    const made = await api(url, 'POST', `/v1/accounts/${target.id}/keys`, { key: ADMIN_API_KEY, body: { label: 'issued by admin' } });
    expect(made.status).toBe(201);
    expect(made.headers.get('cache-control')).toBe('no-store');
    expect((await me(made.body.apiKey)).body.account.id).toBe(target.id);
    const listed = await api(url, 'GET', `/v1/accounts/${target.id}/keys`, { key: ADMIN_API_KEY });
    expect(listed.body.keys.map((k: { id: string }) => k.id)).toContain(made.body.key.id);
    expect((await api(url, 'DELETE', `/v1/accounts/${target.id}/keys/${made.body.key.id}`, { key: ADMIN_API_KEY })).status).toBe(204);
    expect((await me(made.body.apiKey)).status).toBe(401);
    expect((await me(target.key)).status).toBe(200);
    // A key id of another account is not found under this one.
    const otherKey = (await api(url, 'GET', '/v1/accounts/me/keys', { key: other.key })).body.keys[0].id;
    expect((await api(url, 'DELETE', `/v1/accounts/${target.id}/keys/${otherKey}`, { key: ADMIN_API_KEY })).status).toBe(404);
    expect((await api(url, 'GET', '/v1/accounts/acc_nobody/keys', { key: ADMIN_API_KEY })).status).toBe(404);
  });

  it('disables an account: each of its keys answers 403 until it is enabled again', async () => {
    const extra = (await api(url, 'POST', '/v1/accounts/me/keys', { key: target.key })).body.apiKey as string;
    const off = await api(url, 'POST', `/v1/accounts/${target.id}/disable`, { key: ADMIN_API_KEY });
    expect(off.status).toBe(200);
    expect(off.body.account.disabledAt).toMatch(/Z$/);
    for (const key of [target.key, extra]) {
      const res = await me(key);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
      expect((await api(url, 'POST', '/v1/deposits', { key, body: { sha256: 'ab'.repeat(32) } })).status).toBe(403);
    }
    const self = (await me(ADMIN_API_KEY)).body.account.id as string;
    expect((await api(url, 'POST', `/v1/accounts/${self}/disable`, { key: ADMIN_API_KEY })).status).toBe(409);
    const on = await api(url, 'POST', `/v1/accounts/${target.id}/enable`, { key: ADMIN_API_KEY });
    expect(on.status).toBe(200);
    expect(on.body.account.disabledAt).toBeUndefined();
    expect((await me(extra)).status).toBe(200);
  });

  it('documents every key route in /openapi.json', async () => {
    const paths = Object.keys((await api(url, 'GET', '/openapi.json')).body.paths);
    for (const p of ['/v1/accounts/me/keys', '/v1/accounts/me/keys/{keyId}', '/v1/accounts/{id}/keys', '/v1/accounts/{id}/keys/{keyId}', '/v1/accounts/{id}/disable', '/v1/accounts/{id}/enable']) {
      expect(paths).toContain(p);
    }
  });
});

describe('ADMIN_API_KEY rotation', () => {
  afterAll(async () => {
    await killAllServers();
    await removeAllTempDirs();
  });

  it('a restart with a new ADMIN_API_KEY revokes the old one; the new one answers for the same admin account', async () => {
    const data = await makeTempDir('cl-keys-');
    const OLD = 'old-admin-key-0123456789';
    const NEW = 'new-admin-key-9876543210';
    let server = await startServer({ dataDir: data.path, env: { ADMIN_API_KEY: OLD } });
    const first = await api(server.url, 'GET', '/v1/accounts/me', { key: OLD });
    expect(first.status).toBe(200);
    const adminId: string = first.body.account.id;
    expect(adminId.startsWith('acc_admin_')).toBe(false); // random, not derived from the secret
    await server.stop();

    server = await startServer({ dataDir: data.path, env: { ADMIN_API_KEY: NEW } });
    const old = await api(server.url, 'GET', '/v1/accounts/me', { key: OLD });
    expect(old.status).toBe(401);
    expect(old.body.code).toBe('unauthorized');
    const fresh = await api(server.url, 'GET', '/v1/accounts/me', { key: NEW });
    expect(fresh.status).toBe(200);
    expect(fresh.body.account).toMatchObject({ id: adminId, role: 'admin' });
    await server.stop();

    // Restarting with the same key changes nothing.
    server = await startServer({ dataDir: data.path, env: { ADMIN_API_KEY: NEW } });
    expect((await api(server.url, 'GET', '/v1/accounts/me', { key: NEW })).status).toBe(200);
    expect((await api(server.url, 'GET', '/v1/accounts/me', { key: OLD })).status).toBe(401);
    await server.stop();
  }, 120_000);
});
