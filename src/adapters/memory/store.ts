/**
 * LogStore in memory: a fake for tests and the reference the LevelDB adapter is checked
 * against (both run one contract suite). Commits are atomic; nothing is durable.
 */
import { toHex } from '../../core/bytes.js';
import { LogError } from '../../core/errors.js';
import type { NodeId } from '../../core/merkle.js';
import type { AccountRecord, BlockRecord, ClaimRecord, CommitBatch, DepositRecord, LogHead, LogStore } from '../../app/ports.js';

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

  async putAccount(account: AccountRecord, apiKeyHash: Uint8Array) {
    this.accounts.set(account.id, account);
    this.keys.set(toHex(apiKeyHash), account.id);
    this.emails.set(account.email.toLowerCase(), account.id);
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

  async close() {}
}

const nodeKey = (id: NodeId) => `${id.level}/${id.index}`;
const claimKey = (kind: string, account: string, key: string) => `${kind}\u0000${account}\u0000${key}`;
