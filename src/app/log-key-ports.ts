/**
 * The storage port of the log's key history (log-keys.ts): one record per verifier key, written
 * in the same atomic batch as the hand-over block that brings the key in. `writes` builds those
 * record writes (opaque to the ledger, which commits them with the block).
 */
import type { RecordWrite } from './ports.js';

/** One stored key: the verifier key and the height of the first block it signs. */
export interface StoredLogKey {
  key: string;
  firstHeight: bigint;
}

/**
 * The key history. Implementations:
 * - MUST return only committed data, ordered by `firstHeight` ascending;
 * - `writes` MUST be pure (no I/O); once committed, `list` MUST return the key it names.
 */
export interface LogKeyStore {
  /** Every stored key, oldest first; [] when none was ever recorded. */
  list(): Promise<StoredLogKey[]>;
  /** The record writes that store `key` as signing from block `firstHeight` on. */
  writes(key: string, firstHeight: bigint): RecordWrite[];
}
