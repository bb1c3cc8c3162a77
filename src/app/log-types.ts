/**
 * The types of the ledger's interface (log.ts): what is appended, what an append returns, and
 * the options of a ledger.
 */
import type { Sha256 } from '../core/hash.js';
import type { NoteSigner } from '../core/note.js';
import type { Handoff } from './handoff.js';
import type { IndexSlot } from './pending.js';
import type { CounterStore } from './counter-ports.js';
import type { DepositIndexProgressStore } from './deposit-index-ports.js';
import type { LogKeyStore } from './log-key-ports.js';
import type { ClaimRecord, Clock, CounterDelta, DepositRecord, DepositStore, LogStore, RecordWrite } from './ports.js';

/** One entry to append, with the records that must become durable in the same write. */
export interface PendingEntry {
  bytes: Uint8Array;
  /**
   * The deposit record. With `account`, the store also lists it among that account's deposits;
   * with `receivedAt`, it counts on that UTC day (`CounterStore.depositDayDeltas`).
   */
  deposit?: { record: Omit<DepositRecord, 'index'>; sha256: Uint8Array; account?: string; receivedAt?: string };
  claims?: ClaimRecord[];
  /** Auxiliary records written in the same atomic batch as the entry. */
  records?: RecordWrite[];
  /** Where the entry's index goes in `records` (templates filled by `fillIndex` when the batch is built). */
  indexAt?: IndexSlot[];
  /** Counter deltas applied in the same atomic batch as the entry. */
  counters?: CounterDelta[];
}


export interface Appended {
  index: bigint;
  /** Height of the block that first covers the entry. */
  block: bigint;
}

/** Optional measurements of the ledger (metrics). Called synchronously; MUST be quick and MUST NOT throw. */
export interface LedgerObserver {
  /** After each durable batch: entries and deposit records it held, and how long building and writing it took. */
  onCommit?(c: { entries: number; deposits: number; ms: number }): void;
  /** After each inclusion or consistency proof. */
  onProof?(p: { kind: 'inclusion' | 'consistency'; ms: number }): void;
}

export interface LedgerOptions {
  /** The log, and the per-account deposit index the start-up backfill writes (deposit-index.ts). */
  store: LogStore & Pick<DepositStore, 'indexAccountDeposits'>;
  /** The key history (log-keys.ts), written with hand-over blocks. */
  logKeys: LogKeyStore;
  /** Deposit counters, moved in each batch. */
  counters: CounterStore;
  /** Progress of the deposit-index backfill. */
  indexProgress: DepositIndexProgressStore;
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
   * Most entries one owner (an account) may have waiting; beyond it that owner's `append` throws
   * `overloaded` while others still get in (default `defaultQueueShare(maxQueue)`).
   */
  maxQueuePerOwner?: number;
  /**
   * The key the log signed with before `signer` (key rotation). When the latest block is not
   * signed by `signer` but by this key, `open` writes a hand-over block signed by both.
   */
  previousSigner?: NoteSigner & { verifierKey: string };
  observer?: LedgerObserver;
  /** Progress messages of long start-up work (indexing an older store's deposits). */
  log?: (msg: string) => void;
  /**
   * Several processes on one shared store (handoff.ts): only the one that holds the sequencer
   * role commits; the others hand their entries to it and read the head it commits. Without it
   * this process is the only writer (the embedded store).
   */
  handoff?: Handoff;
}


export interface AppendOptions {
  /**
   * Whose entries these are (an account id). Batches are filled round-robin across owners, and
   * an owner's waiting entries are capped by `maxQueuePerOwner`. Without it the entries share
   * one anonymous lane that has no cap of its own.
   */
  owner?: string;
}
