/**
 * Ports the use cases are written against. Adapters (LevelDB today, a distributed store later)
 * implement them; use cases never see a key schema or a database handle.
 */
import type { NodeId } from '../core/merkle.js';

/** The integrated state of the log after the last committed block. */
export interface LogHead {
  treeSize: bigint;
  /** Compact-range hashes of [0, treeSize): the right border of perfect subtrees, left to right. */
  compact: Uint8Array[];
  rootHash: Uint8Array;
  height: bigint;
  /** SHA-256 of the latest block's checkpoint body (the next block's `prev`). */
  blockHash: Uint8Array;
  /** The latest block's time (block times never go back). */
  time: string;
}

export interface BlockRecord {
  height: bigint;
  treeSize: bigint;
  rootHash: Uint8Array;
  prevHash: Uint8Array;
  time: string;
  /** The signed checkpoint note. */
  checkpoint: string;
}

/** What the service keeps about a deposit beyond its log entry. */
export interface DepositRecord {
  id: string;
  index: bigint;
  /** JCS text of the metadata object including its salt (private: never in the log). */
  metadata: string;
}

export interface AccountRecord {
  id: string;
  name: string;
  email: string;
  kind: 'individual' | 'organisation';
  role: 'creator' | 'platform' | 'reviewer' | 'admin';
  createdAt: string;
}

/** One key → deposit id claim (Idempotency-Key or externalId), scoped to an account. */
export interface ClaimRecord {
  kind: 'idempotency' | 'external';
  account: string;
  key: string;
  depositId: string;
}

/** Everything one sequencer batch writes. */
export interface CommitBatch {
  entries: { index: bigint; bytes: Uint8Array }[];
  /** Every perfect-subtree node the batch completes, leaves (level 0) included. */
  nodes: { id: NodeId; hash: Uint8Array }[];
  block: BlockRecord;
  head: LogHead;
  deposits: { record: DepositRecord; sha256: Uint8Array }[];
  claims: ClaimRecord[];
}

/**
 * Storage for the log. Implementations:
 * - MUST make `commit` atomic (all of the batch or none of it) and durable (synced to disk)
 *   before its promise resolves;
 * - MUST NOT be called concurrently for `commit` (there is one writer, the sequencer);
 * - MUST serve reads concurrently with a commit, returning only committed data;
 * - MAY cache, but MUST NOT return data of an uncommitted batch.
 */
export interface LogStore {
  /** The head, or undefined for a store that holds no log yet. */
  loadHead(): Promise<LogHead | undefined>;
  commit(batch: CommitBatch): Promise<void>;
  /** Entry bytes at `index`, or undefined past the stored tree. */
  getEntry(index: bigint): Promise<Uint8Array | undefined>;
  /** Entries [start, start+count) that exist, in order. */
  getEntries(start: bigint, count: number): Promise<Uint8Array[]>;
  /** Hashes of perfect nodes, one per id in order. MUST throw LogError('corrupt_store') if one is missing. */
  getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]>;
  getBlock(height: bigint): Promise<BlockRecord | undefined>;
  /** The first (lowest) block whose tree size is > index: the block that first covers entry `index`. */
  findCoveringBlock(index: bigint): Promise<BlockRecord | undefined>;
  getDeposit(id: string): Promise<DepositRecord | undefined>;
  /** Indexes of entries depositing this SHA-256, ascending, at most `limit`. */
  findBySha256(sha256: Uint8Array, limit: number): Promise<bigint[]>;
  getClaim(kind: ClaimRecord['kind'], account: string, key: string): Promise<string | undefined>;

  putAccount(account: AccountRecord, apiKeyHash: Uint8Array): Promise<void>;
  getAccount(id: string): Promise<AccountRecord | undefined>;
  getAccountByKeyHash(apiKeyHash: Uint8Array): Promise<AccountRecord | undefined>;
  getAccountByEmail(email: string): Promise<AccountRecord | undefined>;
  countAccounts(): Promise<number>;

  close(): Promise<void>;
}

/** Signs checkpoint notes. `sign` MUST be synchronous and return a 64-byte Ed25519 signature. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** Random bytes from a CSPRNG. */
export type RandomBytes = (n: number) => Uint8Array;
