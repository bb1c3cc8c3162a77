/**
 * Backfill of the per-account deposit index and the per-day deposit counters for stores written
 * before either existed. New deposits get both in their own commit batch (Ledger, Deposits); this
 * pass walks the entries the store already holds, once, when the ledger opens (Ledger.open),
 * before it takes appends.
 *
 * Progress (DepositIndexProgressStore) is written in the same atomic batch as each chunk's index
 * records and counter deltas, so an interrupted pass resumes where it stopped and never counts a
 * deposit twice; `done` marks the pass finished and later starts cost one read.
 */
import { fromUtf8 } from '../core/bytes.js';
import { LogError } from '../core/errors.js';
import type { CounterStore } from './counter-ports.js';
import type { DepositIndexProgressStore } from './deposit-index-ports.js';
import type { AccountDepositRef, CounterDelta, DepositStore, LogStore } from './ports.js';

/** What the pass reads and writes: the log's entries, the index, the day counters and its progress. */
export interface BackfillPorts {
  store: Pick<LogStore, 'loadHead' | 'getEntries'> & Pick<DepositStore, 'indexAccountDeposits'>;
  counters: Pick<CounterStore, 'depositDayDeltas'>;
  indexProgress: DepositIndexProgressStore;
}

export interface BackfillOptions {
  /** Entries read and indexed per atomic write (default 10,000). */
  chunk?: number;
  /** Progress messages (start, every ~5 s, end) for big stores. */
  log?: (msg: string) => void;
  /** Epoch milliseconds, for the progress interval (default Date.now). */
  now?: () => number;
}

/**
 * Indexes every deposit entry of [progress, treeSize) under its account and adds it to the
 * counter of its UTC receipt day. Returns how many deposits it indexed (0 when already done).
 * MUST run before the ledger appends (a deposit committed meanwhile would be counted twice).
 */
export async function backfillDepositIndex(ports: BackfillPorts, opts: BackfillOptions = {}): Promise<number> {
  const { store, counters: counterStore, indexProgress } = ports;
  const state = await indexProgress.get();
  if (state === 'done') return 0;
  const head = await store.loadHead();
  const end = head?.treeSize ?? 0n;
  let next = state === undefined ? 0n : state.next;
  const chunk = opts.chunk ?? 10_000;
  const now = opts.now ?? Date.now;
  const big = end - next > BigInt(chunk);
  if (big) opts.log?.(`indexing the deposits of entries ${next}..${end - 1n} by account and day (once, for a store written before that index)`);
  let indexed = 0;
  let indexedChunks = 0;
  let lastNote = now();
  while (next < end) {
    const count = Number(end - next < BigInt(chunk) ? end - next : BigInt(chunk));
    const entries = await store.getEntries(next, count);
    if (entries.length !== count) throw new LogError('corrupt_store', `entries ${next}..${next + BigInt(count) - 1n} are not all in the store (its head says ${end})`);
    const refs: (AccountDepositRef & { account: string })[] = [];
    const days = new Map<string, number>();
    entries.forEach((bytes, i) => {
      const e = depositOf(bytes);
      if (e === undefined) return;
      refs.push({ account: e.account, index: next + BigInt(i), id: e.id });
      const day = e.receivedAt.slice(0, 10);
      days.set(day, (days.get(day) ?? 0) + 1);
    });
    const moved = next + BigInt(count);
    const counters: CounterDelta[] = [...days].flatMap(([day, delta]) => counterStore.depositDayDeltas(day, delta));
    await store.indexAccountDeposits(refs, indexProgress.writes(moved >= end ? 'done' : { next: moved }), counters);
    indexed += refs.length;
    indexedChunks++;
    next = moved;
    if (big && now() - lastNote >= 5_000) {
      lastNote = now();
      opts.log?.(`indexed deposits up to entry ${next} of ${end} (${indexed} deposits so far)`);
    }
  }
  if (indexedChunks === 0) await indexProgress.markDone();
  if (big) opts.log?.(`indexed ${indexed} deposits by account and day`);
  return indexed;
}

interface DepositFacts {
  account: string;
  id: string;
  receivedAt: string;
}

/** The account, id and receipt time of a deposit entry; undefined for other entries. */
function depositOf(bytes: Uint8Array): DepositFacts | undefined {
  // The store's own entries, checked when they were written: a plain parse is enough here.
  let e: unknown;
  try {
    e = JSON.parse(fromUtf8(bytes));
  } catch {
    return undefined;
  }
  const d = e as Partial<Record<keyof DepositFacts | 'type', unknown>> | null;
  if (d === null || typeof d !== 'object' || d.type !== 'deposit') return undefined;
  if (typeof d.account !== 'string' || typeof d.id !== 'string' || typeof d.receivedAt !== 'string') return undefined;
  return { account: d.account, id: d.id, receivedAt: d.receivedAt };
}
