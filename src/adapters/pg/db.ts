/**
 * The PostgreSQL connection pool and the small helpers every pg adapter shares: transactions,
 * and the conversions between node-postgres values (int8 as text, bytea as Buffer) and ours.
 */
import pg from 'pg';

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/**
 * A pool for `url` (postgres:// or postgresql://). Idle-client errors (a restarted server) are
 * logged, never thrown. `synchronousCommit`: set synchronous_commit=on on every connection
 * (for a server whose default is off, which would acknowledge commits before they are durable);
 * `'off'` sets it off, for writes whose durability a later synchronous commit provides.
 */
export function createPool(url: string, opts: { max?: number; log?: (message: string) => void; synchronousCommit?: boolean | 'off' } = {}): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: 'copyright-ledger',
    ...(opts.synchronousCommit === 'off' ? { options: '-c synchronous_commit=off' } : opts.synchronousCommit ? { options: '-c synchronous_commit=on' } : {}),
  });
  pool.on('error', (e) => opts.log?.(`PostgreSQL: idle connection failed: ${e.message}`));
  return pool;
}

/**
 * A connection of its own for what a session holds (advisory locks, LISTEN), with TCP keepalives
 * both ways: the server drops what a machine that vanished without closing it held within about
 * 25 s (10 s idle, 3 probes 5 s apart), and this side notices a dead server.
 */
export function keepAliveClient(url: string, applicationName: string): pg.Client {
  return new pg.Client({
    connectionString: url,
    keepAlive: true,
    keepAliveInitialDelayMillis: 5_000,
    application_name: applicationName,
    options: '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3',
  });
}

/**
 * One connection of a process's own for what a session holds (advisory locks), opened when first
 * needed and opened again on the next `get` after it failed. `setUp` runs on each new connection
 * before `get` hands it out (e.g. taking a lock again); `onDrop(wasUp)` is told when a connection
 * is gone, `wasUp` when it had been handed out.
 */
export class SessionConnection {
  private client: Promise<pg.Client> | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly log: (message: string) => void,
    private readonly opts: { closedError?: () => Error; setUp?: (c: pg.Client) => Promise<void>; onDrop?: (wasUp: boolean) => void } = {},
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  get(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(this.opts.closedError?.() ?? new Error(`the ${this.name} connection is closed`));
    if (this.client !== undefined) return this.client;
    const c = keepAliveClient(this.url, `copyright-ledger ${this.name}`);
    let up = false;
    const drop = (e?: Error) => {
      if (this.client !== connecting) return;
      this.client = undefined;
      if (e) this.log(`PostgreSQL: the ${this.name} connection failed: ${e.message}`);
      void c.end().catch(() => undefined);
      if (!this.closed) this.opts.onDrop?.(up);
    };
    c.on('error', drop);
    c.on('end', () => drop());
    const connecting = c.connect().then(async () => {
      await this.opts.setUp?.(c);
      up = true;
      return c;
    });
    this.client = connecting;
    connecting.catch(() => drop());
    return connecting;
  }

  /** The connection now, if there is one that opened (what it holds is released through it). */
  async current(): Promise<pg.Client | undefined> {
    return this.client?.catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = await this.current();
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}

/**
 * Runs `fn` in one transaction on one connection: COMMIT when it resolves (PostgreSQL's
 * synchronous_commit makes the COMMIT durable before it answers), ROLLBACK when it throws.
 */
export async function inTransaction<T>(pool: Pool, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch((err: unknown) => {
      broken = err;
    });
    throw e;
  } finally {
    // A connection whose ROLLBACK failed is in an unknown state: drop it from the pool.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

/** Bytes as a bytea parameter (a Buffer view, no copy). */
export const bytea = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** A bytea value as a plain Uint8Array (a view, no copy). */
export const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** An int8 value (text in node-postgres) as a bigint. */
export const big = (v: string | number | bigint): bigint => BigInt(v);

/**
 * The least string greater, in UTF-8 byte order (= code point order), than every string that
 * starts with `prefix`; undefined when there is none (empty prefix or all U+10FFFF).
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const cps = [...prefix].map((c) => c.codePointAt(0)!);
  while (cps.length > 0) {
    const last = cps.pop()!;
    if (last < 0x10ffff) {
      cps.push(last === 0xd7ff ? 0xe000 : last + 1);
      return String.fromCodePoint(...cps);
    }
  }
  return undefined;
}
