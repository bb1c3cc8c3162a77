/**
 * The storage port of the deposit-index backfill's progress (deposit-index.ts): where the one-time
 * pass over an older store's entries has got to. Progress moves in the same atomic write as each
 * chunk of index records and counters (`writes`, passed to `DepositStore.indexAccountDeposits`), so
 * an interrupted pass resumes exactly where it stopped.
 */
import type { RecordWrite } from './ports.js';

/** The pass has indexed the entries below `next`; `done`: every entry of the store when it finished. */
export type IndexProgress = { next: bigint } | 'done';

/**
 * Backfill progress. Implementations:
 * - MUST return only committed data; undefined before the pass ever recorded progress;
 * - `writes` MUST be pure (no I/O); once committed, `get` MUST return the progress it names;
 * - `markDone` MUST be atomic and durable before resolving.
 */
export interface DepositIndexProgressStore {
  get(): Promise<IndexProgress | undefined>;
  writes(progress: IndexProgress): RecordWrite[];
  /** Records `done` outside any other write (a store with nothing to index). */
  markDone(): Promise<void>;
}
