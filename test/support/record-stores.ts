/**
 * The three stores that implement RecordStore (LevelDB, in memory, PostgreSQL), for the contract
 * suites of the concern stores in src/adapters/records/: `describe.each(recordStores)` and, at
 * the top of the file, `afterAll(stopSharedPgCluster)`. `reopen` (LevelDB, PostgreSQL) closes
 * the store and opens it again on the same data.
 */
import { join } from 'node:path';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { MemoryLogStore } from '../../src/adapters/memory/store.js';
import { PgLogStore } from '../../src/adapters/pg/store.js';
import type { LedgerStore } from '../../src/app/ports.js';
import { sharedPgDatabase } from './pg.js';
import { tempDir } from './service.js';

export interface OpenedRecordStore {
  store: LedgerStore;
  reopen?: () => Promise<LedgerStore>;
  cleanup(): Promise<void>;
}

export const recordStores: { name: string; /** `reopen` is given (the data outlives the store object). */ persistent: boolean; open(): Promise<OpenedRecordStore> }[] = [
  { name: 'memory', persistent: false, open: async () => ({ store: new MemoryLogStore(), cleanup: async () => undefined }) },
  {
    name: 'level',
    persistent: true,
    open: async () => {
      const dir = await tempDir('cl-records-');
      const path = join(dir.path, 'ledger');
      let store = await LevelLogStore.open(path);
      return {
        store,
        reopen: async () => {
          await store.close();
          store = await LevelLogStore.open(path);
          return store;
        },
        cleanup: async () => {
          await store.close();
          await dir.remove();
        },
      };
    },
  },
  {
    name: 'pg',
    persistent: true,
    open: async () => {
      const url = await sharedPgDatabase();
      let store = await PgLogStore.open(url);
      return {
        store,
        reopen: async () => {
          await store.close();
          store = await PgLogStore.open(url);
          return store;
        },
        cleanup: async () => {
          await store.close();
        },
      };
    },
  },
];
