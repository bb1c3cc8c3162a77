/**
 * FingerprintStore over the log store's auxiliary records (space `fingerprints`, key = deposit
 * id, value = the record's JSON): LevelDB in the service, synced like every record write. Not
 * part of the log: fingerprints are private.
 */
import type { FingerprintRecord, FingerprintStore } from '../../app/fingerprints.js';
import type { LedgerStore } from '../../app/ports.js';

const SPACE = 'fingerprints';

export class RecordFingerprintStore implements FingerprintStore {
  constructor(private readonly store: Pick<LedgerStore, 'getRecord' | 'listRecords' | 'writeRecords'>) {}

  put(record: FingerprintRecord): Promise<void> {
    return this.store.writeRecords([{ space: SPACE, key: record.depositId, value: JSON.stringify(record) }]);
  }

  async get(depositId: string): Promise<FingerprintRecord | undefined> {
    const v = await this.store.getRecord(SPACE, depositId);
    return v === undefined ? undefined : (JSON.parse(v) as FingerprintRecord);
  }

  async list(opts: { after?: string; limit: number }): Promise<FingerprintRecord[]> {
    const rows = await this.store.listRecords(SPACE, { ...(opts.after !== undefined ? { after: opts.after } : {}), limit: opts.limit });
    return rows.map((r) => JSON.parse(r.value) as FingerprintRecord);
  }
}
