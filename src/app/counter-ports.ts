/**
 * The storage port of the named counters the log and the accounts keep: deposits (in all and per
 * UTC day of receipt), accounts and organisation accounts. Each counter moves in the same atomic
 * write as what it counts: the `…Deltas` builders return the counter deltas (opaque to the use
 * case) that go into that write (a commit batch, `AccountStore.putAccount`,
 * `DepositStore.indexAccountDeposits`). Reads serve the statistics without scanning.
 */
import type { AccountRecord, CounterDelta } from './ports.js';

/**
 * Named counters. Implementations:
 * - MUST return only committed values, 0 for a counter never written;
 * - the builders MUST be pure (no I/O); the deltas they return, once committed, MUST move the
 *   matching read by exactly the count given, whatever else was committed.
 */
export interface CounterStore {
  /** Deltas counting `n` more deposits in all. */
  depositDeltas(n: number): CounterDelta[];
  /** Deltas counting `n` more deposits received on UTC day `day` (YYYY-MM-DD). */
  depositDayDeltas(day: string, n: number): CounterDelta[];
  /** Deltas counting one more account of this kind (organisations are counted twice: as accounts and as organisations). */
  accountDeltas(kind: AccountRecord['kind']): CounterDelta[];
  /** Deposits in all. */
  deposits(): Promise<number>;
  /** Deposits received on each UTC day of `days`, in the same order. */
  depositsOnDays(days: readonly string[]): Promise<number[]>;
  /** Accounts in all, and organisation accounts among them. */
  accounts(): Promise<{ accounts: number; organisations: number }>;
  /**
   * Counters the other concerns name and keep (registrations, operations; their modules export
   * the names), in the order of `names`.
   */
  named(names: readonly string[]): Promise<number[]>;
}
