/**
 * The store implementations every per-port contract suite runs against (memory, LevelDB,
 * PostgreSQL: a throwaway cluster, a new database per test), and the commit batches they share.
 * A suite file does `afterAll(stopSharedPgCluster)` and `describe.each(storeImpls)(…, (impl) => {
 * const open = opener(impl); … })`.
 */
import { afterEach } from 'vitest';
import { join } from 'node:path';
import { LevelLogStore } from '../../src/adapters/level/store.js';
import { MemoryLogStore } from '../../src/adapters/memory/store.js';
import { PgLogStore } from '../../src/adapters/pg/store.js';
import { toHex } from '../../src/core/bytes.js';
import { CompactRange, TreeHasher } from '../../src/core/merkle.js';
import { nodeSha256 } from '../../src/adapters/crypto/node.js';
import type { CommitBatch, LedgerStore } from '../../src/app/ports.js';
import { sharedPgDatabase } from './pg.js';
import { tempDir } from './service.js';

export interface OpenedStore {
  store: LedgerStore;
  /** Closes and opens the same store again (level and pg; memory has no reopen). */
  reopen?: () => Promise<LedgerStore>;
  cleanup: () => Promise<void>;
}

export interface StoreImpl {
  name: 'memory' | 'level' | 'pg';
  /** The data outlives the store object: `reopen` is given. */
  persistent: boolean;
  open: () => Promise<OpenedStore>;
}

export const storeImpls: StoreImpl[] = [
  { name: 'memory', persistent: false, open: async () => ({ store: new MemoryLogStore(), cleanup: async () => undefined }) },
  {
    name: 'level',
    persistent: true,
    open: async () => {
      const dir = await tempDir('cl-store-');
      const path = join(dir.path, 'db');
      let store: LedgerStore = await LevelLogStore.open(path);
      return {
        get store() {
          return store;
        },
        reopen: async () => {
          await store.close();
          store = await LevelLogStore.open(path);
          return store;
        },
        cleanup: async () => {
          await store.close().catch(() => undefined);
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
      let store: LedgerStore = await PgLogStore.open(url);
      return {
        get store() {
          return store;
        },
        reopen: async () => {
          await store.close();
          store = await PgLogStore.open(url);
          return store;
        },
        cleanup: async () => {
          await store.close().catch(() => undefined);
        },
      };
    },
  },
];

/** `open()` for the tests of one describe: each store opened is cleaned up after its test. */
export function opener(impl: StoreImpl): () => Promise<OpenedStore> {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
  return async () => {
    const o = await impl.open();
    cleanup = o.cleanup;
    return o;
  };
}

/** 32 bytes of `b`. */
export const h = (b: number) => new Uint8Array(32).fill(b);

/** A batch of `n` entries from `start` for block `height` (placeholder hashes: no tree checks). */
export function batch(height: bigint, start: bigint, n: number, extra: Partial<CommitBatch> = {}): CommitBatch {
  const entries = Array.from({ length: n }, (_, i) => ({ index: start + BigInt(i), bytes: new TextEncoder().encode(`entry ${start + BigInt(i)}`) }));
  const size = start + BigInt(n);
  return {
    entries,
    nodes: entries.map((e) => ({ id: { level: 0, index: e.index }, hash: h(Number(e.index % 200n) + 1) })),
    block: { height, treeSize: size, rootHash: h(250), prevHash: h(251), time: '2026-11-26T00:00:00.000Z', checkpoint: `cp ${height}\n` },
    head: { treeSize: size, compact: [h(7)], rootHash: h(250), height, blockHash: h(9), time: '2026-11-26T00:00:00.000Z' },
    deposits: [],
    claims: [],
    ...extra,
  };
}

/**
 * A log with real hashes: `commitN(n)` commits n more entries with every perfect node the batch
 * completes (from the core's CompactRange, as the Ledger makes them); `nodes` keeps them all.
 */
export function realLog(store: LedgerStore) {
  const hasher = new TreeHasher(nodeSha256);
  const range = new CompactRange(hasher);
  const nodes = new Map<string, Uint8Array>();
  const entries: Uint8Array[] = [];
  let height = 0n;
  return {
    store,
    nodes,
    entries,
    node: (level: number, index: bigint) => nodes.get(`${level}/${index}`),
    async commitN(this: { store: LedgerStore }, n: number) {
      const b = batch(height, range.size, 0);
      for (let i = 0; i < n; i++) {
        const bytes = new TextEncoder().encode(`real entry ${range.size} ${'x'.repeat(Number(range.size % 50n))}`);
        b.entries.push({ index: range.size, bytes });
        entries.push(bytes);
        range.append(hasher.hashLeaf(bytes), (id, hash) => {
          b.nodes.push({ id, hash });
          nodes.set(`${id.level}/${id.index}`, hash);
        });
      }
      b.block = { ...b.block, treeSize: range.size };
      b.head = { ...b.head, treeSize: range.size, compact: [...range.hashes], rootHash: range.root() };
      await this.store.commit(b);
      height++;
    },
  };
}

/** Hex of the concatenated parts. */
export const joined = (parts: (Uint8Array | undefined)[]) => toHex(Uint8Array.from(parts.flatMap((p) => [...p!])));

/** A concern store over a store's records (`log`), as `concernOpener` opens it. */
export interface OpenedConcern<T> {
  log: LedgerStore;
  store: T;
  /** Closes and opens the same store again, with the concern store over it (level and pg). */
  reopen?: () => Promise<{ log: LedgerStore; store: T }>;
}

/** `opener(impl)` with the concern store `make` builds over the opened store: for the suites of src/adapters/records/. */
export function concernOpener<T>(impl: StoreImpl, make: (log: LedgerStore) => T): () => Promise<OpenedConcern<T>> {
  const open = opener(impl);
  return async () => {
    const o = await open();
    const reopen = o.reopen;
    return {
      log: o.store,
      store: make(o.store),
      ...(reopen ? { reopen: async () => { const log = await reopen(); return { log, store: make(log) }; } } : {}),
    };
  };
}
