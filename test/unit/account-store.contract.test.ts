/**
 * The AccountStore port (src/app/ports.ts: accounts and their API keys) on memory, LevelDB and
 * PostgreSQL, and the migration of keys stored by earlier LevelDB versions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { isLogError } from '../../src/core/errors.js';
import type { ApiKeyRecord, NewApiKey } from '../../src/app/ports.js';
import { stopSharedPgCluster } from '../support/pg.js';
import { h, opener, storeImpls } from '../support/store-impls.js';

afterAll(stopSharedPgCluster);

function keyRecord(account: string, id: string, createdAt = '2026-11-26T00:00:00.000Z', label?: string): ApiKeyRecord {
  return { id, account, prefix: 'clk_' + id, createdAt, ...(label !== undefined ? { label } : {}) };
}

function newKey(account: string, id: string, hashByte: number, createdAt?: string, label?: string): NewApiKey {
  return { record: keyRecord(account, id, createdAt, label), hash: h(hashByte) };
}

describe.each(storeImpls)('AccountStore contract on $name', (impl) => {
  const open = opener(impl);

  it('starts empty', async () => {
    const { store } = await open();
    expect(await store.countAccounts()).toBe(0);
    expect(await store.getAccount('acc_1')).toBeUndefined();
    expect(await store.getAccountByEmail('a@example.com')).toBeUndefined();
    expect(await store.listAccounts({ limit: 10 })).toEqual([]);
    expect(await store.listKeys('acc_1')).toEqual([]);
  });

  it('keeps accounts by id, key hash and e-mail (case-insensitive)', async () => {
    const { store } = await open();
    const account = { id: 'acc_1', name: 'N', email: 'Ann@Example.com', kind: 'individual', role: 'creator', createdAt: '2026-11-26T00:00:00.000Z' } as const;
    await store.putAccount(account, newKey('acc_1', 'key_1', 5));
    expect(await store.getAccount('acc_1')).toEqual(account);
    expect(await store.findKey(h(5))).toEqual({ account, key: keyRecord('acc_1', 'key_1') });
    expect(await store.findKey(h(6))).toBeUndefined();
    expect(await store.getAccountByEmail('ann@example.com')).toEqual(account);
    expect(await store.countAccounts()).toBe(1);
  });

  it('keeps several keys per account; a revoked key is never found again', async () => {
    const { store } = await open();
    const account = { id: 'acc_1', name: 'N', email: 'a@example.com', kind: 'individual', role: 'creator', createdAt: '2026-11-26T00:00:00.000Z' } as const;
    await store.putAccount(account, newKey('acc_1', 'key_a', 5, '2026-11-26T00:00:00.000Z'));
    await store.addKey(newKey('acc_1', 'key_b', 6, '2026-11-26T00:00:01.000Z', 'CI'));
    await expect(store.addKey(newKey('acc_nobody', 'key_c', 7))).rejects.toSatisfy((e: unknown) => isLogError(e, 'not_found'));
    expect(await store.findKey(h(7))).toBeUndefined();
    expect((await store.listKeys('acc_1')).map((k) => k.id)).toEqual(['key_a', 'key_b']);
    expect((await store.findKey(h(6)))?.key).toEqual(keyRecord('acc_1', 'key_b', '2026-11-26T00:00:01.000Z', 'CI'));

    const revoked = await store.revokeKey('acc_1', 'key_a', '2026-11-26T00:01:00.000Z');
    expect(revoked).toEqual({ ...keyRecord('acc_1', 'key_a', '2026-11-26T00:00:00.000Z'), revokedAt: '2026-11-26T00:01:00.000Z' });
    expect(await store.findKey(h(5))).toBeUndefined();
    expect((await store.findKey(h(6)))?.account.id).toBe('acc_1');
    // Repeating keeps the first revocation time; an unknown key or account is undefined.
    expect((await store.revokeKey('acc_1', 'key_a', '2026-11-26T00:02:00.000Z'))?.revokedAt).toBe('2026-11-26T00:01:00.000Z');
    expect(await store.revokeKey('acc_1', 'key_zz', '2026-11-26T00:02:00.000Z')).toBeUndefined();
    expect(await store.revokeKey('acc_2', 'key_b', '2026-11-26T00:02:00.000Z')).toBeUndefined();
    expect((await store.listKeys('acc_1')).map((k) => [k.id, k.revokedAt])).toEqual([
      ['key_a', '2026-11-26T00:01:00.000Z'],
      ['key_b', undefined],
    ]);
    expect(await store.listKeys('acc_2')).toEqual([]);
  });

  it('raises lastUsedAt, never lowers it, and never undoes a revocation', async () => {
    const { store } = await open();
    const account = { id: 'acc_1', name: 'N', email: 'a@example.com', kind: 'individual', role: 'creator', createdAt: '2026-11-26T00:00:00.000Z' } as const;
    await store.putAccount(account, newKey('acc_1', 'key_a', 5));
    await store.addKey(newKey('acc_1', 'key_b', 6));
    await store.touchKeys([{ account: 'acc_1', id: 'key_a', at: '2026-11-26T01:00:00.000Z' }]);
    await store.touchKeys([{ account: 'acc_1', id: 'key_a', at: '2026-11-26T00:30:00.000Z' }, { account: 'acc_1', id: 'key_missing', at: '2026-11-26T01:00:00.000Z' }]);
    expect((await store.findKey(h(5)))?.key.lastUsedAt).toBe('2026-11-26T01:00:00.000Z');
    await Promise.all([
      store.touchKeys([{ account: 'acc_1', id: 'key_b', at: '2026-11-26T02:00:00.000Z' }]),
      store.revokeKey('acc_1', 'key_b', '2026-11-26T02:00:00.000Z'),
      store.touchKeys([{ account: 'acc_1', id: 'key_b', at: '2026-11-26T03:00:00.000Z' }]),
    ]);
    const b = (await store.listKeys('acc_1')).find((k) => k.id === 'key_b')!;
    expect(b.revokedAt).toBe('2026-11-26T02:00:00.000Z');
    expect(await store.findKey(h(6))).toBeUndefined();
  });

  it('lists accounts by id prefix, in id order, after a cursor', async () => {
    const { store } = await open();
    for (const [i, id] of ['acc_b', 'acc_admin_x', 'acc_a', 'acc_admin_y'].entries()) {
      await store.putAccount({ id, name: 'N', email: `${id}@example.com`, kind: 'individual', role: 'creator', createdAt: '2026-11-26T00:00:00.000Z' }, newKey(id, 'key_1', i + 1));
    }
    expect((await store.listAccounts({ limit: 10 })).map((a) => a.id)).toEqual(['acc_a', 'acc_admin_x', 'acc_admin_y', 'acc_b']);
    expect((await store.listAccounts({ prefix: 'acc_admin_', limit: 10 })).map((a) => a.id)).toEqual(['acc_admin_x', 'acc_admin_y']);
    expect((await store.listAccounts({ prefix: 'acc_admin_', after: 'acc_admin_x', limit: 10 })).map((a) => a.id)).toEqual(['acc_admin_y']);
    expect((await store.listAccounts({ after: 'acc_admin_y', limit: 1 })).map((a) => a.id)).toEqual(['acc_b']);
  });

  it('updates an account in place (role change) and refuses an unknown one', async () => {
    const { store } = await open();
    const account = { id: 'acc_1', name: 'N', email: 'a@example.com', kind: 'individual', role: 'creator', createdAt: '2026-11-26T00:00:00.000Z' } as const;
    await store.putAccount(account, newKey('acc_1', 'key_1', 5));
    await store.updateAccount({ ...account, role: 'reviewer', disabledAt: '2026-11-26T00:01:00.000Z' });
    expect((await store.findKey(h(5)))?.account).toMatchObject({ role: 'reviewer', disabledAt: '2026-11-26T00:01:00.000Z' });
    expect((await store.getAccountByEmail('a@example.com'))?.role).toBe('reviewer');
    await expect(store.updateAccount({ ...account, id: 'acc_2' })).rejects.toSatisfy((e: unknown) => isLogError(e, 'not_found'));
  });

  if (impl.name === 'level') {
    it('migrates the single key of an account stored by an earlier version: at open, and on read', async () => {
      const o = await open();
      let db = (o.store as LevelLogStore).db;
      const enc = (t: string) => new TextEncoder().encode(t);
      const cat = (a: number, b: Uint8Array) => Uint8Array.of(a, ...b);
      const legacy = (id: string, hashByte: number) => {
        const account = { id, name: 'Old', email: `${id}@example.com`, kind: 'individual', role: 'creator', createdAt: '2025-01-01T00:00:00.000Z' };
        return db.batch([
          { type: 'put', key: cat(0x61, enc(id)), value: enc(JSON.stringify(account)) },
          { type: 'put', key: cat(0x6b, h(hashByte)), value: enc(id) },
          { type: 'put', key: cat(0x6d, enc(account.email)), value: enc(id) },
        ]);
      };
      // A store as an earlier version left it: no key records and no migration marker.
      await legacy('acc_old', 5);
      await db.del(cat(0x4d, enc('keys-v2')));
      const store = await o.reopen!();
      db = (store as LevelLogStore).db;
      const keys = await store.listKeys('acc_old');
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ account: 'acc_old', createdAt: '2025-01-01T00:00:00.000Z' });
      expect(keys[0]!.id).toMatch(/^key_[A-Za-z0-9_-]{16}$/);
      expect(await store.findKey(h(5))).toMatchObject({ account: { id: 'acc_old' }, key: { id: keys[0]!.id } });
      await store.revokeKey('acc_old', keys[0]!.id, '2026-11-26T00:00:00.000Z');
      expect(await store.findKey(h(5))).toBeUndefined();

      // A legacy key the migration did not see is migrated when it is first read.
      await legacy('acc_old2', 6);
      const found = await (store as LevelLogStore).findKey(h(6));
      expect(found?.account.id).toBe('acc_old2');
      expect((await store.listKeys('acc_old2')).map((k) => k.id)).toEqual([found!.key.id]);
      const again = await o.reopen!();
      expect((await again.findKey(h(6)))?.key.id).toBe(found!.key.id);
    });
  }
});
