/** One contract suite for the SessionStore port, run against the LevelDB record space and the in-memory fake. */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { RecordSessionStore } from '../../src/adapters/level/sessions.js';
import { MemorySessionStore } from '../../src/adapters/memory/sessions.js';
import type { PasswordRecord, SessionStore } from '../../src/app/ports.js';
import { tempDir } from '../support/service.js';
import { PgLogStore } from '../../src/adapters/pg/store.js';
import { PgSessionStore } from '../../src/adapters/pg/sessions.js';
import { sharedPgDatabase, stopSharedPgCluster } from '../support/pg.js';

interface Opened {
  store: SessionStore;
  /** The same data after a restart (LevelDB only). */
  reopen?: () => Promise<SessionStore>;
  cleanup: () => Promise<void>;
}

const impls: { name: string; open: () => Promise<Opened> }[] = [
  { name: 'memory', open: async () => ({ store: new MemorySessionStore(), cleanup: async () => undefined }) },
  {
    name: 'level',
    open: async () => {
      const dir = await tempDir('cl-sessions-');
      const path = join(dir.path, 'db');
      let level = await LevelLogStore.open(path);
      return {
        store: new RecordSessionStore(level),
        reopen: async () => {
          await level.close();
          level = await LevelLogStore.open(path);
          return new RecordSessionStore(level);
        },
        cleanup: async () => {
          await level.close().catch(() => undefined);
          await dir.remove();
        },
      };
    },
  },
  // PostgreSQL: a throwaway cluster on loopback (test/support/pg.ts), a new database per test.
  {
    name: 'pg',
    open: async () => {
      const url = await sharedPgDatabase();
      let log = await PgLogStore.open(url);
      return {
        store: new PgSessionStore(log.pool),
        reopen: async () => {
          await log.close();
          log = await PgLogStore.open(url);
          return new PgSessionStore(log.pool);
        },
        cleanup: async () => {
          await log.close().catch(() => undefined);
        },
      };
    },
  },
];
afterAll(stopSharedPgCluster);

const pw = (salt: string): PasswordRecord => ({ algorithm: 'scrypt', N: 32768, r: 8, p: 1, salt, hash: 'h-' + salt, setAt: '2026-11-30T00:00:00.000Z' });

for (const impl of impls) {
  describe(`SessionStore contract: ${impl.name}`, () => {
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });
    const open = async () => {
      const o = await impl.open();
      cleanup = o.cleanup;
      return o;
    };

    it('stores, reads, updates and deletes a session by its hash', async () => {
      const { store } = await open();
      expect(await store.getSession('h1')).toBeUndefined();
      await store.putSession('h1', { account: 'acc_a', createdAt: 1000, lastSeenAt: 1000 });
      expect(await store.getSession('h1')).toEqual({ account: 'acc_a', createdAt: 1000, lastSeenAt: 1000 });
      await store.putSession('h1', { account: 'acc_a', createdAt: 1000, lastSeenAt: 5000 });
      expect((await store.getSession('h1'))?.lastSeenAt).toBe(5000);
      await store.deleteSession('h1');
      expect(await store.getSession('h1')).toBeUndefined();
      // Deleting an unknown session is fine.
      await store.deleteSession('h1');
      await store.deleteSession('never');
    });

    it("ends every session of one account but the one kept, and no other account's", async () => {
      const { store } = await open();
      for (const h of ['a1', 'a2', 'a3']) await store.putSession(h, { account: 'acc_a', createdAt: 1, lastSeenAt: 1 });
      // An account id that is a prefix of another must not share its sessions.
      await store.putSession('b1', { account: 'acc_ab', createdAt: 1, lastSeenAt: 1 });
      expect(await store.deleteAccountSessions('acc_a', 'a2')).toBe(2);
      expect(await store.getSession('a1')).toBeUndefined();
      expect(await store.getSession('a3')).toBeUndefined();
      expect(await store.getSession('a2')).toBeDefined();
      expect(await store.getSession('b1')).toBeDefined();
      expect(await store.deleteAccountSessions('acc_a')).toBe(1);
      expect(await store.getSession('a2')).toBeUndefined();
      expect(await store.deleteAccountSessions('acc_a')).toBe(0);
      // A session deleted one by one is gone from the account's sessions too.
      await store.putSession('c1', { account: 'acc_c', createdAt: 1, lastSeenAt: 1 });
      await store.deleteSession('c1');
      expect(await store.deleteAccountSessions('acc_c')).toBe(0);
    });

    it("lists one account's sessions with their hashes, in hash order, at most the limit", async () => {
      const { store } = await open();
      await store.putSession('k2', { account: 'acc_k', createdAt: 2, lastSeenAt: 2 });
      await store.putSession('k1', { account: 'acc_k', createdAt: 1, lastSeenAt: 1 });
      await store.putSession('k3', { account: 'acc_k', createdAt: 3, lastSeenAt: 3 });
      await store.putSession('x1', { account: 'acc_kx', createdAt: 1, lastSeenAt: 1 });
      expect(await store.listAccountSessions('acc_k', 10)).toEqual([
        { hash: 'k1', session: { account: 'acc_k', createdAt: 1, lastSeenAt: 1 } },
        { hash: 'k2', session: { account: 'acc_k', createdAt: 2, lastSeenAt: 2 } },
        { hash: 'k3', session: { account: 'acc_k', createdAt: 3, lastSeenAt: 3 } },
      ]);
      expect((await store.listAccountSessions('acc_k', 2)).map((e) => e.hash)).toEqual(['k1', 'k2']);
      await store.deleteSession('k2');
      expect((await store.listAccountSessions('acc_k', 10)).map((e) => e.hash)).toEqual(['k1', 'k3']);
      expect(await store.listAccountSessions('acc_none', 10)).toEqual([]);
    });

    it('ends many sessions of one account', async () => {
      const { store } = await open();
      for (let i = 0; i < 1_200; i++) await store.putSession(`m${i}`, { account: 'acc_many', createdAt: 1, lastSeenAt: 1 });
      expect(await store.deleteAccountSessions('acc_many', 'm7')).toBe(1_199);
      expect(await store.getSession('m7')).toBeDefined();
      expect(await store.getSession('m1199')).toBeUndefined();
    }, 60_000);

    it('stores and replaces passwords per account', async () => {
      const { store } = await open();
      expect(await store.getPassword('acc_a')).toBeUndefined();
      await store.setPassword('acc_a', pw('one'));
      await store.setPassword('acc_b', pw('two'));
      expect(await store.getPassword('acc_a')).toEqual(pw('one'));
      await store.setPassword('acc_a', pw('three'));
      expect(await store.getPassword('acc_a')).toEqual(pw('three'));
      expect(await store.getPassword('acc_b')).toEqual(pw('two'));
    });

    it.skipIf(impl.name === 'memory')('keeps sessions and passwords across a restart (durable stores)', async () => {
      const o = await open();
      await o.store.putSession('d1', { account: 'acc_d', createdAt: 1, lastSeenAt: 2 });
      await o.store.setPassword('acc_d', pw('d'));
      const again = await o.reopen!();
      expect(await again.getSession('d1')).toEqual({ account: 'acc_d', createdAt: 1, lastSeenAt: 2 });
      expect(await again.getPassword('acc_d')).toEqual(pw('d'));
      expect(await again.deleteAccountSessions('acc_d')).toBe(1);
    });
  });
}
