/**
 * Several service processes on one PostgreSQL database: exactly one sequences at a time.
 *
 * - The lease: a connection of its own holds the session-level advisory lock `SEQUENCER_LOCK`
 *   (`pg_try_advisory_lock`). Whoever holds it is the sequencer; the others try again every
 *   `retryMs`. A process that dies takes its connection, hence the lock, with it (server-side TCP
 *   keepalives on that connection drop a peer that vanished without closing it within about
 *   25 s), so another one takes over within about `retryMs`. The sequencer checks its lock every `retryMs` and gives up the role
 *   when the check fails; every commit also checks, in its own transaction, that the lock is
 *   still held by that connection (PgLogStore.requireLease), and the commit fence on the stored
 *   head stays the last guard: a stale sequencer's batch fails instead of forking the log.
 * - The handoff: a process that does not sequence writes each append request to the `handoff`
 *   table (one row, NOTIFY cl_handoff) and waits for its result, which the sequencer writes in the
 *   same transaction as the batch that commits it (NOTIFY cl_block at COMMIT); a poll every
 *   `retryMs` backs up lost notifications. A request not taken within `forwardTimeoutMs` is
 *   withdrawn (deleted while still waiting) and refused with 503, so nothing is left behind.
 * - Reads: every commit notifies cl_block; the other processes then read the stored head (and
 *   poll it every `retryMs`), so checkpoints and proofs they serve follow the log.
 */
import pg from 'pg';
import type { Handed, Handoff } from '../../app/handoff.js';
import type { Ledger, PendingEntry } from '../../app/log.js';
import { LogError } from '../../core/errors.js';
import { big, createPool, keepAliveClient, type Pool } from './db.js';
import { decodeHanded, encodeHanded } from './handoff-codec.js';
import { BLOCK_CHANNEL, SEQUENCER_LOCK, type PgLogStore } from './store.js';

/** The channel a process notifies when it hands a request over. */
export const HANDOFF_CHANNEL = 'cl_handoff';

export interface PgSequencerOptions {
  store: PgLogStore;
  log: (message: string) => void;
  /** Most entries one batch holds (MAX_BATCH_ENTRIES): a handed-over request above it is refused. */
  maxBatch: number;
  /** Called when this process becomes the sequencer (true) and when it stops being it (false). */
  onRole?: (sequencer: boolean) => void;
  /** How often a process tries to take the lease, checks it, and polls (default 1,000 ms). */
  retryMs?: number;
  /** Longest a handed-over request waits to be taken (default 60,000 ms). */
  forwardTimeoutMs?: number;
  /** Longest the lease check may take before the sequencer gives up the role (default 5,000 ms). */
  leaseCheckTimeoutMs?: number;
}

interface Waiting {
  resolve: (r: { first: bigint; block: bigint }) => void;
  reject: (e: unknown) => void;
  since: number;
}

export class PgSequencer implements Handoff {
  private leader = false;
  private lockClient: pg.Client | undefined;
  private lockPid: number | undefined;
  private listener: pg.Client | undefined;
  private ledger: Ledger | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticking: Promise<void> | undefined;
  private collecting: Promise<void> | undefined;
  private collectAgain = false;
  private stopped = false;
  private lastSweep = 0;
  /**
   * Whether the handoff table may hold requests not taken yet: set by a cl_handoff notification,
   * by each poll and at take-over; cleared when a take finds all there was. A sequencer without
   * followers so runs no query per batch.
   */
  private mayHold = true;
  private readonly waiting = new Map<string, Waiting>();
  /**
   * A follower's own handoff writes (its request, and deleting the result it read) commit without
   * waiting for the WAL flush: a request matters only once the sequencer's batch commits it, and
   * that commit is synchronous, so it flushes the WAL up to and including the request's insert. A
   * request lost with a database crash before that was never answered (its follower answers 503).
   */
  private handoffPool: Pool | undefined;
  private readonly retryMs: number;
  private readonly forwardTimeoutMs: number;
  private readonly leaseCheckTimeoutMs: number;

  constructor(private readonly opts: PgSequencerOptions) {
    this.retryMs = opts.retryMs ?? 1_000;
    this.forwardTimeoutMs = opts.forwardTimeoutMs ?? 60_000;
    this.leaseCheckTimeoutMs = opts.leaseCheckTimeoutMs ?? 5_000;
    opts.store.requireLease({ pid: () => this.lockPid });
  }

  isSequencer(): boolean {
    return this.leader;
  }

  /** Starts taking part: one attempt at the lease now, then every `retryMs`. */
  async start(ledger: Ledger): Promise<void> {
    this.ledger = ledger;
    await this.tick().catch((e: unknown) => this.opts.log(`sequencer: ${message(e)}`));
    this.timer = setInterval(() => {
      this.ticking ??= this.tick()
        .catch((e: unknown) => this.opts.log(`sequencer: ${message(e)}`))
        .finally(() => (this.ticking = undefined));
    }, this.retryMs);
    this.timer.unref?.();
  }

  /** Stops: gives up the lease (closing its connection), refuses requests still waiting. Call after the ledger closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.ticking;
    this.lose();
    const l = this.listener;
    this.listener = undefined;
    await l?.end().catch(() => undefined);
    const hp = this.handoffPool;
    this.handoffPool = undefined;
    await hp?.end().catch(() => undefined);
    for (const w of this.waiting.values()) w.reject(new LogError('overloaded', 'the service is shutting down', { details: { retryAfter: 5 } }));
    this.waiting.clear();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    await this.ensureListener().catch((e: unknown) => this.opts.log(`sequencer: cannot listen for commits: ${message(e)}`));
    if (this.leader) await this.checkLease();
    else await this.tryLease();
    if (this.leader) {
      this.mayHold = true;
      this.ledger!.wake();
      if (Date.now() - this.lastSweep > 10_000) await this.sweep();
    } else {
      await this.ledger!.refresh();
    }
    if (this.waiting.size > 0) await this.collect();
  }

  // ---- the lease

  /**
   * One attempt at the lease before the ledger opens: the process that gets it writes what
   * opening writes (block 0 of an empty store, a key hand-over); `start` then makes it the
   * sequencer. Resolves whether it got the lease.
   */
  async acquire(): Promise<boolean> {
    return (await this.tryLock()) !== undefined;
  }

  /** Takes the lock unless held; resolves with the lease connection when this process holds it. */
  private async tryLock(): Promise<pg.Client | undefined> {
    if (this.lockPid !== undefined) return this.lockClient;
    let client = this.lockClient;
    if (client === undefined) {
      // TCP keepalives both ways: the server drops the lock of a machine that vanished without
      // closing the connection within about 25 s; this side notices a dead server.
      client = keepAliveClient(this.opts.store.url, 'copyright-ledger sequencer lease');
      const c = client;
      c.on('error', (e) => this.lose(c, `the lease connection failed: ${e.message}`));
      c.on('end', () => this.lose(c, 'the lease connection closed'));
      await c.connect();
      this.lockClient = c;
    }
    const { rows } = await client.query<{ ok: boolean; pid: number }>('SELECT pg_try_advisory_lock($1, $2) AS ok, pg_backend_pid() AS pid', [...SEQUENCER_LOCK]);
    if (rows[0]?.ok !== true || this.lockClient !== client) return undefined;
    this.lockPid = rows[0].pid;
    return client;
  }

  private async tryLease(): Promise<void> {
    const client = await this.tryLock();
    if (client === undefined || this.stopped) return;
    try {
      // Another sequencer may have committed since this process last read the head.
      await this.ledger!.takeOver();
    } catch (e) {
      this.lose(client, `cannot read the head to take over: ${message(e)}`);
      throw e;
    }
    if (this.lockClient !== client) return;
    this.mayHold = true;
    this.leader = true;
    this.opts.log(`sequencer: this process sequences the log now (block ${this.ledger!.latestBlock.height}, ${this.ledger!.treeSize} entries)`);
    this.opts.onRole?.(true);
    this.ledger!.wake();
  }

  /** The sequencer: is the lock still held by the lease connection? Gives up the role if not (or no answer in time). */
  private async checkLease(): Promise<void> {
    const client = this.lockClient;
    if (client === undefined) return this.lose(undefined, 'the lease connection is gone');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${this.leaseCheckTimeoutMs} ms`)), this.leaseCheckTimeoutMs);
    });
    try {
      const { rows } = await Promise.race([
        client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid AND objid = $2::oid AND objsubid = 2 AND pid = pg_backend_pid() AND granted`,
          [...SEQUENCER_LOCK],
        ),
        timeout,
      ]);
      if (rows[0]?.n !== 1) this.lose(client, 'the lease lock is no longer held');
    } catch (e) {
      this.lose(client, `the lease check failed: ${message(e)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Gives up the role and the lease connection (closing it releases the lock). */
  private lose(client: pg.Client | undefined = this.lockClient, why?: string): void {
    if (client !== this.lockClient) return;
    const was = this.leader;
    this.leader = false;
    this.lockPid = undefined;
    this.lockClient = undefined;
    void client?.end().catch(() => undefined);
    if (was) {
      this.opts.log(`sequencer: this process stopped sequencing${why !== undefined ? `: ${why}` : ''}`);
      // Requests waiting in this process's batch queue are refused by its batch in flight.
      this.opts.onRole?.(false);
    }
  }

  // ---- notifications

  private async ensureListener(): Promise<void> {
    if (this.listener !== undefined || this.stopped) return;
    const c = new pg.Client({ connectionString: this.opts.store.url, keepAlive: true, application_name: 'copyright-ledger listener' });
    const drop = () => {
      if (this.listener !== c) return;
      this.listener = undefined;
      void c.end().catch(() => undefined);
    };
    c.on('error', drop);
    c.on('end', drop);
    c.on('notification', (n) => {
      if (n.channel === HANDOFF_CHANNEL) {
        this.mayHold = true;
        this.ledger?.wake();
      }
      else if (n.channel === BLOCK_CHANNEL) {
        if (!this.leader) void this.ledger?.refresh().catch(() => undefined);
        if (this.waiting.size > 0) void this.collect().catch((e: unknown) => this.opts.log(`sequencer: ${message(e)}`));
      }
    });
    await c.connect();
    try {
      await c.query(`LISTEN ${BLOCK_CHANNEL}; LISTEN ${HANDOFF_CHANNEL}`);
    } catch (e) {
      await c.end().catch(() => undefined);
      throw e;
    }
    if (this.stopped) await c.end().catch(() => undefined);
    else this.listener = c;
  }

  // ---- handing over (a process that does not sequence)

  async forward(items: PendingEntry[], owner: string): Promise<{ first: bigint; block: bigint }> {
    if (this.stopped) throw new LogError('overloaded', 'the service is shutting down', { details: { retryAfter: 5 } });
    this.handoffPool ??= createPool(this.opts.store.url, { max: 4, log: this.opts.log, synchronousCommit: 'off' });
    const { rows } = await this.handoffPool.query<{ id: string }>(
      `WITH ins AS (INSERT INTO handoff (owner, entries, items) VALUES ($1, $2, $3) RETURNING id)
       SELECT id::text AS id, pg_notify('${HANDOFF_CHANNEL}', id::text) FROM ins`,
      [owner, items.length, encodeHanded(items)],
    );
    const id = rows[0]!.id;
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject, since: Date.now() }));
  }

  /** Settles the waiting requests the sequencer has committed (or refused); withdraws those waiting too long. */
  private collect(): Promise<void> {
    if (this.collecting !== undefined) {
      this.collectAgain = true;
      return this.collecting;
    }
    return (this.collecting = (async () => {
      try {
        do {
          this.collectAgain = false;
          await this.collectOnce();
        } while (this.collectAgain && this.waiting.size > 0);
      } finally {
        this.collecting = undefined;
      }
    })());
  }

  private async collectOnce(): Promise<void> {
    const pool = this.opts.store.pool;
    const ids = [...this.waiting.keys()];
    if (ids.length === 0) return;
    const { rows } = await pool.query<{ id: string; first_index: string | null; block: string | null; error: string | null }>(
      'SELECT id::text AS id, first_index, block, error FROM handoff WHERE id = ANY($1::int8[]) AND (first_index IS NOT NULL OR error IS NOT NULL)',
      [ids],
    );
    const done: string[] = [];
    for (const r of rows) {
      const w = this.waiting.get(r.id);
      if (w === undefined) continue;
      this.waiting.delete(r.id);
      done.push(r.id);
      if (r.error !== null) w.reject(new LogError('internal', `the sequencer refused the entries: ${r.error}`));
      else w.resolve({ first: big(r.first_index!), block: big(r.block!) });
    }
    if (done.length > 0) await (this.handoffPool ?? pool).query('DELETE FROM handoff WHERE id = ANY($1::int8[])', [done]);
    const now = Date.now();
    for (const [id, w] of this.waiting) {
      if (now - w.since < this.forwardTimeoutMs) continue;
      // Withdrawn only while still waiting: a request the sequencer committed meanwhile is answered.
      const r = await pool.query('DELETE FROM handoff WHERE id = $1 AND first_index IS NULL AND error IS NULL', [id]);
      // A request the database lost (a crash before its insert was flushed) is gone as well: nothing was written.
      const gone = r.rowCount === 0 && (await pool.query('SELECT 1 FROM handoff WHERE id = $1', [id])).rowCount === 0;
      if ((r.rowCount === 1 || gone) && this.waiting.delete(id)) {
        w.reject(new LogError('overloaded', `no sequencer took the entries within ${this.forwardTimeoutMs} ms; nothing was written, retry shortly`, { details: { retryAfter: 5 } }));
      }
    }
  }

  // ---- taking handed-over requests (the sequencer)

  async take(max: number, skip: ReadonlySet<string>): Promise<Handed[]> {
    if (max <= 0 || !this.mayHold) return [];
    // Cleared before the query: a notification that arrives meanwhile sets it again.
    this.mayHold = false;
    const pool = this.opts.store.pool;
    // Oldest first, as many whole requests as fit (one larger than a batch is refused by `sweep`).
    const query = pool.query<{ id: string; owner: string; items: string }>(
      `SELECT id::text AS id, owner, items FROM (
         SELECT id, owner, items, sum(entries) OVER (ORDER BY id) AS upto FROM handoff
         WHERE first_index IS NULL AND error IS NULL AND entries <= $3 AND NOT (id = ANY($1::int8[]))
       ) w WHERE upto <= $2 ORDER BY id`,
      [[...skip], max, this.opts.maxBatch],
    );
    const { rows } = await query.catch((e: unknown) => {
      this.mayHold = true;
      throw e;
    });
    // A full take may have left requests behind (the next batch looks again).
    if (rows.length > 0) this.mayHold = true;
    const out: Handed[] = [];
    for (const r of rows) {
      try {
        out.push({ ref: r.id, owner: r.owner, items: decodeHanded(r.items) });
      } catch (e) {
        await pool.query('UPDATE handoff SET error = $2, done_at = now() WHERE id = $1 AND first_index IS NULL', [r.id, `unreadable request: ${message(e)}`]);
        void this.notifyDone();
      }
    }
    return out;
  }

  private async notifyDone(): Promise<void> {
    await this.opts.store.pool.query(`SELECT pg_notify('${BLOCK_CHANNEL}', '')`).catch(() => undefined);
  }

  /**
   * Refuses requests larger than this sequencer's batch (a process configured with a larger
   * MAX_BATCH_ENTRIES handed them over) and deletes results nobody collected (their process
   * stopped) after ten minutes.
   */
  private async sweep(): Promise<void> {
    this.lastSweep = Date.now();
    const pool = this.opts.store.pool;
    const refused = await pool.query('UPDATE handoff SET error = $2, done_at = now() WHERE first_index IS NULL AND error IS NULL AND entries > $1', [
      this.opts.maxBatch,
      `more than ${this.opts.maxBatch} entries at once (MAX_BATCH_ENTRIES of the sequencer)`,
    ]);
    if ((refused.rowCount ?? 0) > 0) await this.notifyDone();
    await pool.query("DELETE FROM handoff WHERE done_at < now() - interval '10 minutes'");
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
