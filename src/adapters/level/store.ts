/**
 * LedgerStore on LevelDB (`level`). One synced batch per sequencer commit; reads go straight to
 * LevelDB and never wait for the writer.
 */
import { randomBytes } from 'node:crypto';
import { Level } from 'level';
import { fromHex, fromUtf8, readU64be, toHex, utf8, concatBytes } from '../../core/bytes.js';
import { LogError } from '../../core/errors.js';
import type { NodeId } from '../../core/merkle.js';
import type { AccountDepositRef, AccountRecord, ApiKeyRecord, BlockRecord, ClaimRecord, CommitBatch, CounterDelta, DepositRecord, LogHead, LedgerStore, NewApiKey, RecordWrite, TimestampRecord } from '../../app/ports.js';
import * as K from './keys.js';
import { LegacyReads, prepareLayout, type LayoutOptions } from './legacy.js';
import { LevelRecords, type LevelOp } from './registry.js';
import { settleCompactions } from './settle.js';
import { LevelTiles, type TileOptions } from './tiles.js';
import { decodeDepositRef, decodeDepositValue, encodeDepositRef, encodeDepositValue } from './values.js';

type Bytes = Uint8Array;

interface HeadJson {
  treeSize: string;
  compact: string[];
  rootHash: string;
  height: string;
  blockHash: string;
  time: string;
}

interface BlockJson {
  height: string;
  treeSize: string;
  rootHash: string;
  prevHash: string;
  time: string;
  checkpoint: string;
}

const json = (v: unknown): Bytes => utf8(JSON.stringify(v));
const parse = <T>(b: Bytes): T => JSON.parse(fromUtf8(b)) as T;

export class LevelLogStore implements LedgerStore {
  /** Auxiliary records and counters; every write goes through it so counter updates serialize. */
  private readonly aux: LevelRecords;

  /** True when the store holds deposit records under text keys of ids that now have a compact key (earlier versions). */
  private textDepositKeys = true;

  /** The tree and entries: C2SP tiles and bundles (tiles.ts), or the records of an unmigrated store opened read-only. */
  private tree: LevelTiles | LegacyReads;

  private constructor(
    readonly db: Level<Bytes, Bytes>,
    private readonly tiles: LevelTiles,
    private readonly readOnly: boolean,
    private readonly settleOnCloseMs: number,
  ) {
    this.aux = new LevelRecords(db);
    this.tree = tiles;
  }

  /**
   * Opens (creating if needed) the database at `path` and migrates records stored by earlier
   * versions (API keys; entries and tree nodes to tiles, logging progress with `log`).
   * `readOnly` callers (audit, export) skip the migrations: they write nothing.
   */
  static async open(path: string, opts: LayoutOptions & TileOptions & { settleOnCloseMs?: number } = {}): Promise<LevelLogStore> {
    const db = new Level<Bytes, Bytes>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    const store = new LevelLogStore(db, new LevelTiles(db, opts), opts.readOnly === true, opts.settleOnCloseMs ?? 30_000);
    try {
      if (opts.readOnly !== true) await store.migrateKeys();
      if ((await prepareLayout(db, opts)) === 'legacy') store.tree = new LegacyReads(db);
      const [textKey] = await db.keys({ gte: K.textDepositKey('dep_'), lt: K.textDepositKey('dep`'), limit: 1 }).all();
      store.textDepositKeys = textKey !== undefined;
    } catch (e) {
      await db.close();
      throw e;
    }
    return store;
  }

  /** True when the store holds the tiles layout (false: an unmigrated store opened read-only). */
  get tiled(): boolean {
    return this.tree === this.tiles;
  }

  /**
   * Earlier versions kept one key per account: 'k' + hash → account id, no key record. Each such
   * key becomes the account's first key record (one synced batch, once; a marker says it is done).
   */
  private async migrateKeys(): Promise<void> {
    if ((await this.db.get(K.metaKey(KEYS_MIGRATED))) !== undefined) return;
    await this.aux.write(async () => {
      const ops: LevelOp[] = [];
      const prefix = Uint8Array.of(K.P.apiKey);
      for await (const [k, v] of this.db.iterator({ gte: prefix, lt: K.prefixEnd(prefix) })) {
        const ref = fromUtf8(v);
        if (!ref.includes('\n')) ops.push(...(await this.legacyKeyOps(k.subarray(1), ref)).ops);
      }
      ops.push({ type: 'put', key: K.metaKey(KEYS_MIGRATED), value: utf8('1') });
      return ops;
    });
  }

  /** The writes that turn one key of an earlier version into a key record. */
  private async legacyKeyOps(hash: Bytes, accountId: string): Promise<{ ops: LevelOp[]; record: ApiKeyRecord }> {
    const account = await this.getAccount(accountId);
    const record: ApiKeyRecord = { id: 'key_' + randomBytes(12).toString('base64url'), account: accountId, createdAt: account?.createdAt ?? new Date(0).toISOString() };
    return {
      record,
      ops: [
        { type: 'put', key: K.keyRecordKey(accountId, record.id), value: json({ ...record, sha256: toHex(hash) } satisfies StoredKey) },
        { type: 'put', key: K.apiKeyKey(hash), value: utf8(`${accountId}\n${record.id}`) },
      ],
    };
  }

  async loadHead(): Promise<LogHead | undefined> {
    const raw = await this.db.get(K.HEAD_KEY);
    if (raw === undefined) return undefined;
    try {
      const h = parse<HeadJson>(raw);
      return {
        treeSize: BigInt(h.treeSize),
        compact: h.compact.map((x) => fromHex(x, 32)),
        rootHash: fromHex(h.rootHash, 32),
        height: BigInt(h.height),
        blockHash: fromHex(h.blockHash, 32),
        time: h.time,
      };
    } catch (cause) {
      throw new LogError('corrupt_store', 'log head record is unreadable', { cause });
    }
  }

  async commit(batch: CommitBatch): Promise<void> {
    const ops: LevelOp[] = [];
    const put = (key: Bytes, value: Bytes) => ops.push({ type: 'put', key, value });
    const del = (key: Bytes) => ops.push({ type: 'del', key });
    const empty = new Uint8Array(0);
    const pk = new K.Packer();
    if (this.tree !== this.tiles) throw new LogError('internal', 'the store was opened read-only');
    await this.tiles.commitOps(batch.entries, batch.nodes, put, del);
    for (const d of batch.deposits) {
      put(pk.depositKey(d.record.id), pk.depositValue(d.record.index, d.record.metadata));
      put(pk.shaKey(d.sha256, d.record.index), empty);
      if (d.account !== undefined) put(pk.accountDepositKey(d.account, d.record.index), pk.depositRef(d.record.id));
    }
    for (const c of batch.claims) put(K.claimKey(c.kind, c.account, c.key), utf8(c.depositId));
    const b = batch.block;
    put(K.blockKey(b.height), json(blockToJson(b)));
    put(K.blockBySizeKey(b.treeSize, b.height), empty);
    const h = batch.head;
    put(
      K.HEAD_KEY,
      json({
        treeSize: h.treeSize.toString(),
        compact: h.compact.map(toHex),
        rootHash: toHex(h.rootHash),
        height: h.height.toString(),
        blockHash: toHex(h.blockHash),
        time: h.time,
      } satisfies HeadJson),
    );
    await this.aux.write(ops, batch.records, batch.counters);
  }

  getEntry(index: bigint): Promise<Bytes | undefined> {
    return this.tree.entry(index);
  }

  getEntries(start: bigint, count: number): Promise<Bytes[]> {
    return this.tree.entries(start, count);
  }

  async getNodes(ids: readonly NodeId[]): Promise<Bytes[]> {
    if (ids.length === 0) return [];
    return (await this.tree.nodes(ids, true)) as Bytes[];
  }

  /** Hashes of perfect nodes as stored (or computed from the stored tiles), undefined where missing. */
  storedNodes(ids: readonly NodeId[]): Promise<(Bytes | undefined)[]> {
    return this.tree.nodes(ids, false);
  }

  getTile(level: number, index: bigint): Promise<Bytes | undefined> {
    return this.tree.tile(level, index);
  }

  getEntryBundle(index: bigint): Promise<Bytes | undefined> {
    return this.tree.bundle(index);
  }

  async getBlock(height: bigint): Promise<BlockRecord | undefined> {
    if (height < 0n) return undefined;
    const raw = await this.db.get(K.blockKey(height));
    return raw === undefined ? undefined : blockFromJson(parse<BlockJson>(raw));
  }

  async findCoveringBlock(index: bigint): Promise<BlockRecord | undefined> {
    const keys = await this.db
      .keys({ gte: K.blockBySizeKey(index + 1n, 0n), lt: K.prefixEnd(Uint8Array.of(K.P.blockBySize)), limit: 1 })
      .all();
    const key = keys[0];
    return key === undefined ? undefined : this.getBlock(readU64be(key, 9));
  }

  async getDeposit(id: string): Promise<DepositRecord | undefined> {
    const key = K.depositKey(id);
    // Earlier versions kept every deposit under its text key.
    const raw = (await this.db.get(key)) ?? (this.textDepositKeys && key[1] === 1 ? await this.db.get(K.textDepositKey(id)) : undefined);
    if (raw === undefined) return undefined;
    return { id, ...decodeDepositValue(raw) };
  }

  async findBySha256(sha256: Bytes, limit: number): Promise<bigint[]> {
    const prefix = K.shaPrefix(sha256);
    const keys = await this.db.keys({ gte: prefix, lt: K.prefixEnd(prefix), limit }).all();
    return keys.map((k) => readU64be(k, prefix.length));
  }

  async getClaim(kind: ClaimRecord['kind'], account: string, key: string): Promise<string | undefined> {
    const raw = await this.db.get(K.claimKey(kind, account, key));
    return raw === undefined ? undefined : fromUtf8(raw);
  }

  async listAccountDeposits(account: string, opts: { before?: bigint; limit: number }): Promise<AccountDepositRef[]> {
    if (opts.limit <= 0 || (opts.before !== undefined && opts.before <= 0n)) return [];
    const prefix = K.accountDepositPrefix(account);
    const lt = opts.before === undefined || opts.before > MAX_U64 ? K.prefixEnd(prefix) : K.accountDepositKey(account, opts.before);
    const out: AccountDepositRef[] = [];
    for await (const [k, v] of this.db.iterator({ gte: prefix, lt, reverse: true, limit: opts.limit })) {
      out.push({ index: readU64be(k, prefix.length), id: decodeDepositRef(v) });
    }
    return out;
  }

  async indexAccountDeposits(refs: (AccountDepositRef & { account: string })[], records: RecordWrite[] = [], counters: CounterDelta[] = []): Promise<void> {
    const ops: LevelOp[] = refs.map((r) => ({ type: 'put', key: K.accountDepositKey(r.account, r.index), value: encodeDepositRef(r.id) }));
    await this.aux.write(ops, records, counters);
  }

  async putAccount(account: AccountRecord, key: NewApiKey, counters: CounterDelta[] = []): Promise<void> {
    await this.aux.write(
      [
        { type: 'put', key: K.accountKey(account.id), value: json(account) },
        { type: 'put', key: K.emailKey(account.email), value: utf8(account.id) },
        ...keyOps(key),
      ],
      [],
      counters,
    );
  }

  async updateAccount(account: AccountRecord): Promise<void> {
    await this.aux.write(async () => {
      if ((await this.db.get(K.accountKey(account.id))) === undefined) throw new LogError('not_found', 'no such account');
      return [{ type: 'put', key: K.accountKey(account.id), value: json(account) }];
    });
  }

  async listAccounts(opts: { prefix?: string; after?: string; limit: number }): Promise<AccountRecord[]> {
    if (opts.limit <= 0) return [];
    const from = K.accountKey(opts.prefix ?? '');
    const range: { gt?: Bytes; gte?: Bytes; lt: Bytes; limit: number } = { lt: K.prefixEnd(from), limit: opts.limit };
    if (opts.after !== undefined && opts.after >= (opts.prefix ?? '')) range.gt = K.accountKey(opts.after);
    else range.gte = from;
    return (await this.db.values(range).all()).map((v) => parse<AccountRecord>(v));
  }

  async findKey(hash: Bytes, opts: { includeRevoked?: boolean } = {}): Promise<{ key: ApiKeyRecord; account: AccountRecord } | undefined> {
    const ref = await this.db.get(K.apiKeyKey(hash));
    if (ref === undefined) return undefined;
    const text = fromUtf8(ref);
    const nl = text.indexOf('\n');
    let key: ApiKeyRecord | undefined;
    if (nl < 0) {
      // A key of an earlier version that the migration at open did not see: migrate it now.
      await this.aux.write(async () => {
        const again = await this.db.get(K.apiKeyKey(hash));
        if (again === undefined || fromUtf8(again).includes('\n')) return [];
        const m = await this.legacyKeyOps(hash, text);
        key = m.record;
        return m.ops;
      });
      if (key === undefined) return this.findKey(hash, opts);
    } else {
      key = await this.getKey(text.slice(0, nl), text.slice(nl + 1));
    }
    if (key === undefined || (key.revokedAt !== undefined && !opts.includeRevoked)) return undefined;
    const account = await this.getAccount(key.account);
    return account === undefined ? undefined : { key, account };
  }

  private async getStoredKey(account: string, keyId: string): Promise<StoredKey | undefined> {
    const raw = await this.db.get(K.keyRecordKey(account, keyId));
    return raw === undefined ? undefined : parse<StoredKey>(raw);
  }

  private async getKey(account: string, keyId: string): Promise<ApiKeyRecord | undefined> {
    const k = await this.getStoredKey(account, keyId);
    return k === undefined ? undefined : publicKey(k);
  }

  async listKeys(account: string): Promise<ApiKeyRecord[]> {
    const prefix = K.keyRecordPrefix(account);
    const keys = (await this.db.values({ gte: prefix, lt: K.prefixEnd(prefix) }).all()).map((v) => publicKey(parse<StoredKey>(v)));
    return keys.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  async addKey(key: NewApiKey): Promise<void> {
    await this.aux.write(async () => {
      if ((await this.db.get(K.accountKey(key.record.account))) === undefined) throw new LogError('not_found', 'no such account');
      return keyOps(key);
    });
  }

  async revokeKey(account: string, keyId: string, at: string): Promise<ApiKeyRecord | undefined> {
    let out: ApiKeyRecord | undefined;
    await this.aux.write(async () => {
      const k = await this.getStoredKey(account, keyId);
      if (k === undefined) return [];
      if (k.revokedAt !== undefined) {
        out = publicKey(k);
        return [];
      }
      const revoked: StoredKey = { ...k, revokedAt: at };
      out = publicKey(revoked);
      // The hash index stays: findKey refuses a revoked key, and a revoked secret stays known.
      return [{ type: 'put', key: K.keyRecordKey(account, keyId), value: json(revoked) }];
    });
    return out;
  }

  async touchKeys(uses: { account: string; id: string; at: string }[]): Promise<void> {
    if (uses.length === 0) return;
    await this.aux.write(async () => {
      const ops: LevelOp[] = [];
      for (const u of uses) {
        const k = await this.getStoredKey(u.account, u.id);
        if (k === undefined || k.revokedAt !== undefined || (k.lastUsedAt !== undefined && k.lastUsedAt >= u.at)) continue;
        ops.push({ type: 'put', key: K.keyRecordKey(u.account, u.id), value: json({ ...k, lastUsedAt: u.at }) });
      }
      return ops;
    });
  }

  getRecord(space: string, key: string): Promise<string | undefined> {
    return this.aux.get(space, key);
  }

  listRecords(space: string, opts: { prefix?: string; after?: string; limit: number }): Promise<{ key: string; value: string }[]> {
    return this.aux.list(space, opts);
  }

  getCounter(name: string): Promise<number | undefined> {
    return this.aux.counter(name);
  }

  writeRecords(records: RecordWrite[], counters: CounterDelta[] = []): Promise<void> {
    return this.aux.write([], records, counters);
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const raw = await this.db.get(K.accountKey(id));
    return raw === undefined ? undefined : parse<AccountRecord>(raw);
  }

  async getAccountByEmail(email: string): Promise<AccountRecord | undefined> {
    const id = await this.db.get(K.emailKey(email));
    return id === undefined ? undefined : this.getAccount(fromUtf8(id));
  }

  async countAccounts(): Promise<number> {
    let n = 0;
    const prefix = Uint8Array.of(K.P.account);
    for await (const _ of this.db.keys({ gte: prefix, lt: K.prefixEnd(prefix) })) n++;
    return n;
  }

  async putTimestamp(height: bigint, der: Bytes, tsa: string): Promise<void> {
    const label = utf8(tsa);
    if (label.length > 0xffff) throw new LogError('invalid_request', 'TSA label too long');
    const value = concatBytes(Uint8Array.of(label.length >> 8, label.length & 255), label, der);
    // One key nothing else writes: no need to serialize with commit or the record writer.
    await this.db.put(K.timestampKey(height), value, { sync: true });
  }

  async getTimestamp(height: bigint): Promise<TimestampRecord | undefined> {
    if (height < 0n) return undefined;
    const raw = await this.db.get(K.timestampKey(height));
    return raw === undefined ? undefined : timestampFromBytes(raw);
  }

  async findFirstTimestampedBlock(fromHeight: bigint): Promise<(TimestampRecord & { height: bigint }) | undefined> {
    const from = fromHeight < 0n ? 0n : fromHeight;
    const [entry] = await this.db.iterator({ gte: K.timestampKey(from), lt: K.prefixEnd(Uint8Array.of(K.P.timestamp)), limit: 1 }).all();
    if (entry === undefined) return undefined;
    return { height: readU64be(entry[0], 1), ...timestampFromBytes(entry[1]) };
  }

  /**
   * Closes the database, after LevelDB has flushed its memtable and finished the compactions due
   * (settle.ts; at most `settleOnCloseMs`, default 30 s), so no half-written tables are left behind.
   */
  async close(): Promise<void> {
    if (!this.readOnly && this.db.status === 'open') await settleCompactions(this.db, this.settleOnCloseMs).catch(() => undefined);
    await this.db.close();
  }
}

const KEYS_MIGRATED = 'keys-v2';
const MAX_U64 = 0xffff_ffff_ffff_ffffn;

/** A key record as stored: the public record and the hash of its secret. */
type StoredKey = ApiKeyRecord & { sha256: string };

function publicKey(k: StoredKey): ApiKeyRecord {
  const { sha256: _, ...rest } = k;
  return rest;
}

function keyOps(key: NewApiKey): LevelOp[] {
  const r = key.record;
  return [
    { type: 'put', key: K.keyRecordKey(r.account, r.id), value: json({ ...r, sha256: toHex(key.hash) } satisfies StoredKey) },
    { type: 'put', key: K.apiKeyKey(key.hash), value: utf8(`${r.account}\n${r.id}`) },
  ];
}

function timestampFromBytes(raw: Bytes): TimestampRecord {
  const n = raw.length < 2 ? -1 : (raw[0]! << 8) | raw[1]!;
  if (n < 0 || raw.length < 2 + n) throw new LogError('corrupt_store', 'timestamp record is unreadable');
  return { tsa: fromUtf8(raw.subarray(2, 2 + n)), der: new Uint8Array(raw.subarray(2 + n)) };
}

function blockToJson(b: BlockRecord): BlockJson {
  return {
    height: b.height.toString(),
    treeSize: b.treeSize.toString(),
    rootHash: toHex(b.rootHash),
    prevHash: toHex(b.prevHash),
    time: b.time,
    checkpoint: b.checkpoint,
  };
}

function blockFromJson(j: BlockJson): BlockRecord {
  return {
    height: BigInt(j.height),
    treeSize: BigInt(j.treeSize),
    rootHash: fromHex(j.rootHash, 32),
    prevHash: fromHex(j.prevHash, 32),
    time: j.time,
    checkpoint: j.checkpoint,
  };
}
