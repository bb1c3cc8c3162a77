/**
 * The ledger: sequencing and integration behind one writer, proofs and blocks for readers.
 *
 * Group commit: appends that arrive while a batch is being written wait for the next batch.
 * Each batch becomes one atomic, synced store write holding its entries, every tree node it
 * completes and its new signed block. An append resolves only after that write: an index is
 * reported only once it is durable. In-memory state moves forward only after the write
 * succeeded, so a failed write leaves the log exactly as it was.
 */
import { blockHash, formatCheckpointBody, ZERO_HASH } from '../core/checkpoint.js';
import { LogError } from '../core/errors.js';
import type { Sha256 } from '../core/hash.js';
import { CompactRange, consistencyProofNodes, inclusionProofNodes, rehashProof, TreeHasher, type NodeId } from '../core/merkle.js';
import { isSignedBy, signNoteBy, type NoteSigner } from '../core/note.js';
import { formatTime } from '../core/time.js';
import { keyAt, loadKeyHistory, logKeyRecord, type LogKeyRange } from './log-keys.js';
import type { BlockRecord, ClaimRecord, Clock, CommitBatch, CounterDelta, DepositRecord, LogHead, LogStore, RecordWrite } from './ports.js';

/** One entry to append, with the records that must become durable in the same write. */
export interface PendingEntry {
  bytes: Uint8Array;
  deposit?: { record: Omit<DepositRecord, 'index'>; sha256: Uint8Array };
  claims?: ClaimRecord[];
  /**
   * Auxiliary records written in the same atomic batch as the entry. Called once, synchronously,
   * with the index the entry gets, when the batch is built; it MUST NOT throw.
   */
  records?: (index: bigint) => RecordWrite[];
  /** Counter deltas applied in the same atomic batch as the entry. */
  counters?: CounterDelta[];
}

/** The counter every batch advances by the number of deposit records it writes. */
export const DEPOSITS_COUNTER = 'deposits';

export interface Appended {
  index: bigint;
  /** Height of the block that first covers the entry. */
  block: bigint;
}

export interface LedgerOptions {
  store: LogStore;
  signer: NoteSigner;
  verifierKey: string;
  origin: string;
  sha256: Sha256;
  clock: Clock;
  /** Most entries one batch may hold (default 20,000). */
  maxBatch?: number;
  /** Most entries waiting for a batch; beyond it `append` throws `overloaded` (default 200,000). */
  maxQueue?: number;
  /**
   * The key the log signed with before `signer` (key rotation). When the latest block is not
   * signed by `signer` but by this key, `open` writes a hand-over block signed by both.
   */
  previousSigner?: NoteSigner & { verifierKey: string };
}

interface Waiter {
  items: PendingEntry[];
  resolve: (r: Appended[]) => void;
  reject: (e: unknown) => void;
}

export class Ledger {
  readonly hasher: TreeHasher;
  readonly origin: string;
  readonly verifierKey: string;
  /** Every key the log has signed with, oldest first; the last is `verifierKey`. */
  readonly keys: readonly LogKeyRange[];
  private head: LogHead;
  private compact: CompactRange;
  private latest: BlockRecord;
  private queue: Waiter[] = [];
  private queued = 0;
  private draining = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  private readonly blockListeners = new Set<(block: BlockRecord) => void>();

  private constructor(
    private readonly opts: LedgerOptions,
    head: LogHead,
    latest: BlockRecord,
    keys: LogKeyRange[],
  ) {
    this.hasher = new TreeHasher(opts.sha256);
    this.origin = opts.origin;
    this.verifierKey = opts.verifierKey;
    this.keys = keys.length > 0 ? keys : [{ key: opts.verifierKey, firstHeight: 0n }];
    this.head = head;
    this.latest = latest;
    this.compact = new CompactRange(this.hasher, head.treeSize, head.compact);
    this.maxBatch = opts.maxBatch ?? 20_000;
    this.maxQueue = opts.maxQueue ?? 200_000;
  }

  /** Opens the log in `store`, writing block 0 (the empty tree) if the store holds none. */
  static async open(opts: LedgerOptions): Promise<Ledger> {
    let head = await opts.store.loadHead();
    if (head === undefined) {
      const hasher = new TreeHasher(opts.sha256);
      const block = makeBlock(opts, 0n, 0n, hasher.emptyRoot(), ZERO_HASH, formatTime(opts.clock.now()));
      head = { treeSize: 0n, compact: [], rootHash: block.record.rootHash, height: 0n, blockHash: block.hash, time: block.record.time };
      await opts.store.commit({ entries: [], nodes: [], block: block.record, head, deposits: [], claims: [] });
    }
    let latest = await opts.store.getBlock(head.height);
    if (latest === undefined) throw new LogError('corrupt_store', `latest block ${head.height} is missing`);
    if (!isSignedBy(latest.checkpoint, opts.verifierKey)) ({ head, latest } = await handOver(opts, head, latest));
    return new Ledger(opts, head, latest, await loadKeyHistory(opts.store));
  }

  /** The key in force at block `height` (the incoming key for a hand-over block, which both keys sign). */
  keyAt(height: bigint): string {
    return keyAt(this.keys, height) ?? this.verifierKey;
  }

  /** The key of the history equal to `logKey` (a certificate's), else the current key. */
  keyNamed(logKey: unknown): string {
    return this.keys.find((k) => k.key === logKey)?.key ?? this.verifierKey;
  }

  get treeSize(): bigint {
    return this.head.treeSize;
  }

  /**
   * Calls `listener` after each block is committed, synchronously, in commit order. The listener
   * MUST be quick and MUST NOT throw (background work such as timestamping only wakes up here).
   * Returns a function that removes it.
   */
  onBlock(listener: (block: BlockRecord) => void): () => void {
    this.blockListeners.add(listener);
    return () => this.blockListeners.delete(listener);
  }

  get latestBlock(): BlockRecord {
    return this.latest;
  }

  /** Entries waiting for a batch. */
  get backlog(): number {
    return this.queued;
  }

  /**
   * Appends entries, all in the same batch, in order. Resolves once they are durable.
   * MUST throw LogError('overloaded') at once when the queue is full.
   */
  append(items: PendingEntry[]): Promise<Appended[]> {
    if (this.closed) return Promise.reject(new LogError('overloaded', 'the log is shutting down', { details: { retryAfter: 5 } }));
    if (items.length === 0) return Promise.resolve([]);
    if (items.length > this.maxBatch) return Promise.reject(new LogError('invalid_request', `at most ${this.maxBatch} entries at once`));
    if (this.queued + items.length > this.maxQueue) {
      return Promise.reject(new LogError('overloaded', 'too many deposits are waiting; retry shortly', { details: { retryAfter: 1 } }));
    }
    return new Promise<Appended[]>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.queued += items.length;
      if (!this.draining) {
        this.draining = true;
        this.idle = new Promise<void>((done) => setImmediate(() => void this.drain().finally(done)));
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const take: Waiter[] = [];
      let n = 0;
      while (this.queue.length > 0 && n + this.queue[0]!.items.length <= this.maxBatch) {
        const w = this.queue.shift()!;
        take.push(w);
        n += w.items.length;
      }
      this.queued -= n;
      try {
        const results = await this.commit(take);
        take.forEach((w, i) => w.resolve(results[i]!));
      } catch (e) {
        for (const w of take) w.reject(e);
      }
    }
    this.draining = false;
  }

  private async commit(waiters: Waiter[]): Promise<Appended[][]> {
    const compact = this.compact.clone();
    const records: RecordWrite[] = [];
    const counters: CounterDelta[] = [];
    const batch: CommitBatch = { entries: [], nodes: [], deposits: [], claims: [], records, counters, block: undefined!, head: undefined! };
    const visit = (id: NodeId, hash: Uint8Array) => batch.nodes.push({ id, hash });
    const height = this.head.height + 1n;
    let index = this.head.treeSize;
    const results = waiters.map((w) =>
      w.items.map((item) => {
        compact.append(this.hasher.hashLeaf(item.bytes), visit);
        batch.entries.push({ index, bytes: item.bytes });
        if (item.deposit) batch.deposits.push({ record: { ...item.deposit.record, index }, sha256: item.deposit.sha256 });
        if (item.claims) batch.claims.push(...item.claims);
        if (item.records) records.push(...item.records(index));
        if (item.counters) counters.push(...item.counters);
        return { index: index++, block: height };
      }),
    );
    if (batch.deposits.length > 0) counters.push({ name: DEPOSITS_COUNTER, delta: batch.deposits.length });
    const lastMs = Date.parse(this.head.time);
    const time = formatTime(Math.max(this.opts.clock.now(), lastMs));
    const block = makeBlock(this.opts, height, index, compact.root(), this.head.blockHash, time);
    batch.block = block.record;
    batch.head = { treeSize: index, compact: [...compact.hashes], rootHash: block.record.rootHash, height, blockHash: block.hash, time };
    await this.opts.store.commit(batch);
    this.head = batch.head;
    this.compact = compact;
    this.latest = block.record;
    for (const listener of this.blockListeners) {
      try {
        listener(block.record);
      } catch {
        // A listener MUST NOT throw; one that does cannot fail a durable commit.
      }
    }
    return results;
  }

  /** Entry bytes, or undefined past the committed tree. */
  async entry(index: bigint): Promise<Uint8Array | undefined> {
    if (index < 0n || index >= this.head.treeSize) return undefined;
    return this.opts.store.getEntry(index);
  }

  /** Up to `count` committed entries from `start`, in order. */
  async entries(start: bigint, count: number): Promise<Uint8Array[]> {
    const end = start + BigInt(count) > this.head.treeSize ? this.head.treeSize : start + BigInt(count);
    if (start < 0n || start >= end) return [];
    return this.opts.store.getEntries(start, Number(end - start));
  }

  async leafHash(index: bigint): Promise<Uint8Array> {
    const [h] = await this.opts.store.getNodes([{ level: 0, index }]);
    return h!;
  }

  /** Inclusion proof of `index` in the tree of `treeSize` (default: latest). MUST reject index >= treeSize > current size. */
  async inclusionProof(index: bigint, treeSize: bigint = this.head.treeSize): Promise<{ leafHash: Uint8Array; hashes: Uint8Array[] }> {
    if (treeSize > this.head.treeSize) throw new LogError('invalid_request', `treeSize ${treeSize} is beyond the log (${this.head.treeSize})`);
    if (index < 0n || index >= treeSize) throw new LogError('invalid_request', `index ${index} is not below treeSize ${treeSize}`);
    const nodes = inclusionProofNodes(index, treeSize);
    const [leaf, ...hashes] = await this.opts.store.getNodes([{ level: 0, index }, ...nodes.ids]);
    return { leafHash: leaf!, hashes: rehashProof(nodes, hashes, this.hasher) };
  }

  /** Consistency proof between tree sizes 0 <= from <= to <= current size. */
  async consistencyProof(from: bigint, to: bigint): Promise<Uint8Array[]> {
    if (to > this.head.treeSize) throw new LogError('invalid_request', `to ${to} is beyond the log (${this.head.treeSize})`);
    if (from < 0n || from > to) throw new LogError('invalid_request', `from ${from} must be between 0 and to (${to})`);
    if (from === 0n || from === to) return [];
    const nodes = consistencyProofNodes(from, to);
    return rehashProof(nodes, await this.opts.store.getNodes(nodes.ids), this.hasher);
  }

  async block(height: bigint): Promise<BlockRecord | undefined> {
    if (height > this.latest.height) return undefined;
    return this.opts.store.getBlock(height);
  }

  /** The block that first covers entry `index`. */
  async coveringBlock(index: bigint): Promise<BlockRecord | undefined> {
    if (index < 0n || index >= this.head.treeSize) return undefined;
    return this.opts.store.findCoveringBlock(index);
  }

  /** Stops taking appends and waits for the batches already queued. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle;
  }
}

/**
 * Key rotation: the latest block is signed by `previousSigner`, not by `signer`. Writes one block
 * with no new entries whose checkpoint both keys sign, and records the new key (and the old one,
 * from block 0, when no history was recorded yet) in the same atomic batch.
 */
async function handOver(opts: LedgerOptions, head: LogHead, latest: BlockRecord): Promise<{ head: LogHead; latest: BlockRecord }> {
  const prev = opts.previousSigner;
  if (prev === undefined || !isSignedBy(latest.checkpoint, prev.verifierKey)) {
    throw new LogError(
      'corrupt_store',
      `the log key ${opts.verifierKey} did not sign the latest block ${latest.height}: to rotate the key, keep the previous one as the previous key (docs/OPERATIONS.md)`,
    );
  }
  const known = await loadKeyHistory(opts.store);
  const height = head.height + 1n;
  const time = formatTime(Math.max(opts.clock.now(), Date.parse(head.time)));
  const block = makeBlock(opts, height, head.treeSize, head.rootHash, head.blockHash, time, [prev, opts.signer]);
  const next: LogHead = { ...head, height, blockHash: block.hash, time };
  const records = [...(known.length === 0 ? [logKeyRecord(prev.verifierKey, 0n)] : []), logKeyRecord(opts.verifierKey, height)];
  await opts.store.commit({ entries: [], nodes: [], block: block.record, head: next, deposits: [], claims: [], records });
  return { head: next, latest: block.record };
}

function makeBlock(opts: LedgerOptions, height: bigint, treeSize: bigint, rootHash: Uint8Array, prevHash: Uint8Array, time: string, signers: NoteSigner[] = [opts.signer]) {
  const body = formatCheckpointBody({ origin: opts.origin, treeSize, rootHash, height, time, prevHash });
  const checkpoint = signNoteBy(body, signers);
  return { record: { height, treeSize, rootHash, prevHash, time, checkpoint } satisfies BlockRecord, hash: blockHash(body, opts.sha256) };
}

