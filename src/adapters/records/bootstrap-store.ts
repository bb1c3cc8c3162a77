/**
 * The BootstrapStore port (src/app/bootstrap-ports.ts) over a store's auxiliary records. One record:
 *
 * - `bootstrap-admin` / `current` → `{"account":"acc_…","keyId":"key_…","since":"<ISO 8601>"}`
 */
import type { BootstrapRecord, BootstrapStore } from '../../app/bootstrap-ports.js';
import type { RecordStore } from '../../app/ports.js';
import { getJson } from './json.js';

export const BOOTSTRAP = { space: 'bootstrap-admin', key: 'current' } as const;

export class RecordBootstrapStore implements BootstrapStore {
  constructor(private readonly store: Pick<RecordStore, 'getRecord' | 'writeRecords'>) {}

  async get(): Promise<BootstrapRecord | undefined> {
    return getJson<BootstrapRecord>(this.store, BOOTSTRAP.space, BOOTSTRAP.key);
  }

  async put(record: BootstrapRecord): Promise<void> {
    const { account, keyId, since } = record;
    await this.store.writeRecords([{ ...BOOTSTRAP, value: JSON.stringify({ account, keyId, since }) }]);
  }
}
