/**
 * LogStore in memory: a fake for tests and the reference the LevelDB adapter is checked
 * against (both run one contract suite). Commits are atomic; nothing is durable.
 */
import { toHex } from '../../core/bytes.js';
import { LogError } from '../../core/errors.js';
import type { NodeId } from '../../core/merkle.js';
import type { AccountRecord, BlockRecord, ClaimRecord, CommitBatch, CounterDelta, DepositRecord, LogHead, LogStore, RecordWrite, TimestampRecord } from '../../app/ports.js';

export class MemoryLogStore implements LogStore {
  private head: LogHead | undefined;
  private readonly entries = new Map<bigint, Uint8Array>();
  private readonly nodes = new Map<string, Uint8Array>();
  private readonly blocks = new Map<bigint, BlockRecord>();
  private readonly deposits = new Map<string, DepositRecord>();
  private readonly bySha = new Map<string, bigint[]>();
  private readonly claims = new Map<string, string>();
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly keys = new Map<string, string>();
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

  async putAccount(account: AccountRecord, apiKeyHash: Uint8Array, counters: CounterDelta[] = []) {
    this.accounts.set(account.id, account);
    this.keys.set(toHex(apiKeyHash), account.id);
    this.emails.set(account.email.toLowerCase(), account.id);
    this.applyRecords([], counters);
  }

  async updateAccount(account: AccountRecord) {
    if (!this.accounts.has(account.id)) throw new LogError('not_found', 'no such account');
    this.accounts.set(account.id, account);
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
    return this.accounts.get(id);
  }

  async getAccountByKeyHash(apiKeyHash: Uint8Array) {
    const id = this.keys.get(toHex(apiKeyHash));
    return id === undefined ? undefined : this.accounts.get(id);
  }

  async getAccountByEmail(email: string) {
    const id = this.emails.get(email.toLowerCase());
    return id === undefined ? undefined : this.accounts.get(id);
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
}

const nodeKey = (id: NodeId) => `${id.level}/${id.index}`;
const claimKey = (kind: string, account: string, key: string) => `${kind}\u0000${account}\u0000${key}`;
