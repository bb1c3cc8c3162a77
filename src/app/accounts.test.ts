/** Accounts and keys over the in-memory store: revocation and the auth cache, last use, the bootstrap admin key. */
import { describe, expect, it } from 'vitest';
import { MemoryLogStore } from '../adapters/memory/store.js';
import { isLogError } from '../core/errors.js';
import { portableSha256 } from '../core/hash.js';
import { utf8 } from '../core/bytes.js';
import { Accounts, AUTH_CACHE_TTL_MS, LAST_USED_RESOLUTION_MS } from './accounts.js';
import { accountRecords } from '../adapters/records/core-records.js';

function setup(store = new MemoryLogStore()) {
  let now = Date.parse('2026-06-01T00:00:00.000Z');
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  return { store, clock, accounts: new Accounts(store, accountRecords(store), portableSha256, random, clock) };
}

const code = (c: string) => (e: unknown) => isLogError(e, c as never);

describe('Accounts', () => {
  it('refuses a key revoked here on the very next call; another process sharing the store refuses it once its cache entry expires', async () => {
    const { store, clock, accounts } = setup();
    const other = new Accounts(store, accountRecords(store), portableSha256, (n) => new Uint8Array(n).fill(7), clock);
    const { account, apiKey, key } = await accounts.create({ name: 'A', email: 'a@example.com', kind: 'individual' });
    expect((await accounts.authenticate(apiKey)).account.id).toBe(account.id);
    expect((await other.authenticate(apiKey)).key.id).toBe(key.id);
    await accounts.revokeKey(account.id, key.id);
    await expect(accounts.authenticate(apiKey)).rejects.toSatisfy(code('unauthorized'));
    clock.advance(AUTH_CACHE_TTL_MS);
    await expect(other.authenticate(apiKey)).rejects.toSatisfy(code('unauthorized'));
  });

  it('concurrent disable and role change of one account both stick', async () => {
    const { accounts } = setup();
    const admin = (await accounts.create({ name: 'Admin', email: 'adm@example.com', kind: 'individual', role: 'admin' })).account;
    const { account } = await accounts.create({ name: 'A', email: 'a@example.com', kind: 'individual' });
    await Promise.all([accounts.setDisabled(admin, account.id, true), accounts.setRole(account.id, 'reviewer')]);
    const stored = await accounts.get(account.id);
    expect(stored?.role).toBe('reviewer');
    expect(stored?.disabledAt).toBeDefined();
  });

  it('does not cache a key read that a revocation overtook: the next call is refused', async () => {
    const store = new MemoryLogStore();
    const { accounts } = setup(store);
    const { account, apiKey, key } = await accounts.create({ name: 'A', email: 'a@example.com', kind: 'individual' });
    // The first authentication's store read is held until the revocation has finished.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const findKey = store.findKey.bind(store);
    store.findKey = async (hash) => {
      const found = await findKey(hash);
      await gate;
      return found;
    };
    const inFlight = accounts.authenticate(apiKey);
    await accounts.revokeKey(account.id, key.id);
    release();
    expect((await inFlight).key.id).toBe(key.id); // read before the revocation: served once
    store.findKey = findKey;
    await expect(accounts.authenticate(apiKey)).rejects.toSatisfy(code('unauthorized'));
  });

  it('answers forbidden for every key of a disabled account, and serves them again once enabled', async () => {
    const { accounts } = setup();
    const admin = (await accounts.create({ name: 'Admin', email: 'adm@example.com', kind: 'individual', role: 'admin' })).account;
    const { account, apiKey } = await accounts.create({ name: 'A', email: 'a@example.com', kind: 'individual' });
    const second = await accounts.createKey(account.id, 'second');
    await accounts.authenticate(apiKey);
    await accounts.setDisabled(admin, account.id, true);
    await expect(accounts.authenticate(apiKey)).rejects.toSatisfy(code('forbidden'));
    await expect(accounts.authenticate(second.apiKey)).rejects.toSatisfy(code('forbidden'));
    await expect(accounts.setDisabled(admin, admin.id, true)).rejects.toSatisfy(code('conflict'));
    await accounts.setDisabled(admin, account.id, false);
    expect((await accounts.authenticate(second.apiKey)).key.label).toBe('second');
  });

  it('records last use off the request path, at most once per resolution period', async () => {
    const { store, clock, accounts } = setup();
    const { account, apiKey } = await accounts.create({ name: 'A', email: 'a@example.com', kind: 'individual' });
    const t0 = new Date(clock.now()).toISOString();
    await accounts.authenticate(apiKey);
    expect((await store.listKeys(account.id))[0]!.lastUsedAt).toBeUndefined(); // not written on the request path
    await accounts.flush();
    expect((await store.listKeys(account.id))[0]!.lastUsedAt).toBe(t0);
    clock.advance(1_000);
    await accounts.authenticate(apiKey);
    await accounts.flush();
    expect((await store.listKeys(account.id))[0]!.lastUsedAt).toBe(t0);
    clock.advance(LAST_USED_RESOLUTION_MS);
    await accounts.authenticate(apiKey);
    await accounts.flush();
    expect((await store.listKeys(account.id))[0]!.lastUsedAt).toBe(new Date(clock.now()).toISOString());
  });

  it('caps the unrevoked keys of an account', async () => {
    const { accounts } = setup();
    const { account } = await accounts.create({ name: 'A', email: 'a@example.com', kind: 'individual' });
    for (let i = 1; i < 20; i++) await accounts.createKey(account.id);
    await expect(accounts.createKey(account.id)).rejects.toSatisfy(code('conflict'));
    const [first] = await accounts.listKeys(account.id);
    await accounts.revokeKey(account.id, first!.id);
    await expect(accounts.createKey(account.id)).resolves.toBeDefined();
  });

  describe('the bootstrap admin key', () => {
    it('gets a random account id; a new secret goes to the same account and revokes the previous one', async () => {
      const { clock, accounts } = setup();
      const first = await accounts.seedAdmin('first-admin-secret-0000');
      expect(first.account.id).toMatch(/^acc_[A-Za-z0-9_-]{16}$/);
      expect(first.account.id.startsWith('acc_admin_')).toBe(false);
      expect((await accounts.seedAdmin('first-admin-secret-0000')).notes).toEqual([]);
      clock.advance(1_000);
      const second = await accounts.seedAdmin('second-admin-secret-000');
      expect(second.account.id).toBe(first.account.id);
      await expect(accounts.authenticate('first-admin-secret-0000')).rejects.toSatisfy(code('unauthorized'));
      expect((await accounts.authenticate('second-admin-secret-000')).account.role).toBe('admin');
      const keys = await accounts.listKeys(first.account.id);
      expect(keys.map((k) => [k.label, k.revokedAt !== undefined])).toEqual([
        ['ADMIN_API_KEY', true],
        ['ADMIN_API_KEY', false],
      ]);
      // Going back to the rotated-out secret (say, after it leaked) is refused, not revived.
      await expect(accounts.seedAdmin('first-admin-secret-0000')).rejects.toSatisfy(code('conflict'));
      await expect(accounts.authenticate('first-admin-secret-0000')).rejects.toSatisfy(code('unauthorized'));
    });

    it('revokes the keys of admins seeded by earlier versions, except the current secret, and warns about a derived id', async () => {
      const { store, accounts } = setup();
      const legacy = async (id: string, secret: string) => {
        await store.putAccount(
          { id, name: 'Administrator', email: `${id}@localhost`, kind: 'organisation', role: 'admin', createdAt: '2025-01-01T00:00:00.000Z' },
          { record: { id: `key_${id}`, account: id, createdAt: '2025-01-01T00:00:00.000Z' }, hash: portableSha256(utf8(secret)) },
        );
      };
      await legacy('acc_admin_old1', 'old-admin-secret-00001');
      await legacy('acc_admin_old2', 'old-admin-secret-00002');
      const seeded = await accounts.seedAdmin('old-admin-secret-00002');
      expect(seeded.account.id).toBe('acc_admin_old2');
      expect(seeded.notes.join('\n')).toMatch(/derived from ADMIN_API_KEY/);
      await expect(accounts.authenticate('old-admin-secret-00001')).rejects.toSatisfy(code('unauthorized'));
      expect((await accounts.authenticate('old-admin-secret-00002')).account.id).toBe('acc_admin_old2');
      // Rotating from there revokes it too.
      await accounts.seedAdmin('a-brand-new-admin-secret');
      await expect(accounts.authenticate('old-admin-secret-00002')).rejects.toSatisfy(code('unauthorized'));
    });

    it("refuses a secret that is already a non-admin account's key", async () => {
      const { accounts } = setup();
      const { apiKey } = await accounts.create({ name: 'A', email: 'a@example.com', kind: 'individual' });
      await expect(accounts.seedAdmin(apiKey)).rejects.toSatisfy(code('conflict'));
    });
  });
});
