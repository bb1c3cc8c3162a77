/**
 * LogStore on LevelDB (`level`). One synced batch per sequencer commit; reads go straight to
 * LevelDB and never wait for the writer.
 */
import { Level } from 'level';
import { fromHex, fromUtf8, readU64be, toHex, u64be, utf8, concatBytes } from '../../core/bytes.js';
import { LogError } from '../../core/errors.js';
import type { NodeId } from '../../core/merkle.js';
import type { AccountRecord, BlockRecord, ClaimRecord, CommitBatch, DepositRecord, LogHead, LogStore } from '../../app/ports.js';
import * as K from './keys.js';

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

export class LevelLogStore implements LogStore {
  private constructor(readonly db: Level<Bytes, Bytes>) {}

  /** Opens (creating if needed) the database at `path`. */
  static async open(path: string): Promise<LevelLogStore> {
    const db = new Level<Bytes, Bytes>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    return new LevelLogStore(db);
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
    const ops: { type: 'put'; key: Bytes; value: Bytes }[] = [];
    const put = (key: Bytes, value: Bytes) => ops.push({ type: 'put', key, value });
    const empty = new Uint8Array(0);
    for (const e of batch.entries) put(K.entryKey(e.index), e.bytes);
    for (const n of batch.nodes) put(K.nodeKey(n.id.level, n.id.index), n.hash);
    for (const d of batch.deposits) {
      put(K.depositKey(d.record.id), concatBytes(u64be(d.record.index), utf8(d.record.metadata)));
      put(K.shaKey(d.sha256, d.record.index), empty);
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
    await this.db.batch(ops, { sync: true });
  }

  async getEntry(index: bigint): Promise<Bytes | undefined> {
    if (index < 0n) return undefined;
    return this.db.get(K.entryKey(index));
  }

  async getEntries(start: bigint, count: number): Promise<Bytes[]> {
    if (count <= 0) return [];
    return this.db.values({ gte: K.entryKey(start), lt: K.entryKey(start + BigInt(count)) }).all();
  }

  async getNodes(ids: readonly NodeId[]): Promise<Bytes[]> {
    if (ids.length === 0) return [];
    const values = await this.db.getMany(ids.map((id) => K.nodeKey(id.level, id.index)));
    return values.map((v, i) => {
      if (v === undefined || v.length !== 32) {
        throw new LogError('corrupt_store', `tree node level ${ids[i]!.level} index ${ids[i]!.index} is missing`);
      }
      return v;
    });
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
    const raw = await this.db.get(K.depositKey(id));
    if (raw === undefined) return undefined;
    return { id, index: readU64be(raw, 0), metadata: fromUtf8(raw.subarray(8)) };
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

  async putAccount(account: AccountRecord, apiKeyHash: Bytes): Promise<void> {
    await this.db.batch(
      [
        { type: 'put', key: K.accountKey(account.id), value: json(account) },
        { type: 'put', key: K.apiKeyKey(apiKeyHash), value: utf8(account.id) },
        { type: 'put', key: K.emailKey(account.email), value: utf8(account.id) },
      ],
      { sync: true },
    );
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const raw = await this.db.get(K.accountKey(id));
    return raw === undefined ? undefined : parse<AccountRecord>(raw);
  }

  async getAccountByKeyHash(apiKeyHash: Bytes): Promise<AccountRecord | undefined> {
    const id = await this.db.get(K.apiKeyKey(apiKeyHash));
    return id === undefined ? undefined : this.getAccount(fromUtf8(id));
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

  async close(): Promise<void> {
    await this.db.close();
  }
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
