/**
 * The concern stores the core use cases keep next to the log, all over one store's records and
 * counters: `Ledger.open({ store, ...ledgerRecords(store), … })` (key history, deposit counters,
 * deposit-index progress) and `new Accounts(store, accountRecords(store), …)` (the admin
 * bootstrap record, account counters).
 */
import type { RecordStore } from '../../app/ports.js';
import { RecordBootstrapStore } from './bootstrap-store.js';
import { RecordCounterStore } from './counter-store.js';
import { RecordDepositIndexProgressStore } from './deposit-index-progress-store.js';
import { RecordLogKeyStore } from './log-key-store.js';

export function ledgerRecords(store: RecordStore) {
  return { logKeys: new RecordLogKeyStore(store), counters: new RecordCounterStore(store), indexProgress: new RecordDepositIndexProgressStore(store) };
}

export function accountRecords(store: RecordStore) {
  return { bootstrap: new RecordBootstrapStore(store), counters: new RecordCounterStore(store) };
}
