/**
 * Several service processes on one shared store (PostgreSQL): exactly one of them sequences at a
 * time (it holds a lease); the others hand the entries they accept to it through the store and
 * answer once those are committed. The Ledger uses this port; the adapter (src/adapters/pg/
 * sequencer.ts) keeps the lease, the handoff table and the notifications.
 */
import type { PendingEntry } from './log.js';

/** Entries one request of another process handed over, as the sequencer takes them. */
export interface Handed {
  /** The handoff's own reference of the request. */
  ref: string;
  /** The account whose entries these are ('' for none): the sequencer's fair share is per owner. */
  owner: string;
  items: PendingEntry[];
}

/** What a batch records for a handed-over request: the index of its first entry (the others follow it) and the block. */
export interface HandedResult {
  ref: string;
  first: bigint;
  block: bigint;
}

export interface Handoff {
  /** True while this process holds the sequencer role (its commits are the log's). */
  isSequencer(): boolean;
  /**
   * Hands the entries (all in one batch, in order) to the sequencer and resolves once they are
   * durable, with the index of the first and the block that covers them. MUST reject (and leave
   * nothing behind) rather than wait without end.
   */
  forward(items: PendingEntry[], owner: string): Promise<{ first: bigint; block: bigint }>;
  /**
   * The sequencer: requests handed over and not yet committed, oldest first, together holding at
   * most `max` entries, except those whose ref is in `skip` (already taken).
   */
  take(max: number, skip: ReadonlySet<string>): Promise<Handed[]>;
}
