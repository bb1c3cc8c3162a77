/**
 * The PostgreSQL pieces of several processes on one database, on a throwaway loopback cluster:
 * a commit checks the sequencer lease inside its transaction, marks the handed-over requests it
 * commits (all of them still waiting, or nothing is written), and the shared locks serialize one
 * key across processes while other keys go on. The whole service is in e2e/pg-failover.test.ts.
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { CLAIM_BUCKETS, PgLocks } from '../../src/adapters/pg/locks.js';
import { KeyedMutex } from '../../src/app/mutex.js';
import { PgRunnerLease } from '../../src/adapters/pg/runner-lease.js';
import { PgSequencer } from '../../src/adapters/pg/sequencer.js';
import { PgLogStore, SEQUENCER_LOCK } from '../../src/adapters/pg/store.js';
import type { Ledger } from '../../src/app/log.js';
import { isLogError } from '../../src/core/errors.js';
import { CompactRange } from '../../src/core/merkle.js';
import { usePgCluster } from '../support/pg.js';
import { grow, hasher } from '../support/tree-batch.js';


describe('several processes on PostgreSQL', () => {
  const cluster = usePgCluster();

  it('commits only while the lease connection holds the sequencer lock, and marks the handed-over requests it commits', async () => {
    const url = await cluster.database();
    const store = await PgLogStore.open(url);
    const lease = new pg.Client({ connectionString: url });
    await lease.connect();
    try {
      const range = new CompactRange(hasher);
      const { rows } = await lease.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const pid = rows[0]!.pid;
      store.requireLease({ pid: () => pid });
      // The connection does not hold the lock yet: refused, nothing written.
      await expect(store.commit(grow(range, 0n, 0))).rejects.toSatisfy((e: unknown) => isLogError(e, 'overloaded'));
      expect(await store.loadHead()).toBeUndefined();
      await lease.query('SELECT pg_advisory_lock($1, $2)', [...SEQUENCER_LOCK]);
      const range2 = new CompactRange(hasher);
      await store.commit(grow(range2, 0n, 0));
      // Two requests handed over; one is withdrawn before the batch commits: the batch fails whole.
      const ids = (await store.pool.query<{ id: string }>("INSERT INTO handoff (owner, entries, items) VALUES ('a', 1, '[]'), ('b', 2, '[]') RETURNING id::text AS id")).rows.map((r) => r.id);
      await store.pool.query('DELETE FROM handoff WHERE id = $1', [ids[1]]);
      const saved = range2.clone();
      const b1 = grow(range2, 1n, 3);
      b1.handed = [
        { ref: ids[0]!, first: 0n, block: 1n },
        { ref: ids[1]!, first: 1n, block: 1n },
      ];
      await expect(store.commit(b1)).rejects.toSatisfy((e: unknown) => isLogError(e, 'conflict'));
      expect((await store.loadHead())!.height).toBe(0n);
      const b2 = grow(saved, 1n, 1);
      b2.handed = [{ ref: ids[0]!, first: 0n, block: 1n }];
      await store.commit(b2);
      const done = await store.pool.query<{ first_index: string; block: string }>('SELECT first_index, block FROM handoff WHERE id = $1', [ids[0]]);
      expect(done.rows[0]).toEqual({ first_index: '0', block: '1' });
      // The lease connection dies: the lock is gone with it, and so are this store's commits.
      await lease.end();
      await expect(store.commit(grow(saved, 2n, 1))).rejects.toSatisfy((e: unknown) => isLogError(e, 'overloaded'));
    } finally {
      await lease.end().catch(() => undefined);
      await store.close();
    }
  });

  it('shared locks serialize one key across processes and leave other keys free', async () => {
    const url = await cluster.database();
    const p1 = new PgLocks(url);
    const p2 = new PgLocks(url);
    try {
      // A read-modify-write under the lock from two "processes": no update is lost.
      let value = 0;
      let inside = 0;
      let most = 0;
      // Each "process" queues its own runs of a key first, as KeyedMutex does before the shared lock.
      const local = new Map([
        [p1, new KeyedMutex()],
        [p2, new KeyedMutex()],
      ]);
      const step = (locks: PgLocks) =>
        local.get(locks)!.run('2026/A', () => locks.run('regno', '2026/A', async () => {
          inside++;
          most = Math.max(most, inside);
          const read = value;
          await new Promise((r) => setTimeout(r, 2));
          value = read + 1;
          inside--;
        }));
      await Promise.all(Array.from({ length: 20 }, (_, i) => step(i % 2 === 0 ? p1 : p2)));
      expect(value).toBe(20);
      expect(most).toBe(1);
      // Another key, or the same key under another name, is not held up by a held lock.
      let release!: () => void;
      const held = p1.run('regno', '2026/B', () => new Promise<void>((r) => (release = r)));
      await new Promise((r) => setTimeout(r, 50));
      await p2.run('regno', '2026/C', async () => undefined);
      await p2.run('operations', '2026/B', async () => undefined);
      let got = false;
      const waiting = p2.run('regno', '2026/B', async () => {
        got = true;
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toBe(false);
      release();
      await held;
      await waiting;
      expect(got).toBe(true);
      // A process that goes away releases what it held.
      const orphan = p1.run('regno', '2026/D', () => new Promise<void>(() => undefined));
      void orphan;
      await new Promise((r) => setTimeout(r, 50));
      await p1.close();
      await p2.run('regno', '2026/D', async () => undefined);
    } finally {
      await p1.close();
      await p2.close();
    }
  });

  it('a follower withdraws a request no sequencer takes in time, and answers one the database lost, writing nothing either way', async () => {
    const url = await cluster.database();
    const store = await PgLogStore.open(url);
    // Another "process" holds the lease and never takes anything: requests wait in the table.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1, $2)', [...SEQUENCER_LOCK]);
    // A follower refreshes the head while it waits and is woken by notifications; nothing else of the ledger is used.
    const ledger = { refresh: async () => undefined, wake: () => undefined } as unknown as Ledger;
    const seq = new PgSequencer({ store, log: () => undefined, maxBatch: 10, retryMs: 50, forwardTimeoutMs: 400 });
    try {
      await seq.start(ledger);
      expect(seq.isSequencer()).toBe(false);
      // Withdrawn: the row is deleted while still waiting, so no sequencer can commit it later.
      const started = Date.now();
      await expect(seq.forward([], 'p1')).rejects.toSatisfy((e: unknown) => isLogError(e, 'overloaded'));
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect((await store.pool.query('SELECT id FROM handoff')).rowCount).toBe(0);
      // Lost: the row vanishes (a crash before its unflushed insert reached the disk): answered, not left waiting.
      const lost = seq.forward([], 'p1');
      const settled = lost.then(() => 'resolved', (e: unknown) => (isLogError(e, 'overloaded') ? 'overloaded' : String(e)));
      for (let i = 0; i < 100 && (await store.pool.query('SELECT id FROM handoff')).rowCount === 0; i++) await new Promise((r) => setTimeout(r, 10));
      await store.pool.query('DELETE FROM handoff');
      expect(await settled).toBe('overloaded');
    } finally {
      await seq.stop();
      await holder.end().catch(() => undefined);
      await store.close();
    }
  });

  it('claim locks of a 10,000-key batch take a bounded number of advisory locks, and the batch gets them while another process keeps taking single keys', async () => {
    const url = await cluster.database();
    const p1 = new PgLocks(url);
    const p2 = new PgLocks(url);
    const watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
    const advisory = async () => Number((await watcher.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_locks WHERE locktype = 'advisory'")).rows[0]!.n);
    try {
      const keys = Array.from({ length: 10_000 }, (_, i) => `external\u0000acc_1\u0000item-${i}`);
      const during = await p1.runAll('deposit-claim', keys, advisory);
      expect(during).toBeGreaterThan(0);
      expect(during).toBeLessThanOrEqual(CLAIM_BUCKETS);
      expect(await advisory()).toBe(0);
      // p2 keeps taking single keys (each briefly) from many buckets; p1's batch still gets every lock in time.
      let stop = false;
      let singles = 0;
      const churn = (async () => {
        for (let i = 0; !stop; i++) {
          await p2.runAll('deposit-claim', [`external\u0000acc_2\u0000k-${i % 500}`], async () => {
            singles++;
            await new Promise((r) => setTimeout(r, 2));
          });
        }
      })();
      let inside = false;
      await p1.runAll('deposit-claim', keys.slice(0, 2_000), async () => {
        inside = true;
      });
      stop = true;
      await churn;
      expect(inside).toBe(true);
      expect(singles).toBeGreaterThan(0);
    } finally {
      await watcher.end();
      await p1.close();
      await p2.close();
    }
  });

  it('a capture runner lease whose connection is cut takes its lock again at once, and other instances count it alive meanwhile', async () => {
    const url = await cluster.database();
    const a = await PgRunnerLease.open(url, 'run_a');
    const b = await PgRunnerLease.open(url, 'run_b', () => undefined, { graceMs: 60_000 });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const holders = async () => (await admin.query<{ pid: number }>("SELECT l.pid FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND s.application_name = 'copyright-ledger capture runner'")).rows.map((r) => r.pid);
    try {
      expect(await b.isAlive('run_a')).toBe(true);
      const before = await holders();
      expect(before).toHaveLength(2);
      // Cut a's connection: its lock goes with it, and a takes it again on a new connection.
      const aPid = (await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'copyright-ledger capture runner' ORDER BY backend_start LIMIT 1")).rows[0]!.pid;
      await admin.query('SELECT pg_terminate_backend($1)', [aPid]);
      let after: number[] = [];
      for (let i = 0; i < 100; i++) {
        after = await holders();
        if (after.length === 2 && !after.includes(aPid)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(after).toHaveLength(2);
      expect(after).not.toContain(aPid);
      expect(await b.isAlive('run_a')).toBe(true);
      // Once a closes, its lock is free; b still counts it alive for its grace period.
      await a.close();
      expect(await b.isAlive('run_a')).toBe(true);
    } finally {
      await admin.end();
      await a.close();
      await b.close();
    }
  });
});
