/** One contract suite for the FingerprintStore port, run against the LevelDB record space and the in-memory fake. */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { RecordFingerprintStore } from '../../src/adapters/level/fingerprints.js';
import { MemoryFingerprintStore } from '../../src/adapters/memory/fingerprints.js';
import type { FingerprintRecord, FingerprintStore } from '../../src/app/fingerprints.js';
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

    it('keeps records across a restart (durable stores)', async () => {
      opened = await impl.open();
      if (!opened.reopen) return;
      await opened.store.put(image(4));
      const again = await opened.reopen();
      expect(await again.get(image(4).depositId)).toEqual(image(4));
    });
  });
}
