/** The OperationStore port over LevelDB: operation records live under the store's record prefix, written by the Ledger's commit batches. */
import type { OperationStore } from '../../app/operation-ports.js';
import { RecordOperationStore } from '../records/operation-store.js';
import type { LedgerStore } from '../../app/ports.js';

export function levelOperationStore(store: LedgerStore): OperationStore {
  return new RecordOperationStore(store);
}
