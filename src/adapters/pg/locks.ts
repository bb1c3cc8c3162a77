/**
 * SharedLocks (src/app/mutex.ts) on PostgreSQL: session-level advisory locks held on one
 * connection of this process for as long as the step runs. A lock is taken with
 * `pg_try_advisory_lock` and tried again every few milliseconds while another process holds it,
 * so the connection never blocks (one process's wait never holds up its other locks). A process
 * that dies takes its connection and so its locks with it. Should the connection fail while a
 * step runs, that step's lock is gone: the step still finishes, and the next run reconnects.
 *
 * Advisory locks are re-entrant within a session: two runs of one (name, key) in this process at
 * once would both hold it. KeyedMutex calls `run` only after its own in-process queue for the key.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { SessionConnection } from './db.js';
import { LogError } from '../../core/errors.js';
import type { SharedLocks } from '../../app/mutex.js';
import type { SharedClaims } from '../../app/work-claims.js';

export class PgLocks implements SharedLocks, SharedClaims {
  private readonly conn: SessionConnection;

  constructor(
    url: string,
    private readonly log: (message: string) => void = () => undefined,
    /** How long to wait between tries while another process holds the lock (ms). */
    private readonly retryMs = 10,
    /** Longest a step waits for its lock before it fails with `overloaded` (ms). */
    private readonly timeoutMs = 30_000,
  ) {
    this.conn = new SessionConnection(url, 'locks', log, { closedError: () => new LogError('overloaded', 'the service is shutting down', { details: { retryAfter: 5 } }) });
  }

  async run<T>(name: string, key: string, fn: () => Promise<T>): Promise<T> {
    const id = lockId(name, key);
    const started = Date.now();
    for (;;) {
      const c = await this.connection();
      const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [id]);
      if (rows[0]?.ok === true) break;
      if (Date.now() - started > this.timeoutMs) throw new LogError('overloaded', `another process held the ${name} lock for ${this.timeoutMs} ms; retry shortly`, { details: { retryAfter: 1 } });
      await new Promise((r) => setTimeout(r, this.retryMs * (1 + Math.random())));
    }
    try {
      return await fn();
    } finally {
      const c = await this.conn.current();
      await c?.query('SELECT pg_advisory_unlock($1)', [id]).catch((e: unknown) => this.log(`PostgreSQL: cannot release the ${name} lock: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  /**
   * Runs `fn` while holding the locks for (`name`, each key) at once: all are tried in one round
   * trip and, unless every one was free, those taken are released and all are tried again. The keys
   * map onto one of CLAIM_BUCKETS locks per name (two keys of a bucket wait for each other across
   * processes, never within one, where advisory locks are re-entrant), so a batch of 10,000 keys
   * takes at most that many locks: PostgreSQL's lock table (64 per connection by default, shared)
   * cannot fill up, and a retry releases and tries a bounded set.
   */
  async runAll<T>(name: string, keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const ids = [...new Set(keys.map((k) => lockId(name, `bucket ${bucketOf(k)}`)))].sort();
    if (ids.length === 0) return fn();
    const started = Date.now();
    // Taken in one order by every process, holding the ones got so far (a prefix of `ids`) while
    // waiting for the next: no two processes can wait for each other, and a batch waiting behind
    // single deposits gets each lock as soon as that one is free instead of needing all free at once.
    let held = 0;
    let on: pg.Client | undefined;
    for (;;) {
      const c = await this.connection();
      if (c !== on) held = 0; // a new connection holds nothing
      on = c;
      const rest = ids.slice(held);
      const { rows } = await c.query<{ n: string }>('SELECT n::text AS n FROM unnest($1::int8[]) WITH ORDINALITY AS t(k, n) WHERE pg_try_advisory_lock(k)', [rest]);
      const got = new Set(rows.map((r) => Number(r.n) - 1));
      let prefix = 0;
      while (got.has(prefix)) prefix++;
      const beyond = [...got].filter((i) => i > prefix).map((i) => rest[i]!);
      if (beyond.length > 0) await c.query('SELECT pg_advisory_unlock(k) FROM unnest($1::int8[]) AS k', [beyond]);
      held += prefix;
      if (held === ids.length) break;
      if (Date.now() - started > this.timeoutMs) {
        if (held > 0) await c.query('SELECT pg_advisory_unlock(k) FROM unnest($1::int8[]) AS k', [ids.slice(0, held)]).catch(() => undefined);
        throw new LogError('overloaded', `another process held a ${name} lock for ${this.timeoutMs} ms; retry shortly`, { details: { retryAfter: 1 } });
      }
      await new Promise((r) => setTimeout(r, this.retryMs * (1 + Math.random())));
    }
    try {
      return await fn();
    } finally {
      const c = await this.conn.current();
      await c?.query('SELECT pg_advisory_unlock(k) FROM unnest($1::int8[]) AS k', [ids]).catch((e: unknown) => this.log(`PostgreSQL: cannot release the ${name} locks: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  /** Runs `fn` holding the lock for (name, key) when no process holds it; undefined, without running `fn`, when one does. */
  async tryRun<T>(name: string, key: string, fn: () => Promise<T>): Promise<{ value: T } | undefined> {
    const id = lockId(name, key);
    const c = await this.connection();
    const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [id]);
    if (rows[0]?.ok !== true) return undefined;
    try {
      return { value: await fn() };
    } finally {
      const held = await this.conn.current();
      await held?.query('SELECT pg_advisory_unlock($1)', [id]).catch((e: unknown) => this.log(`PostgreSQL: cannot release the ${name} lock: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  private connection(): Promise<pg.Client> {
    return this.conn.get();
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}

/** How many locks the keys of one `runAll` name share. */
export const CLAIM_BUCKETS = 64;

function bucketOf(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % CLAIM_BUCKETS;
}

/** The int8 advisory lock key of (name, key): the first 8 bytes of SHA-256 over both. */
function lockId(name: string, key: string): string {
  return createHash('sha256').update(name).update('\u0000').update(key).digest().readBigInt64BE(0).toString();
}
