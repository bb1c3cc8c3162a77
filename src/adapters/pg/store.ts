/**
 * LedgerStore on PostgreSQL. One transaction per sequencer commit; its COMMIT returns once the
 * WAL is flushed (synchronous_commit, PostgreSQL's default), so an acknowledged deposit is
 * durable. Reads run on other pooled connections and see committed data only.
 *
 * The tree is kept as C2SP tlog-tiles: `tiles(level, idx, data)` holds the hashes of tree
 * level 8·level nodes 256·idx … (partial tiles grow in place until full), `bundles` the entry
 * bundles. A node of another level is derived from the 2^k hashes below it in its tile.
 * A commit is fenced on the stored head (its block height must follow the stored one, its
 * entries must start at the stored tree size) and every tile and bundle it extends must end
 * where the batch begins: a second writer, or a repeated batch, fails instead of forking.
 */
import { createHash } from 'node:crypto';
import { LogError } from '../../core/errors.js';
import type { NodeId } from '../../core/merkle.js';
import { entryBundle, parseEntryBundle, TILE_HEIGHT, TILE_WIDTH } from '../../core/tiles.js';
import type { HandedResult } from '../../app/handoff.js';
import type { AccountDepositRef, BlockRecord, ClaimRecord, CommitBatch, CounterDelta, DepositRecord, LogHead, LedgerStore, RecordWrite, TimestampRecord } from '../../app/ports.js';
import { PgAccounts } from './accounts.js';
import { big, bytea, bytes, createPool, inTransaction, type Client, type Pool } from './db.js';
import { ImmutableCache } from './cache.js';
import { migrate } from './migrations.js';
import { applyRecords, getCounter, getRecord, listRecords } from './records.js';

const W = BigInt(TILE_WIDTH);

interface BlockRow {
  height: string;
  tree_size: string;
  root_hash: Buffer;
  prev_hash: Buffer;
  time: string;
  checkpoint: string;
}

const blockFromRow = (r: BlockRow): BlockRecord => ({
  height: big(r.height),
  treeSize: big(r.tree_size),
  rootHash: bytes(r.root_hash),
  prevHash: bytes(r.prev_hash),
  time: r.time,
  checkpoint: r.checkpoint,
});

const BLOCK_COLUMNS = 'height, tree_size, root_hash, prev_hash, time, checkpoint';

function interior(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest();
}

export class PgLogStore extends PgAccounts implements LedgerStore {
  /** Full tiles and bundles, and the inner nodes derived from full tiles (all immutable): 16 MiB at most. */
  private readonly cache = new ImmutableCache(16 * 1024 * 1024);
  private lease: { pid(): number | undefined } | undefined;

  private constructor(
    pool: Pool,
    private readonly ownsPool: boolean,
    /** The postgres:// URL (the sequencer opens its own connections to it). */
    readonly url: string,
  ) {
    super(pool);
  }

  /**
   * Connects to `url` (postgres:// or postgresql://), applies pending schema migrations and
   * returns the store. `pool`: use this pool instead (not closed by `close`).
   */
  static async open(url: string, opts: { pool?: Pool; maxConnections?: number; log?: (message: string) => void } = {}): Promise<PgLogStore> {
    const poolOpts = { ...(opts.maxConnections !== undefined ? { max: opts.maxConnections } : {}), ...(opts.log ? { log: opts.log } : {}) };
    let pool = opts.pool ?? createPool(url, poolOpts);
    try {
      const applied = await migrate(pool);
      if (applied.length > 0) opts.log?.(`PostgreSQL: applied schema migrations ${applied.join(', ')}`);
      const { rows } = await pool.query<{ fsync: string; sc: string }>("SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc");
      if (rows[0]?.fsync !== 'on') opts.log?.('PostgreSQL: fsync is off on the server: a crash of its machine can lose acknowledged deposits');
      if (rows[0]?.sc === 'off') {
        // An acknowledged deposit must be durable: this store's connections commit synchronously.
        if (opts.pool !== undefined) throw new LogError('internal', 'synchronous_commit is off on the PostgreSQL server: a commit would resolve before it is durable');
        await pool.end();
        pool = createPool(url, { ...poolOpts, synchronousCommit: true });
        opts.log?.('PostgreSQL: synchronous_commit is off on the server; this service sets it on for its own connections');
      }
    } catch (e) {
      if (opts.pool === undefined) await pool.end().catch(() => undefined);
      throw e;
    }
    return new PgLogStore(pool, opts.pool === undefined, url);
  }

  async loadHead(): Promise<LogHead | undefined> {
    const { rows } = await this.pool.query<{ tree_size: string; compact: Buffer[]; root_hash: Buffer; height: string; block_hash: Buffer; time: string }>(
      'SELECT tree_size, compact, root_hash, height, block_hash, time FROM log_head WHERE id = 1',
    );
    const r = rows[0];
    if (r === undefined) return undefined;
    return { treeSize: big(r.tree_size), compact: r.compact.map(bytes), rootHash: bytes(r.root_hash), height: big(r.height), blockHash: bytes(r.block_hash), time: r.time };
  }

  /**
   * Writes the batch in one transaction. When it fails other than by the store's own checks (a
   * lost connection leaves open whether the COMMIT happened), the stored head decides: the batch
   * counts as committed exactly when the head is its head (the block hash names its signed block).
   */
  async commit(batch: CommitBatch): Promise<void> {
    try {
      await this.commitOnce(batch);
    } catch (e) {
      if (e instanceof LogError) throw e;
      const head = await this.loadHead().catch(() => undefined);
      if (head !== undefined && head.height === batch.head.height && Buffer.compare(head.blockHash, batch.head.blockHash) === 0) return;
      throw e;
    }
  }

  private async commitOnce(batch: CommitBatch): Promise<void> {
    const entries = [...batch.entries].sort((a, b) => (a.index < b.index ? -1 : 1));
    const first = entries[0]?.index;
    entries.forEach((e, i) => {
      if (e.index !== first! + BigInt(i)) throw new LogError('internal', 'a commit batch holds non-contiguous entries');
    });
    await inTransaction(this.pool, async (c) => {
      await this.fence(c, batch, first);
      await this.checkLease(c);
      await this.appendBundles(c, entries);
      await this.appendTiles(c, batch.nodes);
      await this.writeDeposits(c, batch);
      const b = batch.block;
      const h = batch.head;
      await c.query(
        `WITH b AS (INSERT INTO blocks (${BLOCK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) RETURNING 1)
         INSERT INTO log_head (id, tree_size, compact, root_hash, height, block_hash, time) VALUES (1, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE SET tree_size = EXCLUDED.tree_size, compact = EXCLUDED.compact, root_hash = EXCLUDED.root_hash,
           height = EXCLUDED.height, block_hash = EXCLUDED.block_hash, time = EXCLUDED.time`,
        [
          b.height.toString(), b.treeSize.toString(), bytea(b.rootHash), bytea(b.prevHash), b.time, b.checkpoint,
          h.treeSize.toString(), h.compact.map(bytea), bytea(h.rootHash), h.height.toString(), bytea(h.blockHash), h.time,
        ],
      );
      await applyRecords(c, batch.records, batch.counters);
      if (batch.handed !== undefined && batch.handed.length > 0) await markHanded(c, batch.handed);
      // Delivered at COMMIT: the other processes read the new head and their handed-over results.
      await c.query(`SELECT pg_notify('${BLOCK_CHANNEL}', $1)`, [b.height.toString()]);
    });
  }

  /**
   * Commits only while this process holds the sequencer lease (when it runs with one): the lease
   * is a session-level advisory lock of another connection, checked here inside the transaction.
   */
  private async checkLease(c: Client): Promise<void> {
    if (this.lease === undefined) return;
    const pid = this.lease.pid();
    const { rows } =
      pid === undefined
        ? { rows: [] }
        : await c.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid AND objid = $2::oid AND objsubid = 2 AND pid = $3 AND granted`, [
            SEQUENCER_LOCK[0],
            SEQUENCER_LOCK[1],
            pid,
          ]);
    if (rows.length === 0) throw new LogError('overloaded', 'this process no longer holds the sequencer lease; retry shortly', { details: { retryAfter: 1 } });
  }

  /**
   * From now on, commits check in their transaction that the connection `pid()` names holds the
   * sequencer lock (`SEQUENCER_LOCK`); none does when it answers undefined.
   */
  requireLease(lease: { pid(): number | undefined }): void {
    this.lease = lease;
  }

  /** Locks the head row and checks the batch follows it (the next height, entries from the stored size). */
  private async fence(c: Client, batch: CommitBatch, first: bigint | undefined): Promise<void> {
    const { rows } = await c.query<{ tree_size: string; height: string }>('SELECT tree_size, height FROM log_head WHERE id = 1 FOR UPDATE');
    const prev = rows[0];
    const height = batch.block.height;
    if (prev === undefined ? height !== 0n : big(prev.height) + 1n !== height) {
      throw new LogError('conflict', `block ${height} does not follow the stored head (${prev === undefined ? 'none' : `block ${prev.height}`}): another writer committed`);
    }
    const size = prev === undefined ? 0n : big(prev.tree_size);
    if (first !== undefined && first !== size) throw new LogError('conflict', `the batch starts at entry ${first}, the stored tree holds ${size}: another writer committed`);
  }

  /**
   * Appends the entries to their bundles in one upsert. A bundle that exists already is extended
   * only if it ends exactly where the batch continues it; otherwise the statement leaves it
   * alone, fewer rows are written than sent, and the commit fails with `conflict`.
   */
  private async appendBundles(c: Client, entries: { index: bigint; bytes: Uint8Array }[]): Promise<void> {
    if (entries.length === 0) return;
    const groups = new Map<bigint, { start: number; items: Uint8Array[] }>();
    for (const e of entries) {
      const idx = e.index / W;
      let g = groups.get(idx);
      if (g === undefined) groups.set(idx, (g = { start: Number(e.index % W), items: [] }));
      g.items.push(e.bytes);
    }
    const list = [...groups.entries()];
    const r = await c.query(
      `INSERT INTO bundles (idx, entries, data) SELECT idx, entries, data FROM unnest($1::int8[], $2::int2[], $3::bytea[]) AS u(idx, entries, data)
       ON CONFLICT (idx) DO UPDATE SET entries = bundles.entries + EXCLUDED.entries, data = bundles.data || EXCLUDED.data
       WHERE bundles.entries = (SELECT s FROM unnest($1::int8[], $4::int2[]) AS x(i, s) WHERE x.i = bundles.idx)`,
      [list.map(([i]) => i.toString()), list.map(([, g]) => g.items.length), list.map(([, g]) => bytea(entryBundle(g.items))), list.map(([, g]) => g.start)],
    );
    if (r.rowCount !== list.length) throw new LogError('conflict', `an entry bundle of entries ${entries[0]!.index}… does not end where the batch continues it`);
  }

  /** Appends the hashes of tree levels 8·L to their tiles in one upsert, checked like the bundles. */
  private async appendTiles(c: Client, nodes: CommitBatch['nodes']): Promise<void> {
    const groups = new Map<string, { level: number; idx: bigint; start: number; hashes: Uint8Array[]; next: bigint }>();
    const sorted = nodes.filter((n) => n.id.level % TILE_HEIGHT === 0).sort((a, b) => a.id.level - b.id.level || (a.id.index < b.id.index ? -1 : a.id.index > b.id.index ? 1 : 0));
    for (const n of sorted) {
      const level = n.id.level / TILE_HEIGHT;
      const idx = n.id.index / W;
      const k = `${level}/${idx}`;
      let g = groups.get(k);
      if (g === undefined) groups.set(k, (g = { level, idx, start: Number(n.id.index % W), hashes: [], next: n.id.index }));
      if (n.id.index !== g.next || n.hash.length !== 32) throw new LogError('internal', `tree node level ${n.id.level} index ${n.id.index} does not continue its tile`);
      g.hashes.push(n.hash);
      g.next++;
    }
    if (groups.size === 0) return;
    const list = [...groups.values()];
    const r = await c.query(
      `INSERT INTO tiles (level, idx, data) SELECT level, idx, data FROM unnest($1::int2[], $2::int8[], $3::bytea[]) AS u(level, idx, data)
       ON CONFLICT (level, idx) DO UPDATE SET data = tiles.data || EXCLUDED.data
       WHERE length(tiles.data) = 32 * (SELECT s FROM unnest($1::int2[], $2::int8[], $4::int4[]) AS x(l, i, s) WHERE x.l = tiles.level AND x.i = tiles.idx)`,
      [list.map((g) => g.level), list.map((g) => g.idx.toString()), list.map((g) => Buffer.concat(g.hashes)), list.map((g) => g.start)],
    );
    if (r.rowCount !== list.length) throw new LogError('conflict', 'a hash tile does not end where the batch continues it');
  }

  /** Deposit records, the SHA-256 index, the per-account index and claims: one statement. */
  private async writeDeposits(c: Client, batch: CommitBatch): Promise<void> {
    const ds = batch.deposits;
    const claims = new Map<string, ClaimRecord>();
    for (const cl of batch.claims) claims.set(`${cl.kind}\u0000${cl.account}\u0000${cl.key}`, cl);
    if (ds.length === 0 && claims.size === 0) return;
    const mine = new Map<string, AccountDepositRef & { account: string }>();
    for (const d of ds) if (d.account !== undefined) mine.set(`${d.account}\u0000${d.record.index}`, { account: d.account, index: d.record.index, id: d.record.id });
    const own = [...mine.values()];
    const cl = [...claims.values()];
    await c.query(
      `WITH d AS (
         INSERT INTO deposits (id, idx, metadata) SELECT * FROM unnest($1::text[], $2::int8[], $3::text[])
         ON CONFLICT (id) DO UPDATE SET idx = EXCLUDED.idx, metadata = EXCLUDED.metadata RETURNING 1
       ), s AS (
         INSERT INTO deposit_sha256 (sha256, idx) SELECT * FROM unnest($4::bytea[], $2::int8[]) ON CONFLICT DO NOTHING RETURNING 1
       ), a AS (
         INSERT INTO account_deposits (account, idx, deposit_id) SELECT * FROM unnest($5::text[], $6::int8[], $7::text[])
         ON CONFLICT (account, idx) DO UPDATE SET deposit_id = EXCLUDED.deposit_id RETURNING 1
       )
       INSERT INTO claims (kind, account, key, deposit_id) SELECT * FROM unnest($8::text[], $9::text[], $10::text[], $11::text[])
       ON CONFLICT (kind, account, key) DO UPDATE SET deposit_id = EXCLUDED.deposit_id`,
      [
        ds.map((d) => d.record.id),
        ds.map((d) => d.record.index.toString()),
        ds.map((d) => d.record.metadata),
        ds.map((d) => bytea(d.sha256)),
        own.map((r) => r.account),
        own.map((r) => r.index.toString()),
        own.map((r) => r.id),
        cl.map((x) => x.kind),
        cl.map((x) => x.account),
        cl.map((x) => x.key),
        cl.map((x) => x.depositId),
      ],
    );
  }

  private async putAccountDeposits(c: Client, refs: (AccountDepositRef & { account: string })[]): Promise<void> {
    const unique = new Map<string, AccountDepositRef & { account: string }>();
    for (const r of refs) unique.set(`${r.account}\u0000${r.index}`, r);
    const list = [...unique.values()];
    await c.query(
      `INSERT INTO account_deposits (account, idx, deposit_id) SELECT * FROM unnest($1::text[], $2::int8[], $3::text[])
       ON CONFLICT (account, idx) DO UPDATE SET deposit_id = EXCLUDED.deposit_id`,
      [list.map((r) => r.account), list.map((r) => r.index.toString()), list.map((r) => r.id)],
    );
  }

  async getEntry(index: bigint): Promise<Uint8Array | undefined> {
    if (index < 0n) return undefined;
    const bundle = await this.getEntryBundle(index / W);
    return bundle === undefined ? undefined : parseEntryBundle(bundle)[Number(index % W)];
  }

  async getEntries(start: bigint, count: number): Promise<Uint8Array[]> {
    if (count <= 0 || start < 0n) return [];
    const end = start + BigInt(count);
    const out: Uint8Array[] = [];
    let next = start;
    // Bundles from the cache while they are there, then the rest in one query.
    while (next < end) {
      const cached = this.cache.get(`b${next / W}`);
      if (cached === undefined) break;
      next = take(parseEntryBundle(cached), (next / W) * W, next, end, out);
    }
    if (next >= end) return out;
    const { rows } = await this.pool.query<{ idx: string; entries: number; data: Buffer }>('SELECT idx, entries, data FROM bundles WHERE idx BETWEEN $1 AND $2 ORDER BY idx', [
      (next / W).toString(),
      ((end - 1n) / W).toString(),
    ]);
    for (const r of rows) {
      const base = big(r.idx) * W;
      if (base > next) break;
      const data = this.remember(`b${r.idx}`, r.entries === TILE_WIDTH, r.data);
      next = take(parseEntryBundle(data), base, next, end, out);
      if (next < base + W) break;
    }
    return out;
  }

  async getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> {
    if (ids.length === 0) return [];
    const tiles = new Map<string, Uint8Array>();
    const missing = new Map<string, { level: number; idx: bigint }>();
    for (const id of ids) {
      const level = Math.floor(id.level / TILE_HEIGHT);
      const idx = (id.index << BigInt(id.level % TILE_HEIGHT)) / W;
      const key = `${level}/${idx}`;
      if (tiles.has(key) || missing.has(key)) continue;
      const cached = this.cache.get(`t${key}`);
      if (cached !== undefined) tiles.set(key, cached);
      else missing.set(key, { level, idx });
    }
    if (missing.size > 0) {
      const list = [...missing.values()];
      const { rows } = await this.pool.query<{ level: number; idx: string; data: Buffer }>(
        'SELECT t.level, t.idx, t.data FROM tiles t JOIN unnest($1::int2[], $2::int8[]) AS u(level, idx) ON t.level = u.level AND t.idx = u.idx',
        [list.map((t) => t.level), list.map((t) => t.idx.toString())],
      );
      for (const r of rows) tiles.set(`${r.level}/${r.idx}`, this.remember(`t${r.level}/${r.idx}`, r.data.length === TILE_WIDTH * 32, r.data));
    }
    return ids.map((id) => {
      const r = id.level % TILE_HEIGHT;
      const level = (id.level - r) / TILE_HEIGHT;
      const firstBelow = id.index << BigInt(r);
      const tile = tiles.get(`${level}/${firstBelow / W}`);
      const from = Number(firstBelow % W);
      const n = 1 << r;
      if (id.index < 0n || tile === undefined || tile.length < (from + n) * 32) {
        throw new LogError('corrupt_store', `tree node level ${id.level} index ${id.index} is missing`);
      }
      if (n === 1) return tile.subarray(from * 32, from * 32 + 32);
      // A node inside a full tile never changes: derive it once (up to 127 hashes), then remember it.
      const key = `n${id.level}/${id.index}`;
      const known = this.cache.get(key);
      if (known !== undefined) return known;
      let layer = Array.from({ length: n }, (_, i) => tile.subarray((from + i) * 32, (from + i + 1) * 32));
      while (layer.length > 1) layer = Array.from({ length: layer.length / 2 }, (_, i) => interior(layer[2 * i]!, layer[2 * i + 1]!));
      if (tile.length === TILE_WIDTH * 32) this.cache.set(key, layer[0]!);
      return layer[0]!;
    });
  }

  async getTile(level: number, index: bigint): Promise<Uint8Array | undefined> {
    if (index < 0n) return undefined;
    const cached = this.cache.get(`t${level}/${index}`);
    if (cached !== undefined) return cached;
    const { rows } = await this.pool.query<{ data: Buffer }>('SELECT data FROM tiles WHERE level = $1 AND idx = $2', [level, index.toString()]);
    const data = rows[0]?.data;
    return data === undefined || data.length === 0 ? undefined : this.remember(`t${level}/${index}`, data.length === TILE_WIDTH * 32, data);
  }

  async getEntryBundle(index: bigint): Promise<Uint8Array | undefined> {
    if (index < 0n) return undefined;
    const cached = this.cache.get(`b${index}`);
    if (cached !== undefined) return cached;
    const { rows } = await this.pool.query<{ entries: number; data: Buffer }>('SELECT entries, data FROM bundles WHERE idx = $1', [index.toString()]);
    return rows[0] === undefined ? undefined : this.remember(`b${index}`, rows[0].entries === TILE_WIDTH, rows[0].data);
  }

  /** The value as bytes, kept in the cache when it is full (and so never changes again). */
  private remember(key: string, full: boolean, data: Buffer): Uint8Array {
    const b = bytes(data);
    if (full) this.cache.set(key, b);
    return b;
  }

  async getBlock(height: bigint): Promise<BlockRecord | undefined> {
    const { rows } = await this.pool.query<BlockRow>(`SELECT ${BLOCK_COLUMNS} FROM blocks WHERE height = $1`, [height.toString()]);
    return rows[0] === undefined ? undefined : blockFromRow(rows[0]);
  }

  async findCoveringBlock(index: bigint): Promise<BlockRecord | undefined> {
    const { rows } = await this.pool.query<BlockRow>(`SELECT ${BLOCK_COLUMNS} FROM blocks WHERE tree_size > $1 ORDER BY tree_size, height LIMIT 1`, [index.toString()]);
    return rows[0] === undefined ? undefined : blockFromRow(rows[0]);
  }

  async getDeposit(id: string): Promise<DepositRecord | undefined> {
    const { rows } = await this.pool.query<{ idx: string; metadata: string }>('SELECT idx, metadata FROM deposits WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : { id, index: big(rows[0].idx), metadata: rows[0].metadata };
  }

  async findBySha256(sha256: Uint8Array, limit: number): Promise<bigint[]> {
    if (limit <= 0) return [];
    const { rows } = await this.pool.query<{ idx: string }>('SELECT idx FROM deposit_sha256 WHERE sha256 = $1 ORDER BY idx LIMIT $2', [bytea(sha256), limit]);
    return rows.map((r) => big(r.idx));
  }

  async getClaim(kind: ClaimRecord['kind'], account: string, key: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ deposit_id: string }>('SELECT deposit_id FROM claims WHERE kind = $1 AND account = $2 AND key = $3', [kind, account, key]);
    return rows[0]?.deposit_id;
  }

  async listAccountDeposits(account: string, opts: { before?: bigint; limit: number }): Promise<AccountDepositRef[]> {
    if (opts.limit <= 0 || (opts.before !== undefined && opts.before <= 0n)) return [];
    const before = opts.before === undefined || opts.before > MAX_I64 ? undefined : opts.before;
    const { rows } = await this.pool.query<{ idx: string; deposit_id: string }>(
      `SELECT idx, deposit_id FROM account_deposits WHERE account = $1 ${before === undefined ? '' : 'AND idx < $3'} ORDER BY idx DESC LIMIT $2`,
      before === undefined ? [account, opts.limit] : [account, opts.limit, before.toString()],
    );
    return rows.map((r) => ({ index: big(r.idx), id: r.deposit_id }));
  }

  async indexAccountDeposits(refs: (AccountDepositRef & { account: string })[], records: RecordWrite[] = [], counters: CounterDelta[] = []): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      if (refs.length > 0) await this.putAccountDeposits(c, refs);
      await applyRecords(c, records, counters);
    });
  }

  async putTimestamp(height: bigint, der: Uint8Array, tsa: string): Promise<void> {
    await this.pool.query('INSERT INTO timestamps (height, der, tsa) VALUES ($1, $2, $3) ON CONFLICT (height) DO UPDATE SET der = EXCLUDED.der, tsa = EXCLUDED.tsa', [
      height.toString(),
      bytea(der),
      tsa,
    ]);
  }

  async getTimestamp(height: bigint): Promise<TimestampRecord | undefined> {
    const { rows } = await this.pool.query<{ der: Buffer; tsa: string }>('SELECT der, tsa FROM timestamps WHERE height = $1', [height.toString()]);
    return rows[0] === undefined ? undefined : { der: bytes(rows[0].der), tsa: rows[0].tsa };
  }

  async findFirstTimestampedBlock(fromHeight: bigint): Promise<(TimestampRecord & { height: bigint }) | undefined> {
    const { rows } = await this.pool.query<{ height: string; der: Buffer; tsa: string }>('SELECT height, der, tsa FROM timestamps WHERE height >= $1 ORDER BY height LIMIT 1', [
      (fromHeight < 0n ? 0n : fromHeight).toString(),
    ]);
    return rows[0] === undefined ? undefined : { height: big(rows[0].height), der: bytes(rows[0].der), tsa: rows[0].tsa };
  }

  getRecord(space: string, key: string): Promise<string | undefined> {
    return getRecord(this.pool, space, key);
  }

  listRecords(space: string, opts: { prefix?: string; after?: string; limit: number }): Promise<{ key: string; value: string }[]> {
    return listRecords(this.pool, space, opts);
  }

  getCounter(name: string): Promise<number | undefined> {
    return getCounter(this.pool, name);
  }

  async writeRecords(records: RecordWrite[], counters: CounterDelta[] = []): Promise<void> {
    if (records.length === 0 && counters.length === 0) return;
    await inTransaction(this.pool, (c) => applyRecords(c, records, counters));
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

const MAX_I64 = 0x7fff_ffff_ffff_ffffn;

/** The channel every commit notifies, with the new block height. */
export const BLOCK_CHANNEL = 'cl_block';

/** pg_try_advisory_lock(int4, int4) key of the sequencer lease ('cl-s', 'eq\0\0'). */
export const SEQUENCER_LOCK: readonly [number, number] = [0x636c2d73, 0x65710000];

/**
 * Marks the handed-over requests a batch commits as done, with their results. Each must still be
 * waiting: one already done, or withdrawn by its process, fails the whole commit.
 */
async function markHanded(c: Client, handed: HandedResult[]): Promise<void> {
  const r = await c.query(
    `UPDATE handoff h SET first_index = u.first, block = u.block, done_at = now()
     FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS u(id, first, block)
     WHERE h.id = u.id AND h.first_index IS NULL AND h.error IS NULL`,
    [handed.map((x) => x.ref), handed.map((x) => x.first.toString()), handed.map((x) => x.block.toString())],
  );
  if (r.rowCount !== handed.length) throw new LogError('conflict', `${handed.length - (r.rowCount ?? 0)} of the requests handed over are no longer waiting`);
}

/** Appends the entries of a bundle starting at `base` from `next` (below `end`) to `out`; returns the next index wanted. */
function take(items: Uint8Array[], base: bigint, next: bigint, end: bigint, out: Uint8Array[]): bigint {
  for (let i = Number(next - base); i < items.length && next < end; i++, next++) out.push(items[i]!);
  return next;
}
