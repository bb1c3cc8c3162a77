/**
 * The storage port of the upload quota (quota.ts): the bytes an account's kept originals take
 * (a counter per account) and the content it was charged for (one record per account and
 * SHA-256). A charge is written in the same atomic batch as the deposit that keeps the original:
 * `chargeWrites` builds it (opaque to the use case, which passes it to the ledger).
 */
import type { CounterDelta, RecordWrite } from './ports.js';

/**
 * Quota usage. Implementations:
 * - MUST return only committed data (0 bytes, not charged, for an account never charged);
 * - `chargeWrites` MUST be pure (no I/O); once committed, `usedBytes` MUST have grown by `size`
 *   and `isCharged` MUST be true for that account and SHA-256, and for no other account.
 */
export interface QuotaStore {
  usedBytes(account: string): Promise<number>;
  isCharged(account: string, sha256: string): Promise<boolean>;
  chargeWrites(account: string, sha256: string, size: number): { records: RecordWrite[]; counters: CounterDelta[] };
}
