/** The OperationStore port over the in-memory store (tests). */
import type { OperationStore } from '../../app/operation-ports.js';
import { RecordOperationStore } from '../records/operation-store.js';
import type { LedgerStore } from '../../app/ports.js';

export function memoryOperationStore(store: LedgerStore): OperationStore {
  return new RecordOperationStore(store);
}
