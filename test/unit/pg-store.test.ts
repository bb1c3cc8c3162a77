/**
 * What the PostgreSQL store adds beyond the store port contracts (*-store.contract.test.ts): schema
 * migrations safe under concurrent starts, the tile layout (inner nodes derived from tiles match
 * the ones the tree emitted, across tile levels 0–2), the commit fence, and durability across a
 * reconnect. Runs on a throwaway loopback cluster (test/support/pg.ts).
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { MemoryLogStore } from '../../src/adapters/memory/store.js';
import { MIGRATIONS, migrate } from '../../src/adapters/pg/migrations.js';
import { createPool } from '../../src/adapters/pg/db.js';
import { PgLogStore } from '../../src/adapters/pg/store.js';
import { toHex } from '../../src/core/bytes.js';
import { isLogError } from '../../src/core/errors.js';
import { CompactRange, type NodeId } from '../../src/core/merkle.js';
import type { CommitBatch, LedgerStore } from '../../src/app/ports.js';
import { usePgCluster } from '../support/pg.js';
import { grow, hasher } from '../support/tree-batch.js';


describe('PostgreSQL store', () => {
  const cluster = usePgCluster();

  it('applies the migrations once when several processes start at once, and refuses a newer schema', async () => {
    const url = await cluster.database();
    const pools = Array.from({ length: 4 }, () => createPool(url, { max: 2 }));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p)));
      expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version).sort());
      const { rows } = await pools[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      // A second start applies nothing.
      expect(await migrate(pools[1]!)).toEqual([]);
      // A schema from a newer version of the code: refused, not downgraded.
      await pools[0]!.query("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')");
      await expect(PgLogStore.open(url)).rejects.toSatisfy((e: unknown) => isLogError(e, 'corrupt_store') && /9999/.test((e as Error).message));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('keeps the tree as tiles: every node, tile and entry bundle equals what the tree emitted', async () => {
    const store = await PgLogStore.open(await cluster.database());
    const reference = new MemoryLogStore();
    try {
      const range = new CompactRange(hasher);
      const both = async (b: CommitBatch) => {
        await store.commit(b);
        await reference.commit(b);
      };
      const genesis = grow(range, 0n, 0);
      await both(genesis);
      // Uneven batches, crossing bundle and tile boundaries, up to past the first level-2 tile node (65,536 leaves).
      const sizes = [1, 2, 253, 1, 300, 9_000, 10_000, 10_000, 10_000, 10_000, 10_000, 6_100, 13];
      let height = 1n;
      for (const n of sizes) await both(grow(range, height++, n));
      const size = range.size;
      expect(size).toBe(65_670n);
      expect((await store.loadHead())?.rootHash).toEqual(range.root());

      // Every perfect node of levels 4 and up, and a spread of the lower ones.
      const ids: NodeId[] = [];
      for (let level = 0; level <= 16; level++) {
        const count = size >> BigInt(level);
        const step = level >= 4 ? 1n : 97n;
        for (let i = 0n; i < count; i += step) ids.push({ level, index: i });
        if (count > 0n) ids.push({ level, index: count - 1n });
      }
      const got = await store.getNodes(ids);
      const want = await reference.getNodes(ids);
      expect(got.map(toHex)).toEqual(want.map(toHex));
      // Again, now with the full tiles from the store's cache.
      expect((await store.getNodes(ids)).map(toHex)).toEqual(want.map(toHex));
      // Past the tree: missing.
      await expect(store.getNodes([{ level: 3, index: size >> 3n }])).rejects.toSatisfy((e: unknown) => isLogError(e, 'corrupt_store'));
      await expect(store.getNodes([{ level: 17, index: 0n }])).rejects.toSatisfy((e: unknown) => isLogError(e, 'corrupt_store'));

      for (const [level, index] of [[0, 0n], [0, 3n], [0, 256n], [0, 257n], [1, 0n], [1, 1n], [2, 0n], [2, 1n], [3, 0n]] as const) {
        const a = await store.getTile(level, index);
        const b = await reference.getTile(level, index);
        expect(a === undefined ? undefined : toHex(a), `tile ${level}/${index}`).toBe(b === undefined ? undefined : toHex(b));
      }
      expect((await store.getTile(0, 256n))!.length).toBe((65_670 - 65_536) * 32);
      expect((await store.getTile(2, 0n))!.length).toBe(32);
      for (const index of [0n, 1n, 255n, 256n, 257n]) {
        const a = await store.getEntryBundle(index);
        const b = await reference.getEntryBundle(index);
        expect(a === undefined ? undefined : toHex(a), `bundle ${index}`).toBe(b === undefined ? undefined : toHex(b));
      }
      const span = await store.getEntries(250n, 600);
      expect(span.map((e) => new TextDecoder().decode(e))).toEqual((await reference.getEntries(250n, 600)).map((e) => new TextDecoder().decode(e)));
      // Cached full bundles, then the partial last one from the database.
      const tail = await store.getEntries(65_000n, 1_000);
      expect(tail.map(toHex)).toEqual((await reference.getEntries(65_000n, 1_000)).map(toHex));
      expect((await store.getEntries(65_000n, 1_000)).map(toHex)).toEqual(tail.map(toHex));
      expect(await store.getEntries(size - 2n, 10)).toHaveLength(2);
      expect(new TextDecoder().decode(await store.getEntry(65_600n))).toBe('entry 65600' + '.'.repeat(65_600 % 7));
      expect(await store.getEntry(size)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('refuses a commit that does not follow the stored head, and writes nothing of it', async () => {
    const store = await PgLogStore.open(await cluster.database());
    try {
      const range = new CompactRange(hasher);
      await store.commit(grow(range, 0n, 0));
      const one = grow(range, 1n, 3);
      await store.commit(one);
      // The same batch again (a second writer, or a retry of a committed batch).
      await expect(store.commit(one)).rejects.toSatisfy((e: unknown) => isLogError(e, 'conflict'));
      // A height that skips one.
      const skip = grow(range.clone(), 3n, 1);
      await expect(store.commit(skip)).rejects.toSatisfy((e: unknown) => isLogError(e, 'conflict'));
      // Entries that do not start at the stored size.
      const gap = grow(new CompactRange(hasher, 0n, []), 2n, 2);
      await expect(store.commit({ ...gap, records: [{ space: 'x', key: 'k', value: 'v' }] })).rejects.toSatisfy((e: unknown) => isLogError(e, 'conflict'));
      expect(await store.getRecord('x', 'k')).toBeUndefined();
      expect((await store.loadHead())?.height).toBe(1n);
      expect(await store.getBlock(2n)).toBeUndefined();
      // The right next batch still commits.
      await store.commit(grow(range, 2n, 2));
      expect((await store.loadHead())?.treeSize).toBe(5n);
      // A bundle or a tile that does not end where the head says (a damaged store): refused, nothing written.
      const next = grow(range.clone(), 3n, 1);
      await store.pool.query("UPDATE bundles SET entries = entries + 1, data = data || '\\x0000'::bytea WHERE idx = 0");
      await expect(store.commit(next)).rejects.toSatisfy((e: unknown) => isLogError(e, 'conflict') && /bundle/.test((e as Error).message));
      await store.pool.query("UPDATE bundles SET entries = entries - 1, data = substring(data from 1 for length(data) - 2) WHERE idx = 0");
      await store.pool.query("UPDATE tiles SET data = data || decode(repeat('00', 32), 'hex') WHERE level = 0 AND idx = 0");
      await expect(store.commit(next)).rejects.toSatisfy((e: unknown) => isLogError(e, 'conflict') && /tile/.test((e as Error).message));
      expect((await store.loadHead())?.treeSize).toBe(5n);
      expect(await store.getEntries(0n, 10)).toHaveLength(5);
    } finally {
      await store.close();
    }
  });

  it('a commit whose answer is lost resolves when the batch is stored, and rejects when it is not', async () => {
    const url = await cluster.database();
    const pool = createPool(url);
    // A pool whose connections lose the answer to COMMIT: after it reached the server (`after`), or instead of sending it (`before`).
    let lose: 'after' | 'before' | undefined;
    const connect = pool.connect.bind(pool) as (cb?: unknown) => Promise<pg.PoolClient>;
    // Transactions take a client with connect(); pool.query passes a callback and stays as it is.
    (pool as unknown as { connect: (cb?: unknown) => unknown }).connect = (cb?: unknown) => (cb === undefined ? patched() : connect(cb));
    const patched = async () => {
      const client = await connect();
      const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
      (client as unknown as { query: (...a: unknown[]) => Promise<unknown> }).query = async (...a: unknown[]) => {
        if (a[0] === 'COMMIT' && lose !== undefined) {
          const when = lose;
          lose = undefined;
          if (when === 'after') await query(...a);
          else await query('ROLLBACK');
          throw new Error('Connection terminated unexpectedly');
        }
        return query(...a);
      };
      return client;
    };
    const store = await PgLogStore.open(url, { pool });
    try {
      const range = new CompactRange(hasher);
      await store.commit(grow(range, 0n, 0));
      lose = 'after';
      await store.commit(grow(range, 1n, 3));
      expect((await store.loadHead())?.treeSize).toBe(3n);
      lose = 'before';
      const lost = grow(range.clone(), 2n, 2);
      await expect(store.commit(lost)).rejects.toThrow(/Connection terminated/);
      expect((await store.loadHead())?.treeSize).toBe(3n);
      await store.commit(lost);
      expect((await store.loadHead())?.treeSize).toBe(5n);
    } finally {
      await store.close();
      await pool.end();
    }
  });

  it('commits synchronously even where the server default says otherwise', async () => {
    const url = await cluster.database();
    const name = new URL(url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
    await admin.end();
    const notes: string[] = [];
    const store = await PgLogStore.open(url, { log: (m) => notes.push(m) });
    try {
      const { rows } = await store.pool.query<{ sc: string }>("SELECT current_setting('synchronous_commit') AS sc");
      expect(rows[0]?.sc).toBe('on');
      expect(notes.join('\n')).toMatch(/synchronous_commit is off/);
    } finally {
      await store.close();
    }
  });

  it('keeps everything across a reconnect, and another connection sees a commit once it resolved', async () => {
    const url = await cluster.database();
    const store: LedgerStore = await PgLogStore.open(url);
    const range = new CompactRange(hasher);
    await store.commit(grow(range, 0n, 0));
    await store.commit({ ...grow(range, 1n, 300), records: [{ space: 'reg', key: 'k', value: 'v' }], counters: [{ name: 'c', delta: 7 }] });
    await store.putTimestamp(1n, Uint8Array.of(0x30, 0), 'tsa');
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const { rows } = await other.query<{ tree_size: string }>('SELECT tree_size FROM log_head');
      expect(rows[0]?.tree_size).toBe('300');
    } finally {
      await other.end();
    }
    await store.close();
    const again = await PgLogStore.open(url);
    try {
      expect((await again.loadHead())?.rootHash).toEqual(range.root());
      expect(new TextDecoder().decode(await again.getEntry(299n))).toBe('entry 299' + '.'.repeat(299 % 7));
      expect(await again.getRecord('reg', 'k')).toBe('v');
      expect(await again.getCounter('c')).toBe(7);
      expect(await again.getTimestamp(1n)).toEqual({ der: Uint8Array.of(0x30, 0), tsa: 'tsa' });
    } finally {
      await again.close();
    }
  });
});
