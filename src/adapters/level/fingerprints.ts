/**
 * FingerprintStore over the log store's auxiliary records (LevelDB, memory and PostgreSQL alike),
 * synced like every record write. Not part of the log: fingerprints are private. Record spaces:
 *
 * - `fingerprints`        deposit id → the record's JSON
 * - `fingerprints-added`  `<createdAt>/<deposit id>` → ''   (written with each put, so processes
 *                         sharing the store find what others added; absent for fingerprints
 *                         stored by earlier versions, which every process loads at start)
 */
import type { FingerprintRecord, FingerprintStore } from '../../app/fingerprints.js';
import type { LedgerStore } from '../../app/ports.js';

const SPACE = 'fingerprints';
const ADDED = 'fingerprints-added';

export class RecordFingerprintStore implements FingerprintStore {
  constructor(private readonly store: Pick<LedgerStore, 'getRecord' | 'listRecords' | 'writeRecords'>) {}

  put(record: FingerprintRecord): Promise<void> {
    return this.store.writeRecords([
      { space: SPACE, key: record.depositId, value: JSON.stringify(record) },
      { space: ADDED, key: `${record.createdAt}/${record.depositId}`, value: '' },
    ]);
  }

  async get(depositId: string): Promise<FingerprintRecord | undefined> {
    const v = await this.store.getRecord(SPACE, depositId);
    return v === undefined ? undefined : (JSON.parse(v) as FingerprintRecord);
  }

  async list(opts: { after?: string; limit: number }): Promise<FingerprintRecord[]> {
    const rows = await this.store.listRecords(SPACE, { ...(opts.after !== undefined ? { after: opts.after } : {}), limit: opts.limit });
    return rows.map((r) => JSON.parse(r.value) as FingerprintRecord);
  }

  async added(opts: { since: string; after?: string; limit: number }): Promise<{ depositId: string; cursor: string }[]> {
    // Keys start with createdAt: every key of a time at or after `since` sorts after `since` itself.
    const from = opts.after !== undefined && opts.after > opts.since ? opts.after : opts.since;
    const rows = await this.store.listRecords(ADDED, { after: from, limit: opts.limit });
    return rows.map((r) => ({ depositId: r.key.slice(r.key.lastIndexOf('/') + 1), cursor: r.key }));
  }
}
