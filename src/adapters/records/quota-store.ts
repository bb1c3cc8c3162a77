/**
 * The QuotaStore port (src/app/quota-ports.ts) over a store's records and counters:
 *
 * - space `upload-charges`: `<account>/<sha256>` → the size in bytes (decimal text) it was charged
 * - counter `upload-bytes:<account>`: bytes the account's kept originals take
 */
import type { QuotaStore } from '../../app/quota-ports.js';
import type { CounterDelta, RecordStore, RecordWrite } from '../../app/ports.js';

export const UPLOAD_CHARGES_SPACE = 'upload-charges';
export const uploadBytesCounter = (account: string) => `upload-bytes:${account}`;

export class RecordQuotaStore implements QuotaStore {
  constructor(private readonly store: Pick<RecordStore, 'getRecord' | 'getCounter'>) {}

  async usedBytes(account: string): Promise<number> {
    return (await this.store.getCounter(uploadBytesCounter(account))) ?? 0;
  }

  async isCharged(account: string, sha256: string): Promise<boolean> {
    return (await this.store.getRecord(UPLOAD_CHARGES_SPACE, `${account}/${sha256}`)) !== undefined;
  }

  chargeWrites(account: string, sha256: string, size: number): { records: RecordWrite[]; counters: CounterDelta[] } {
    return {
      records: [{ space: UPLOAD_CHARGES_SPACE, key: `${account}/${sha256}`, value: String(size) }],
      counters: [{ name: uploadBytesCounter(account), delta: size }],
    };
  }
}
