/**
 * LedgerStore in memory: a fake for tests and the reference the LevelDB adapter is checked
 * against (both run one contract suite). Commits are atomic; nothing is durable.
 */
import { concatBytes, fromHex, toHex } from '../../core/bytes.js';
import { entryBundle } from '../../core/tiles.js';
import { LogError } from '../../core/errors.js';
import type { NodeId } from '../../core/merkle.js';
import { SESSION_SPACES, type StoreDump, type StoreLoad } from '../../app/migrate.js';
import type { AccountDepositRef, AccountRecord, ApiKeyRecord, BlockRecord, ClaimRecord, CommitBatch, CounterDelta, DepositRecord, LogHead, LedgerStore, NewApiKey, RecordWrite, TimestampRecord } from '../../app/ports.js';

export class MemoryLogStore implements LedgerStore {
  private head: LogHead | undefined;
  private readonly entries = new Map<bigint, Uint8Array>();
  private readonly nodes = new Map<string, Uint8Array>();
  private readonly blocks = new Map<bigint, BlockRecord>();
  private readonly deposits = new Map<string, DepositRecord>();
  private readonly bySha = new Map<string, bigint[]>();
  private readonly claims = new Map<string, string>();
  /** Account id → log index → deposit id (the per-account index). */
  private readonly byAccount = new Map<string, Map<bigint, string>>();
  private readonly accounts = new Map<string, AccountRecord>();
  /** Key hash (hex) → account and key id of an unrevoked key. */
  private readonly keys = new Map<string, { account: string; id: string }>();
  /** Account id → key id → record and hash (hex). */
  private readonly keyRecords = new Map<string, Map<string, { record: ApiKeyRecord; hash: string }>>();
  private readonly emails = new Map<string, string>();
  private readonly timestamps = new Map<bigint, TimestampRecord>();
  private readonly records = new Map<string, Map<string, string>>();
  private readonly counters = new Map<string, number>();
  /** Set to make the next commit fail (tests of failure handling). */
  failNextCommit: Error | undefined;

  async loadHead() {
    return this.head;
  }

  async commit(batch: CommitBatch): Promise<void> {
    await Promise.resolve();
    if (this.failNextCommit) {
      const e = this.failNextCommit;
      this.failNextCommit = undefined;
      throw e;
    }
    for (const e of batch.entries) this.entries.set(e.index, e.bytes);
    for (const n of batch.nodes) this.nodes.set(nodeKey(n.id), n.hash);
    for (const d of batch.deposits) {
      this.deposits.set(d.record.id, d.record);
      const k = toHex(d.sha256);
      this.bySha.set(k, [...(this.bySha.get(k) ?? []), d.record.index]);
      if (d.account !== undefined) this.indexDeposit(d.account, d.record.index, d.record.id);
    }
    for (const c of batch.claims) this.claims.set(claimKey(c.kind, c.account, c.key), c.depositId);
    this.applyRecords(batch.records ?? [], batch.counters ?? []);
    this.blocks.set(batch.block.height, batch.block);
    this.head = batch.head;
  }

  async getEntry(index: bigint) {
    return this.entries.get(index);
  }

  async getEntries(start: bigint, count: number) {
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const e = this.entries.get(start + BigInt(i));
      if (e === undefined) break;
      out.push(e);
    }
    return out;
  }

  async getNodes(ids: readonly NodeId[]) {
    return ids.map((id) => {
      const h = this.nodes.get(nodeKey(id));
      if (h === undefined) throw new LogError('corrupt_store', `tree node level ${id.level} index ${id.index} is missing`);
      return h;
    });
  }

  async getTile(level: number, index: bigint) {
    const hashes: Uint8Array[] = [];
    for (let i = 0n; i < 256n; i++) {
      const h = this.nodes.get(nodeKey({ level: level * 8, index: index * 256n + i }));
      if (h === undefined) break;
      hashes.push(h);
    }
    return hashes.length === 0 ? undefined : concatBytes(...hashes);
  }

  async getEntryBundle(index: bigint) {
    const entries = await this.getEntries(index * 256n, 256);
    return entries.length === 0 ? undefined : entryBundle(entries);
  }

  async getBlock(height: bigint) {
    return this.blocks.get(height);
  }

  async findCoveringBlock(index: bigint) {
    let best: BlockRecord | undefined;
    for (const b of this.blocks.values()) if (b.treeSize > index && (best === undefined || b.height < best.height)) best = b;
    return best;
  }

  async getDeposit(id: string) {
    return this.deposits.get(id);
  }

  async findBySha256(sha256: Uint8Array, limit: number) {
    return (this.bySha.get(toHex(sha256)) ?? []).slice(0, limit);
  }

  async getClaim(kind: ClaimRecord['kind'], account: string, key: string) {
    return this.claims.get(claimKey(kind, account, key));
  }

  async listAccountDeposits(account: string, opts: { before?: bigint; limit: number }): Promise<AccountDepositRef[]> {
    const mine = this.byAccount.get(account);
    if (mine === undefined || opts.limit <= 0) return [];
    return [...mine.keys()]
      .filter((i) => opts.before === undefined || i < opts.before)
      .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))
      .slice(0, opts.limit)
      .map((index) => ({ index, id: mine.get(index)! }));
  }

  async indexAccountDeposits(refs: (AccountDepositRef & { account: string })[], records: RecordWrite[] = [], counters: CounterDelta[] = []): Promise<void> {
    await Promise.resolve();
    for (const r of refs) this.indexDeposit(r.account, r.index, r.id);
    this.applyRecords(records, counters);
  }

  private indexDeposit(account: string, index: bigint, id: string) {
    let mine = this.byAccount.get(account);
    if (mine === undefined) this.byAccount.set(account, (mine = new Map()));
    mine.set(index, id);
  }

  async putAccount(account: AccountRecord, key: NewApiKey, counters: CounterDelta[] = []) {
    await Promise.resolve();
    this.accounts.set(account.id, { ...account });
    this.emails.set(account.email.toLowerCase(), account.id);
    this.storeKey(key);
    this.applyRecords([], counters);
  }

  async updateAccount(account: AccountRecord) {
    await Promise.resolve();
    if (!this.accounts.has(account.id)) throw new LogError('not_found', 'no such account');
    this.accounts.set(account.id, { ...account });
  }

  async listAccounts(opts: { prefix?: string; after?: string; limit: number }) {
    const prefix = opts.prefix ?? '';
    return [...this.accounts.keys()]
      .filter((id) => id.startsWith(prefix) && (opts.after === undefined || id > opts.after))
      .sort()
      .slice(0, Math.max(0, opts.limit))
      .map((id) => ({ ...this.accounts.get(id)! }));
  }

  async findKey(hash: Uint8Array, opts: { includeRevoked?: boolean } = {}) {
    const ref = this.keys.get(toHex(hash));
    const key = ref === undefined ? undefined : this.keyRecords.get(ref.account)?.get(ref.id)?.record;
    const account = key === undefined ? undefined : this.accounts.get(key.account);
    return key === undefined || account === undefined || (key.revokedAt !== undefined && !opts.includeRevoked) ? undefined : { key: { ...key }, account: { ...account } };
  }

  async listKeys(account: string) {
    return [...(this.keyRecords.get(account)?.values() ?? [])]
      .map((k) => ({ ...k.record }))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  async addKey(key: NewApiKey) {
    await Promise.resolve();
    if (!this.accounts.has(key.record.account)) throw new LogError('not_found', 'no such account');
    this.storeKey(key);
  }

  async revokeKey(account: string, keyId: string, at: string) {
    await Promise.resolve();
    const k = this.keyRecords.get(account)?.get(keyId);
    if (k === undefined) return undefined;
    if (k.record.revokedAt === undefined) {
      k.record = { ...k.record, revokedAt: at };
    }
    return { ...k.record };
  }

  async touchKeys(uses: { account: string; id: string; at: string }[]) {
    await Promise.resolve();
    for (const u of uses) {
      const k = this.keyRecords.get(u.account)?.get(u.id);
      if (k === undefined || k.record.revokedAt !== undefined || (k.record.lastUsedAt !== undefined && k.record.lastUsedAt >= u.at)) continue;
      k.record = { ...k.record, lastUsedAt: u.at };
    }
  }

  private storeKey(key: NewApiKey) {
    const hash = toHex(key.hash);
    let mine = this.keyRecords.get(key.record.account);
    if (mine === undefined) this.keyRecords.set(key.record.account, (mine = new Map()));
    mine.set(key.record.id, { record: { ...key.record }, hash });
    this.keys.set(hash, { account: key.record.account, id: key.record.id });
  }

  async getRecord(space: string, key: string) {
    return this.records.get(space)?.get(key);
  }

  async listRecords(space: string, opts: { prefix?: string; after?: string; limit: number }) {
    const prefix = opts.prefix ?? '';
    const after = opts.after === undefined ? undefined : Buffer.from(opts.after);
    const keys = [...(this.records.get(space)?.keys() ?? [])]
      .filter((k) => k.startsWith(prefix) && (after === undefined || Buffer.compare(Buffer.from(k), after) > 0))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .slice(0, Math.max(0, opts.limit));
    return keys.map((key) => ({ key, value: this.records.get(space)!.get(key)! }));
  }

  async getCounter(name: string) {
    return this.counters.get(name);
  }

  async writeRecords(records: RecordWrite[], counters: CounterDelta[] = []) {
    await Promise.resolve();
    this.applyRecords(records, counters);
  }

  private applyRecords(records: readonly RecordWrite[], counters: readonly CounterDelta[]) {
    for (const r of records) {
      let space = this.records.get(r.space);
      if (space === undefined) this.records.set(r.space, (space = new Map()));
      if (r.value === null) space.delete(r.key);
      else space.set(r.key, r.value);
    }
    for (const c of counters) this.counters.set(c.name, (this.counters.get(c.name) ?? 0) + c.delta);
  }

  async getAccount(id: string) {
    const a = this.accounts.get(id);
    return a === undefined ? undefined : { ...a };
  }

  async getAccountByEmail(email: string) {
    const id = this.emails.get(email.toLowerCase());
    return id === undefined ? undefined : this.getAccount(id);
  }

  async countAccounts() {
    return this.accounts.size;
  }

  async putTimestamp(height: bigint, der: Uint8Array, tsa: string) {
    await Promise.resolve();
    this.timestamps.set(height, { der: der.slice(), tsa });
  }

  async getTimestamp(height: bigint) {
    return this.timestamps.get(height);
  }

  async findFirstTimestampedBlock(fromHeight: bigint) {
    let best: bigint | undefined;
    for (const h of this.timestamps.keys()) if (h >= fromHeight && (best === undefined || h < best)) best = h;
    return best === undefined ? undefined : { height: best, ...this.timestamps.get(best)! };
  }

  async close() {}

  /**
   * What the ports cannot list (app/migrate.ts), without sessions and passwords: the memory
   * session store is a separate object (MemorySessionStore.dump).
   */
  dump(): Omit<StoreDump, 'sessions' | 'passwords'> {
    const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    return {
      accounts: async function* (this: MemoryLogStore) {
        for (const id of [...this.accounts.keys()].sort(byBytes)) {
          const keys = [...(this.keyRecords.get(id)?.values() ?? [])].map((k) => ({ record: { ...k.record }, hash: fromHex(k.hash, 32) }));
          yield { account: { ...this.accounts.get(id)! }, keys };
        }
      }.bind(this),
      claims: async function* (this: MemoryLogStore) {
        for (const [k, depositId] of this.claims) {
          const [kind, account, key] = k.split('\u0000') as [ClaimRecord['kind'], string, string];
          yield { kind, account, key, depositId };
        }
      }.bind(this),
      records: async function* (this: MemoryLogStore) {
        for (const space of [...this.records.keys()].sort(byBytes)) {
          if (SESSION_SPACES.has(space)) continue;
          const m = this.records.get(space)!;
          for (const key of [...m.keys()].sort(byBytes)) yield { space, key, value: m.get(key)! };
        }
      }.bind(this),
      counters: async function* (this: MemoryLogStore) {
        for (const [name, value] of this.counters) yield { name, value };
      }.bind(this),
    };
  }

  /** Writes what the ports cannot write as it was (app/migrate.ts). */
  load(): StoreLoad {
    return {
      putAccount: async (account, keys) => {
        await Promise.resolve();
        this.accounts.set(account.id, { ...account });
        this.emails.set(account.email.toLowerCase(), account.id);
        for (const k of keys) this.storeKey(k);
      },
      putClaims: async (claims) => {
        await Promise.resolve();
        for (const c of claims) this.claims.set(claimKey(c.kind, c.account, c.key), c.depositId);
      },
    };
  }
}

const nodeKey = (id: NodeId) => `${id.level}/${id.index}`;
const claimKey = (kind: string, account: string, key: string) => `${kind}\u0000${account}\u0000${key}`;
