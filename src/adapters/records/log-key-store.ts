/**
 * The LogKeyStore port (src/app/log-key-ports.ts) over a store's auxiliary records. Record space:
 *
 * - `log-keys`  zero-padded (20 digits) first height → `{"key":"<verifier key>","firstHeight":"<n>"}`
 *
 * The padding makes key order height order. The hand-over block's batch holds the writes.
 */
import type { LogKeyStore, StoredLogKey } from '../../app/log-key-ports.js';
import type { RecordStore, RecordWrite } from '../../app/ports.js';

export const LOG_KEYS_SPACE = 'log-keys';

/** Most keys the history is read up to (one per rotation). */
const MAX_KEYS = 10_000;

const pad = (h: bigint) => h.toString().padStart(20, '0');

export class RecordLogKeyStore implements LogKeyStore {
  constructor(private readonly store: Pick<RecordStore, 'listRecords'>) {}

  async list(): Promise<StoredLogKey[]> {
    const rows = await this.store.listRecords(LOG_KEYS_SPACE, { limit: MAX_KEYS });
    return rows.map((r) => {
      const v = JSON.parse(r.value) as { key: string; firstHeight: string };
      return { key: v.key, firstHeight: BigInt(v.firstHeight) };
    });
  }

  writes(key: string, firstHeight: bigint): RecordWrite[] {
    return [{ space: LOG_KEYS_SPACE, key: pad(firstHeight), value: JSON.stringify({ key, firstHeight: firstHeight.toString() }) }];
  }
}
