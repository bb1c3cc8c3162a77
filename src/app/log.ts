/**
 * The ledger: sequencing and integration behind one writer, proofs and blocks for readers.
 *
 * Group commit: appends that arrive while a batch is being written wait for the next batch.
 * Each batch becomes one atomic, synced store write holding its entries, every tree node it
 * completes and its new signed block. An append resolves only after that write: an index is
 * reported only once it is durable. In-memory state moves forward only after the write
 * succeeded, so a failed write leaves the log exactly as it was.
 */
import { ZERO_HASH } from '../core/checkpoint.js';
import { LogError } from '../core/errors.js';
import { CompactRange, consistencyProofNodes, inclusionProofNodes, rehashProof, TreeHasher, type NodeId } from '../core/merkle.js';
import { isSignedBy } from '../core/note.js';
import { formatTime } from '../core/time.js';
import { backfillDepositIndex } from './deposit-index.js';
import { keyAt, loadKeyHistory, type LogKeyRange } from './log-keys.js';
import { fillIndex } from './pending.js';
import type { Handed, HandedResult, Handoff } from './handoff.js';
import { AppendQueue, defaultQueueShare, type Waiter } from './log-queue.js';
import { handOver, makeBlock } from './log-blocks.js';
import type { AppendOptions, Appended, LedgerOptions, PendingEntry } from './log-types.js';
import type { BlockRecord, CommitBatch, CounterDelta, LogHead, RecordWrite } from './ports.js';

export { defaultQueueShare } from './log-queue.js';
export type { AppendOptions, Appended, LedgerObserver, LedgerOptions, PendingEntry } from './log-types.js';

export class Ledger {
  readonly hasher: TreeHasher;
  readonly origin: string;
  readonly verifierKey: string;
  /** Every key the log has signed with, oldest first; the last is `verifierKey`. */
  readonly keys: readonly LogKeyRange[];
  private head: LogHead;
  private compact: CompactRange;
  private latest: BlockRecord;
  private readonly queue: AppendQueue;
  private draining = false;
  private closed = false;
  /** Closed and no longer taking handed-over entries either. */
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private readonly blockListeners = new Set<(block: BlockRecord) => void>();
  /** Handed-over requests now in `lanes` (their refs), so they are not taken twice. */
  private readonly handed = new Set<string>();
  /** Requests being handed to the sequencer, awaited by `close`. */
  private readonly forwarding = new Set<Promise<unknown>>();
  private forwardedEntries = 0;
  private readonly forwardedBy = new Map<string, number>();
  private refreshing: Promise<void> | undefined;

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
    const maxQueue = opts.maxQueue ?? 200_000;
    this.queue = new AppendQueue(opts.maxBatch ?? 20_000, maxQueue, opts.maxQueuePerOwner ?? defaultQueueShare(maxQueue));
  }

  /**
   * Opens the log in `store`, writing block 0 (the empty tree) if the store holds none. A store
   * written before the per-account deposit index is indexed first (deposit-index.ts).
   */
  static async open(opts: LedgerOptions): Promise<Ledger> {
    // Stores written before the per-account index and per-day counters get both first, once.
    await backfillDepositIndex(opts, opts.log ? { log: opts.log } : {});
    let head = await opts.store.loadHead();
    if (head === undefined) {
      const hasher = new TreeHasher(opts.sha256);
      const block = makeBlock(opts, 0n, 0n, hasher.emptyRoot(), ZERO_HASH, formatTime(opts.clock.now()));
      head = { treeSize: 0n, compact: [], rootHash: block.record.rootHash, height: 0n, blockHash: block.hash, time: block.record.time };
      try {
        await opts.store.commit({ entries: [], nodes: [], block: block.record, head, deposits: [], claims: [] });
      } catch (e) {
        // A shared store: only the sequencer writes, and it writes block 0 as it opens. Wait for it.
        if (opts.handoff === undefined) throw e;
        for (let waited = 0; head === undefined && waited < 30_000; waited += 100) {
          await new Promise((r) => setTimeout(r, 100));
          head = await opts.store.loadHead();
        }
        if (head === undefined) throw e;
      }
    }
    let latest = await opts.store.getBlock(head.height);
    if (latest === undefined) throw new LogError('corrupt_store', `latest block ${head.height} is missing`);
    const history = await loadKeyHistory(opts.logKeys);
    const inForce = keyAt(history, head.height);
    if (inForce !== undefined && opts.verifierKey !== inForce && opts.previousSigner?.verifierKey !== inForce) {
      throw new LogError(
        'corrupt_store',
        `the log key ${opts.verifierKey} did not sign the latest block ${head.height}: the key in force there is ${inForce}; start with that key, or rotate from it by keeping it as the previous key (docs/OPERATIONS.md)`,
        { details: { setting: 'LOG_KEY_FILE' } },
      );
    }
    if (opts.verifierKey === inForce && !isSignedBy(latest.checkpoint, opts.verifierKey)) {
      throw new LogError('corrupt_store', `the latest block ${head.height} is not signed by the key in force there, ${inForce}`);
    }
    if (!isSignedBy(latest.checkpoint, opts.verifierKey) || (inForce !== undefined && opts.verifierKey !== inForce)) {
      ({ head, latest } = await handOver(opts, head, latest, history));
    }
    return new Ledger(opts, head, latest, await loadKeyHistory(opts.logKeys));
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

  /** True when this process commits (always, unless it shares the store through a handoff). */
  get sequencer(): boolean {
    return this.opts.handoff?.isSequencer() ?? true;
  }

  /** True when entry `index` is committed; a process that does not sequence reads the stored head first if needed. */
  async covers(index: bigint): Promise<boolean> {
    if (index >= this.head.treeSize) await this.catchUp(index);
    return index >= 0n && index < this.head.treeSize;
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
    return this.queue.backlog + this.forwardedEntries;
  }

  /**
   * Appends entries, all in the same batch, in order. Resolves once they are durable.
   * MUST throw LogError('overloaded') at once when the queue, or the owner's share of it, is full.
   * Entries of one owner keep their order; entries of different owners MAY be reordered.
   */
  append(items: PendingEntry[], opts: AppendOptions = {}): Promise<Appended[]> {
    if (this.closed) return Promise.reject(new LogError('overloaded', 'the log is shutting down', { details: { retryAfter: 5 } }));
    if (items.length === 0) return Promise.resolve([]);
    if (items.length > this.queue.maxBatch) return Promise.reject(new LogError('invalid_request', `at most ${this.queue.maxBatch} entries at once`));
    const owner = opts.owner ?? '';
    if (this.opts.handoff !== undefined && !this.opts.handoff.isSequencer()) return this.forward(this.opts.handoff, items, owner, opts.owner !== undefined);
    const refused = this.queue.refusal(items.length, owner, opts.owner !== undefined);
    if (refused !== undefined) return Promise.reject(refused);
    return new Promise<Appended[]>((resolve, reject) => {
      this.queue.add({ owner, items, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = true;
    this.idle = new Promise<void>((done) => setImmediate(() => void this.drain().finally(done)));
  }

  /**
   * Hands the entries to the sequencer through the shared store and resolves once they are
   * committed, with the indexes they got; this process's head is brought up to their block first,
   * so that what it answers next (the deposit, its proof) is there.
   */
  private forward(handoff: Handoff, items: PendingEntry[], owner: string, capped: boolean): Promise<Appended[]> {
    // The same caps as the sequencer's own queue: in all, and per account.
    const mine = this.forwardedBy.get(owner) ?? 0;
    if (capped && mine + items.length > this.queue.maxQueuePerOwner) {
      return Promise.reject(
        new LogError('overloaded', `this account already has ${mine} entries waiting (at most ${this.queue.maxQueuePerOwner}, MAX_QUEUE_ENTRIES_PER_ACCOUNT); retry shortly`, {
          details: { retryAfter: 1 },
        }),
      );
    }
    if (this.forwardedEntries + items.length > this.queue.maxQueue) {
      return Promise.reject(new LogError('overloaded', 'too many deposits are waiting; retry shortly', { details: { retryAfter: 1 } }));
    }
    this.forwardedEntries += items.length;
    this.forwardedBy.set(owner, mine + items.length);
    const done = (async () => {
      const r = await handoff.forward(items, owner);
      // The entries are durable: a failed read of the head does not fail the answer.
      await this.refreshUntil(() => this.latest.height >= r.block).catch(() => undefined);
      return items.map((_, i) => ({ index: r.first + BigInt(i), block: r.block }));
    })();
    const tracked = done.finally(() => {
      this.forwardedEntries -= items.length;
      const left = this.forwardedBy.get(owner)! - items.length;
      if (left > 0) this.forwardedBy.set(owner, left);
      else this.forwardedBy.delete(owner);
      this.forwarding.delete(tracked);
    });
    this.forwarding.add(tracked);
    return tracked;
  }

  /**
   * Sequencer of a shared store: entries handed over by other processes are waiting. Starts a
   * batch if none is being written (the batch takes them).
   */
  wake(): void {
    if (this.stopped || this.opts.handoff?.isSequencer() !== true) return;
    this.kick();
  }

  /**
   * Reads the stored head and moves this process's view (tree size, latest block) forward to it;
   * never back. A process that does not sequence calls it when another one committed. Concurrent
   * calls share one read.
   */
  refresh(): Promise<void> {
    return (this.refreshing ??= this.reload().finally(() => (this.refreshing = undefined)));
  }

  private async reload(): Promise<void> {
    const head = await this.opts.store.loadHead();
    if (head === undefined || head.height <= this.head.height) return;
    const latest = await this.opts.store.getBlock(head.height);
    if (latest === undefined) throw new LogError('corrupt_store', `latest block ${head.height} is missing`);
    // A commit of this process may have moved the head meanwhile (on the sequencer): keep the newer.
    if (head.height <= this.head.height) return;
    this.head = head;
    this.latest = latest;
    this.compact = new CompactRange(this.hasher, head.treeSize, head.compact);
  }

  /**
   * Sequencer of a shared store, taking over: waits for its own batch in flight, if any, then
   * reads the stored head (another process may have committed since this one last did).
   */
  async takeOver(): Promise<void> {
    await this.idle;
    await this.reload();
  }

  /** A read past the known tree of a process that does not sequence: the head may have moved on. */
  private catchUp(index: bigint): Promise<void> {
    if (this.opts.handoff === undefined || this.opts.handoff.isSequencer()) return Promise.resolve();
    return this.refreshUntil(() => index < this.head.treeSize);
  }

  private async refreshUntil(done: () => boolean): Promise<void> {
    // A refresh already in flight may have read the head before the commit wanted: a second one then.
    for (let i = 0; i < 2 && !done(); i++) await this.refresh();
  }

  private async drain(): Promise<void> {
    const handoff = this.opts.handoff;
    for (;;) {
      if (handoff !== undefined) {
        // A process that stopped sequencing (lost its lease) commits nothing more: its waiting
        // requests are refused (the client retries, through whichever process sequences then).
        if (!handoff.isSequencer()) {
          const refused = new LogError('overloaded', 'this process stopped sequencing; retry shortly', { details: { retryAfter: 1 } });
          for (const w of this.queue.clear()) w.reject(refused);
          break;
        }
        await this.takeHanded(handoff);
      }
      if (this.queue.empty) break;
      let take = this.queue.take();
      try {
        let results: Appended[][];
        try {
          results = await this.commit(take);
        } catch (e) {
          // Shared store: another sequencer committed after this one read the head (a take-over
          // race). Read the head and write this process's own requests again, once; handed-over
          // requests go back to the table and are taken by the next batch.
          if (handoff === undefined || !(e instanceof LogError) || e.code !== 'conflict') throw e;
          await this.reload();
          for (const w of take) if (w.ref !== undefined) w.reject(e);
          take = take.filter((w) => w.ref === undefined);
          results = take.length > 0 ? await this.commit(take) : [];
        }
        take.forEach((w, i) => w.resolve(results[i]!));
      } catch (e) {
        for (const w of take) w.reject(e);
        // On a shared store the stored head may be ahead of ours (a commit whose answer was lost,
        // another sequencer): read it, so the next batch follows it or fails the fence again.
        if (handoff !== undefined) await this.reload().catch(() => undefined);
        // Handed-over entries stay in the shared store and are taken again by the next batch
        // (woken by the next handoff or poll), not at once in a loop against a failing store.
        if (take.some((w) => w.ref !== undefined)) break;
      }
    }
    this.draining = false;
  }

  /** Puts the entries other processes handed over (up to one batch waiting) into their owners' lanes. */
  private async takeHanded(handoff: Handoff): Promise<void> {
    const room = this.queue.maxBatch - this.queue.handedWaiting();
    if (room <= 0) return;
    let got: Handed[];
    try {
      got = await handoff.take(room, this.handed);
    } catch (e) {
      this.opts.log?.(`sequencer: cannot read the entries handed over: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    for (const h of got) {
      if (this.handed.has(h.ref)) continue;
      this.handed.add(h.ref);
      const forget = () => void this.handed.delete(h.ref);
      this.queue.add({ owner: h.owner, items: h.items, ref: h.ref, resolve: forget, reject: forget });
    }
  }

  private async commit(waiters: Waiter[]): Promise<Appended[][]> {
    const started = performance.now();
    const compact = this.compact.clone();
    const records: RecordWrite[] = [];
    const counters: CounterDelta[] = [];
    const batch: CommitBatch = { entries: [], nodes: [], deposits: [], claims: [], records, counters, block: undefined!, head: undefined! };
    const visit = (id: NodeId, hash: Uint8Array) => batch.nodes.push({ id, hash });
    const height = this.head.height + 1n;
    let index = this.head.treeSize;
    const perDay = new Map<string, number>();
    // Entries of one request share their receipt time: its day is worked out once per run of them.
    let lastReceived: string | undefined;
    let lastDay = '';
    const results = waiters.map((w) =>
      w.items.map((item) => {
        compact.append(this.hasher.hashLeaf(item.bytes), visit);
        batch.entries.push({ index, bytes: item.bytes });
        const d = item.deposit;
        if (d) {
          batch.deposits.push({ record: { id: d.record.id, metadata: d.record.metadata, index }, sha256: d.sha256, account: d.account });
          if (d.receivedAt !== undefined) {
            if (d.receivedAt !== lastReceived) {
              lastReceived = d.receivedAt;
              lastDay = d.receivedAt.slice(0, 10);
            }
            perDay.set(lastDay, (perDay.get(lastDay) ?? 0) + 1);
          }
        }
        if (item.claims) batch.claims.push(...item.claims);
        if (item.records) records.push(...(item.indexAt ? fillIndex(item.records, item.indexAt, index) : item.records));
        if (item.counters) counters.push(...item.counters);
        return { index: index++, block: height };
      }),
    );
    const handed: HandedResult[] = [];
    waiters.forEach((w, i) => {
      if (w.ref !== undefined && results[i]!.length > 0) handed.push({ ref: w.ref, first: results[i]![0]!.index, block: height });
    });
    if (handed.length > 0) batch.handed = handed;
    counters.push(...this.opts.counters.depositDeltas(batch.deposits.length));
    for (const [day, delta] of perDay) counters.push(...this.opts.counters.depositDayDeltas(day, delta));
    const lastMs = Date.parse(this.head.time);
    const time = formatTime(Math.max(this.opts.clock.now(), lastMs));
    const block = makeBlock(this.opts, height, index, compact.root(), this.head.blockHash, time);
    batch.block = block.record;
    batch.head = { treeSize: index, compact: [...compact.hashes], rootHash: block.record.rootHash, height, blockHash: block.hash, time };
    await this.opts.store.commit(batch);
    this.head = batch.head;
    this.compact = compact;
    this.latest = block.record;
    this.observe(() => this.opts.observer?.onCommit?.({ entries: batch.entries.length, deposits: batch.deposits.length, ms: performance.now() - started }));
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
    if (index >= this.head.treeSize) await this.catchUp(index);
    if (index < 0n || index >= this.head.treeSize) return undefined;
    return this.opts.store.getEntry(index);
  }

  /** Up to `count` committed entries from `start`, in order. */
  async entries(start: bigint, count: number): Promise<Uint8Array[]> {
    if (start + BigInt(count) > this.head.treeSize) await this.catchUp(start + BigInt(count) - 1n);
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
    if (treeSize > this.head.treeSize) await this.catchUp(treeSize - 1n);
    if (treeSize > this.head.treeSize) throw new LogError('invalid_request', `treeSize ${treeSize} is beyond the log (${this.head.treeSize})`);
    if (index < 0n || index >= treeSize) throw new LogError('invalid_request', `index ${index} is not below treeSize ${treeSize}`);
    const started = performance.now();
    const nodes = inclusionProofNodes(index, treeSize);
    const [leaf, ...hashes] = await this.opts.store.getNodes([{ level: 0, index }, ...nodes.ids]);
    const proof = { leafHash: leaf!, hashes: rehashProof(nodes, hashes, this.hasher) };
    this.observe(() => this.opts.observer?.onProof?.({ kind: 'inclusion', ms: performance.now() - started }));
    return proof;
  }

  /** Consistency proof between tree sizes 0 <= from <= to <= current size. */
  async consistencyProof(from: bigint, to: bigint): Promise<Uint8Array[]> {
    if (to > this.head.treeSize) await this.catchUp(to - 1n);
    if (to > this.head.treeSize) throw new LogError('invalid_request', `to ${to} is beyond the log (${this.head.treeSize})`);
    if (from < 0n || from > to) throw new LogError('invalid_request', `from ${from} must be between 0 and to (${to})`);
    if (from === 0n || from === to) return [];
    const started = performance.now();
    const nodes = consistencyProofNodes(from, to);
    const proof = rehashProof(nodes, await this.opts.store.getNodes(nodes.ids), this.hasher);
    this.observe(() => this.opts.observer?.onProof?.({ kind: 'consistency', ms: performance.now() - started }));
    return proof;
  }

  /** True while appends are taken (not closed). */
  get accepting(): boolean {
    return !this.closed;
  }

  /** Reports inclusion proofs built outside `inclusionProof` (certificates build many at once) to the observer. */
  observeInclusionProofs(count: number, ms: number): void {
    for (let i = 0; i < count; i++) this.observe(() => this.opts.observer?.onProof?.({ kind: 'inclusion', ms: ms / count }));
  }

  private observe(call: () => void): void {
    if (this.opts.observer === undefined) return;
    try {
      call();
    } catch {
      // Measurements never fail the ledger.
    }
  }

  async block(height: bigint): Promise<BlockRecord | undefined> {
    if (height > this.latest.height && this.opts.handoff !== undefined && !this.opts.handoff.isSequencer()) await this.refreshUntil(() => height <= this.latest.height);
    if (height > this.latest.height) return undefined;
    return this.opts.store.getBlock(height);
  }

  /** The block that first covers entry `index`. */
  async coveringBlock(index: bigint): Promise<BlockRecord | undefined> {
    if (index >= this.head.treeSize) await this.catchUp(index);
    if (index < 0n || index >= this.head.treeSize) return undefined;
    return this.opts.store.findCoveringBlock(index);
  }

  /** Stops taking appends and waits for the batches already queued. */
  async close(): Promise<void> {
    this.closed = true;
    // Requests this process handed over are answered first; as the sequencer it still takes
    // handed-over entries meanwhile (its own may be among them, from before it took over).
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.allSettled([...this.forwarding]), new Promise((r) => (timer = setTimeout(r, 15_000)))]);
    clearTimeout(timer);
    this.stopped = true;
    await this.idle;
  }
}
