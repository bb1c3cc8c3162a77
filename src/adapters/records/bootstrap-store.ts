/**
 * The BootstrapStore port (src/app/bootstrap-ports.ts) over a store's auxiliary records. One record:
 *
 * - `bootstrap-admin` / `current` → `{"account":"acc_…","keyId":"key_…","since":"<ISO 8601>"}`
 */
import type { BootstrapRecord, BootstrapStore } from '../../app/bootstrap-ports.js';
import type { RecordStore } from '../../app/ports.js';

export const BOOTSTRAP = { space: 'bootstrap-admin', key: 'current' } as const;

export class RecordBootstrapStore implements BootstrapStore {
  constructor(private readonly store: Pick<RecordStore, 'getRecord' | 'writeRecords'>) {}

  async get(): Promise<BootstrapRecord | undefined> {
    const raw = await this.store.getRecord(BOOTSTRAP.space, BOOTSTRAP.key);
    return raw === undefined ? undefined : (JSON.parse(raw) as BootstrapRecord);
  }

  async put(record: BootstrapRecord): Promise<void> {
    const { account, keyId, since } = record;
    await this.store.writeRecords([{ ...BOOTSTRAP, value: JSON.stringify({ account, keyId, since }) }]);
  }
}
