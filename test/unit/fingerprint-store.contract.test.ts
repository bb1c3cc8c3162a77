/**
 * One contract suite for the FingerprintStore port, run against the record spaces of LevelDB and
 * PostgreSQL and the in-memory fake; then two Fingerprints indexes over two handles of one
 * PostgreSQL database, as two processes have them: what one stores, the other matches.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { RecordFingerprintStore } from '../../src/adapters/level/fingerprints.js';
import { MemoryFingerprintStore } from '../../src/adapters/memory/fingerprints.js';
import { Fingerprints, type Fingerprint, type FingerprintRecord, type FingerprintStore } from '../../src/app/fingerprints.js';
import { tempDir } from '../support/service.js';
import { PgLogStore } from '../../src/adapters/pg/store.js';
import { sharedPgDatabase, stopSharedPgCluster } from '../support/pg.js';

interface Opened {
  store: FingerprintStore;
  reopen?: () => Promise<FingerprintStore>;
  cleanup: () => Promise<void>;
}

const impls: { name: string; open: () => Promise<Opened> }[] = [
  { name: 'memory', open: async () => ({ store: new MemoryFingerprintStore(), cleanup: async () => undefined }) },
  {
    name: 'level',
    open: async () => {
      const dir = await tempDir('cl-fingerprints-');
      const path = join(dir.path, 'db');
      let level = await LevelLogStore.open(path);
      return {
        store: new RecordFingerprintStore(level),
        reopen: async () => {
          await level.close();
          level = await LevelLogStore.open(path);
          return new RecordFingerprintStore(level);
        },
        cleanup: async () => {
          await level.close().catch(() => undefined);
          await dir.remove();
        },
      };
    },
  },
  // PostgreSQL: the record store of PgLogStore, a new database per test (test/support/pg.ts).
  {
    name: 'pg',
    open: async () => {
      const url = await sharedPgDatabase();
      let log = await PgLogStore.open(url);
      return {
        store: new RecordFingerprintStore(log),
        reopen: async () => {
          await log.close();
          log = await PgLogStore.open(url);
          return new RecordFingerprintStore(log);
        },
        cleanup: async () => {
          await log.close().catch(() => undefined);
        },
      };
    },
  },
];
afterAll(stopSharedPgCluster);

const image = (n: number): FingerprintRecord => ({
  kind: 'image',
  phash: n.toString(16).padStart(16, '0'),
  dhash: 'ffffffffffffffff',
  depositId: `dep_${n.toString(16).padStart(20, '0')}`,
  account: 'acc_a',
  sha256: 'ab'.repeat(32),
  createdAt: '2026-11-30T00:00:00.000Z',
});

for (const impl of impls) {
  describe(`FingerprintStore contract: ${impl.name}`, () => {
    let opened: Opened | undefined;
    afterEach(async () => {
      await opened?.cleanup();
      opened = undefined;
    });

    it('returns what was put, and undefined for an unknown deposit', async () => {
      opened = await impl.open();
      const text: FingerprintRecord = { kind: 'text', minhash: '0'.repeat(1024), depositId: 'dep_00000000000000000009', account: 'acc_b', sha256: 'cd'.repeat(32), createdAt: '2026-11-30T00:00:00.000Z' };
      await opened.store.put(image(1));
      await opened.store.put(text);
      expect(await opened.store.get(image(1).depositId)).toEqual(image(1));
      expect(await opened.store.get(text.depositId)).toEqual(text);
      expect(await opened.store.get('dep_ffffffffffffffffffff')).toBeUndefined();
    });

    it('a second put replaces the first', async () => {
      opened = await impl.open();
      await opened.store.put(image(1));
      await opened.store.put({ ...image(1), account: 'acc_c' });
      expect(await opened.store.get(image(1).depositId)).toMatchObject({ account: 'acc_c', phash: (image(1) as { phash: string }).phash });
      expect(await opened.store.list({ limit: 10 })).toHaveLength(1);
    });

    it('lists every record once across pages, in deposit id order', async () => {
      opened = await impl.open();
      for (const n of [5, 3, 9, 1, 7, 2]) await opened.store.put(image(n));
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await opened.store.list({ ...(after ? { after } : {}), limit: 4 });
        seen.push(...page.map((r) => r.depositId));
        if (page.length < 4) break;
        after = page[page.length - 1]!.depositId;
      }
      expect(seen).toEqual([1, 2, 3, 5, 7, 9].map((n) => image(n).depositId));
    });

    it('pages the deposits added since a time, in (createdAt, deposit id) order, continued after a cursor', async () => {
      opened = await impl.open();
      const at = (n: number, t: string): FingerprintRecord => ({ ...image(n), createdAt: t });
      await opened.store.put(at(1, '2026-11-30T00:00:05.000Z'));
      await opened.store.put(at(2, '2026-11-30T00:00:01.000Z'));
      await opened.store.put(at(3, '2026-11-30T00:00:03.000Z'));
      await opened.store.put(at(4, '2026-11-30T00:00:03.000Z'));
      await opened.store.put(at(5, '2026-11-30T00:00:09.000Z'));
      const ids = (page: { depositId: string }[]) => page.map((a) => a.depositId);
      // `since` is inclusive.
      const first = await opened.store.added({ since: '2026-11-30T00:00:03.000Z', limit: 2 });
      expect(ids(first)).toEqual([image(3).depositId, image(4).depositId]);
      const rest = await opened.store.added({ since: '2026-11-30T00:00:03.000Z', after: first[1]!.cursor, limit: 10 });
      expect(ids(rest)).toEqual([image(1).depositId, image(5).depositId]);
      expect(await opened.store.added({ since: '2026-11-30T00:00:10.000Z', limit: 10 })).toEqual([]);
      expect(ids(await opened.store.added({ since: '2026-11-30T00:00:00.000Z', limit: 10 }))).toHaveLength(5);
    });

    it('keeps records across a restart (durable stores)', async () => {
      opened = await impl.open();
      if (!opened.reopen) return;
      await opened.store.put(image(4));
      const again = await opened.reopen();
      expect(await again.get(image(4).depositId)).toEqual(image(4));
    });
  });
}

describe('fingerprints with two processes on one PostgreSQL database', () => {
  it('a process matches a fingerprint another one stored after it started, at once and by its periodic refresh', async () => {
    const url = await sharedPgDatabase();
    const [a, b] = [await PgLogStore.open(url), await PgLogStore.open(url)];
    const clock = { now: () => Date.now() };
    const open = (store: PgLogStore, refreshMs?: number) =>
      new Fingerprints({ store: new RecordFingerprintStore(store), fingerprinter: async () => undefined, clock, maxQueue: 10, log: () => undefined, shared: true, ...(refreshMs !== undefined ? { refreshMs } : {}) });
    const fa = open(a);
    const fb = open(b, 100);
    try {
      await fa.init();
      expect(await fb.init()).toBe(0);
      const query: Fingerprint = { kind: 'image', phash: '00000000000000f0', dhash: 'ffffffffffffffff' };
      await fa.fingerprintNow({ depositId: 'dep_0000000000000000000a', account: 'acc_a', sha256: 'ab'.repeat(32) }, new Uint8Array([1]), query);
      // Before any refresh, B's in-memory index does not know it; a search through `find` reads it first.
      expect(fb.search(query)).toEqual([]);
      expect((await fb.find(query)).map((h) => h.depositId)).toEqual(['dep_0000000000000000000a']);
      // Its periodic refresh picks up the next without a search.
      await fa.fingerprintNow({ depositId: 'dep_0000000000000000000b', account: 'acc_a', sha256: 'cd'.repeat(32) }, new Uint8Array([2]), { kind: 'image', phash: '0f0f000000000000', dhash: 'ffffffffffffffff' });
      for (let i = 0; i < 200 && fb.size < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(fb.size).toBe(2);
      // A fingerprint stored by an earlier version (no `fingerprints-added` key) is loaded at start.
      await a.writeRecords([{ space: 'fingerprints', key: 'dep_0000000000000000000c', value: JSON.stringify({ ...image(12), depositId: 'dep_0000000000000000000c' }) }]);
      const fc = open(b);
      expect(await fc.init()).toBe(3);
      await fc.close();
    } finally {
      await fa.close();
      await fb.close();
      await a.close();
      await b.close();
    }
  }, 60_000);
});
