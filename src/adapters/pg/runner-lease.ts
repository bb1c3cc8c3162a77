/**
 * RunnerLiveness (src/app/capture-ports.ts) on PostgreSQL: each process instance holds a
 * session-level advisory lock on (capture-runner, its instance id) on one connection of its own
 * for as long as it lives. A process that dies, even by SIGKILL, takes its connection and so its
 * lock with it (at once when the socket closes; within about 25 s through TCP keepalives when its
 * machine vanished). Another instance is alive while its lock is held: `pg_try_advisory_lock` on
 * its key fails. Should the connection fail, it is opened again at once and the lock taken again;
 * and since a live instance may be between two connections for a moment, another instance counts
 * as gone only once its lock has been found free for `graceMs` (15 s), seen free twice.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { SessionConnection } from './db.js';
import type { RunnerLiveness } from '../../app/capture-ports.js';

/** The int8 advisory lock key of a runner instance. */
function runnerKey(instance: string): string {
  return createHash('sha256').update('capture-runner').update('\u0000').update(instance).digest().readBigInt64BE(0).toString();
}

export class PgRunnerLease implements RunnerLiveness {
  readonly shared = true;
  private readonly conn: SessionConnection;
  /** Instances whose lock was found free, with when that was first seen (ms). */
  private readonly freeSince = new Map<string, number>();

  private constructor(
    url: string,
    readonly instance: string,
    log: (message: string) => void,
    private readonly graceMs: number,
  ) {
    const again = (delayMs: number) =>
      setTimeout(() => void this.connection().catch((err: unknown) => {
        if (!this.conn.isClosed) log(`PostgreSQL: cannot take the capture runner lease again: ${err instanceof Error ? err.message : String(err)}`);
      }), delayMs).unref();
    this.conn = new SessionConnection(url, 'capture runner', log, {
      closedError: () => new Error('the capture runner lease is closed'),
      // Blocks only if a previous connection of this very instance still holds it (the server has not seen it close yet).
      setUp: async (c) => {
        await c.query('SELECT pg_advisory_lock($1)', [runnerKey(instance)]);
      },
      // Take the lease again, so other processes do not take this one's captures for gone: at once
      // after a working connection failed, a second after a failed attempt.
      onDrop: (wasUp) => again(wasUp ? 0 : 1_000),
    });
  }

  /** Connects and takes this instance's lease. */
  static async open(url: string, instance: string, log: (message: string) => void = () => undefined, opts: { graceMs?: number } = {}): Promise<PgRunnerLease> {
    const lease = new PgRunnerLease(url, instance, log, opts.graceMs ?? 15_000);
    try {
      await lease.connection();
    } catch (e) {
      await lease.close();
      throw e;
    }
    return lease;
  }

  async isAlive(runner: string): Promise<boolean> {
    if (runner === this.instance) return true;
    if (runner === '') return false;
    const c = await this.connection();
    const key = runnerKey(runner);
    const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
    if (rows[0]?.ok !== true) {
      this.freeSince.delete(runner);
      return true;
    }
    await c.query('SELECT pg_advisory_unlock($1)', [key]);
    const now = Date.now();
    const since = this.freeSince.get(runner);
    if (since === undefined) {
      if (this.freeSince.size > 10_000) this.freeSince.clear();
      this.freeSince.set(runner, now);
    }
    // Still counted alive until its lock has been free for the whole grace period.
    return since === undefined || now - since < this.graceMs;
  }

  private connection(): Promise<pg.Client> {
    return this.conn.get();
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}
