/**
 * The StoreDump / StoreLoad contract (src/app/migrate.ts) on the in-memory store, LevelDB and
 * PostgreSQL: what StoreLoad and the ports write, the dump lists back exactly (accounts with
 * every key and its hash, claims, records without the session spaces, counters, sessions,
 * passwords), keys loaded keep authenticating, and `nonEmpty` sees each kind. LevelDB also
 * lists a key stored by an earlier version (no key record) that a read-only open did not migrate.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { levelStoreDump, levelStoreLoad } from '../../src/adapters/level/dump.js';
import * as K from '../../src/adapters/level/keys.js';
import { RecordSessionStore } from '../../src/adapters/level/sessions.js';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { MemorySessionStore } from '../../src/adapters/memory/sessions.js';
import { MemoryLogStore } from '../../src/adapters/memory/store.js';
import { pgStoreDump, pgStoreLoad } from '../../src/adapters/pg/dump.js';
import { PgSessionStore } from '../../src/adapters/pg/sessions.js';
import { PgLogStore } from '../../src/adapters/pg/store.js';
import { nonEmpty, type MigrateSide } from '../../src/app/migrate.js';
import type { AccountRecord, NewApiKey, PasswordRecord } from '../../src/app/ports.js';
import { utf8 } from '../../src/core/bytes.js';
import { pgAvailable, sharedPgDatabase, stopSharedPgCluster } from '../support/pg.js';
import { tempDir } from '../support/service.js';

interface Opened extends MigrateSide {
  cleanup(): Promise<void>;
}

const impls: { name: string; skip?: boolean; open: () => Promise<Opened> }[] = [
  {
    name: 'memory',
    open: async () => {
      const store = new MemoryLogStore();
      const sessions = new MemorySessionStore();
      return { store, sessions, dump: { ...store.dump(), ...sessions.dump() }, load: store.load(), cleanup: async () => undefined };
    },
  },
  {
    name: 'level',
    open: async () => {
      const dir = await tempDir('cl-dump-');
      const store = await LevelLogStore.open(join(dir.path, 'db'));
      return {
        store,
        sessions: new RecordSessionStore(store),
        dump: levelStoreDump(store),
        load: levelStoreLoad(store),
        cleanup: async () => {
          await store.close().catch(() => undefined);
          await dir.remove();
        },
      };
    },
  },
  {
    name: 'pg',
    skip: !pgAvailable,
    open: async () => {
      const store = await PgLogStore.open(await sharedPgDatabase());
      return { store, sessions: new PgSessionStore(store.pool), dump: pgStoreDump(store.pool), load: pgStoreLoad(store.pool), cleanup: () => store.close() };
    },
  },
];
afterAll(stopSharedPgCluster);

const sha = (s: string) => new Uint8Array(createHash('sha256').update(s).digest());
const account = (id: string, email: string): AccountRecord => ({ id, name: id, email, kind: 'individual', role: 'creator', createdAt: '2026-11-30T00:00:00.000Z' });
const key = (acc: string, id: string, secret: string, extra: Partial<NewApiKey['record']> = {}): NewApiKey => ({
  record: { id, account: acc, prefix: secret.slice(0, 6), createdAt: `2026-11-30T00:00:0${id.length % 10}.000Z`, ...extra },
  hash: sha(secret),
});
const pw: PasswordRecord = { algorithm: 'scrypt', N: 16384, r: 8, p: 1, salt: 'c2FsdA', hash: 'aGFzaA', setAt: '2026-11-30T00:00:00.000Z' };

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe.each(impls)('StoreDump and StoreLoad on $name', ({ open, skip }) => {
  it.skipIf(skip === true)('lists back what was loaded; loaded keys authenticate; nonEmpty sees each kind', async () => {
    const o = await open();
    try {
      expect(await nonEmpty(o)).toBeUndefined();
      const a = account('acc_a', 'A@Example.com');
      const keys = [key('acc_a', 'key_1', 'secret-one'), key('acc_a', 'key_22', 'secret-two', { revokedAt: '2026-11-30T01:00:00.000Z', label: 'old', lastUsedAt: '2026-11-30T00:30:00.000Z' })];
      await o.load.putAccount(a, keys);
      expect(await nonEmpty(o)).toBe('it holds accounts');
      await o.load.putAccount(account('acc_b', 'b@example.com'), [key('acc_b', 'key_3', 'secret-three')]);
      await o.load.putClaims([
        { kind: 'idempotency', account: 'acc_a', key: 'idem 1', depositId: 'dep_1' },
        { kind: 'external', account: 'acc_b', key: 'ext/2', depositId: 'dep_2' },
      ]);
      await o.store.writeRecords([{ space: 'notes', key: 'k1', value: 'v1' }, { space: 'notes', key: 'k0', value: 'v0' }], [{ name: 'things', delta: 5 }, { name: 'zero', delta: 0 }]);
      await o.sessions.putSession('hash-1', { account: 'acc_a', createdAt: 1, lastSeenAt: 2 });
      await o.sessions.setPassword('acc_a', pw);

      const dumped = await all(o.dump.accounts());
      expect(dumped.map((d) => d.account)).toEqual([a, account('acc_b', 'b@example.com')]);
      const sortKeys = (ks: NewApiKey[]) => [...ks].sort((x, y) => (x.record.id < y.record.id ? -1 : 1)).map((k) => ({ record: k.record, hash: Buffer.from(k.hash).toString('hex') }));
      expect(sortKeys(dumped[0]!.keys)).toEqual(sortKeys(keys));
      expect((await o.store.findKey(sha('secret-one')))?.account.id).toBe('acc_a');
      expect(await o.store.findKey(sha('secret-two'))).toBeUndefined();
      expect((await o.store.findKey(sha('secret-two'), { includeRevoked: true }))?.key.revokedAt).toBe('2026-11-30T01:00:00.000Z');
      expect((await o.store.getAccountByEmail('a@example.com'))?.id).toBe('acc_a');
      expect(await o.store.getClaim('external', 'acc_b', 'ext/2')).toBe('dep_2');
      const claims = await all(o.dump.claims());
      expect(claims.sort((x, y) => (x.key < y.key ? -1 : 1))).toEqual([
        { kind: 'external', account: 'acc_b', key: 'ext/2', depositId: 'dep_2' },
        { kind: 'idempotency', account: 'acc_a', key: 'idem 1', depositId: 'dep_1' },
      ]);
      // Sessions and passwords are listed as such, never as records (the LevelDB session store keeps them in record spaces).
      expect(await all(o.dump.records())).toEqual([
        { space: 'notes', key: 'k0', value: 'v0' },
        { space: 'notes', key: 'k1', value: 'v1' },
      ]);
      expect((await all(o.dump.counters())).sort((x, y) => (x.name < y.name ? -1 : 1))).toEqual([
        { name: 'things', value: 5 },
        { name: 'zero', value: 0 },
      ]);
      expect(await all(o.dump.sessions())).toEqual([{ hash: 'hash-1', session: { account: 'acc_a', createdAt: 1, lastSeenAt: 2 } }]);
      expect(await all(o.dump.passwords())).toEqual([{ account: 'acc_a', password: pw }]);
    } finally {
      await o.cleanup();
    }
  });
});

describe('StoreDump on LevelDB', () => {
  it('lists a key an earlier version stored (no key record) that a read-only open left as it was', async () => {
    const dir = await tempDir('cl-dump-legacy-');
    const path = join(dir.path, 'db');
    try {
      const w = await LevelLogStore.open(path);
      await w.db.put(K.accountKey('acc_old'), utf8(JSON.stringify(account('acc_old', 'old@example.com'))));
      await w.db.put(K.apiKeyKey(sha('legacy-secret')), utf8('acc_old'));
      await w.close();
      const r = await LevelLogStore.open(path, { readOnly: true });
      try {
        const [only] = await all(levelStoreDump(r).accounts());
        expect(only!.account.id).toBe('acc_old');
        expect(only!.keys).toHaveLength(1);
        expect(Buffer.from(only!.keys[0]!.hash).toString('hex')).toBe(Buffer.from(sha('legacy-secret')).toString('hex'));
        expect(only!.keys[0]!.record).toMatchObject({ account: 'acc_old', createdAt: '2026-11-30T00:00:00.000Z' });
      } finally {
        await r.close();
      }
    } finally {
      await dir.remove();
    }
  });
});
